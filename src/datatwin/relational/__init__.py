"""Relational databases: schemas with keys, reading them, finding undeclared keys, ordering tables.

Synthesis of whole databases builds on these (issue 5, in progress).
"""

from datatwin.relational.checks import check_database
from datatwin.relational.database import Database, is_database_url, read_database, read_folder
from datatwin.relational.detect import detect_foreign_keys
from datatwin.relational.order import GenerationPlan, generation_plan
from datatwin.relational.schema import ForeignKey, RelationalSchema, TableSchema

__all__ = [
    "Database",
    "ForeignKey",
    "GenerationPlan",
    "RelationalSchema",
    "TableSchema",
    "check_database",
    "detect_foreign_keys",
    "generation_plan",
    "is_database_url",
    "read_database",
    "read_folder",
]
