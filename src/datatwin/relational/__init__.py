"""Relational databases: keys, the order tables are drawn in, and learning and drawing whole databases.

Built on the single-table pipeline (:mod:`datatwin.pipeline`); reading and writing databases is
:mod:`datatwin.io.database`'s job, the public face :mod:`datatwin.api`'s.
"""

from datatwin.relational.checks import check_database
from datatwin.relational.discover import discover_keys
from datatwin.relational.learn import learn_database
from datatwin.relational.model import (
    DATABASE_KIND,
    FittedDatabase,
    TableModel,
    database_document,
    database_from_document,
)
from datatwin.relational.order import GenerationPlan, generation_plan
from datatwin.relational.synthesize import sample_database

__all__ = [
    "DATABASE_KIND",
    "FittedDatabase",
    "GenerationPlan",
    "TableModel",
    "check_database",
    "database_document",
    "database_from_document",
    "discover_keys",
    "generation_plan",
    "learn_database",
    "sample_database",
]
