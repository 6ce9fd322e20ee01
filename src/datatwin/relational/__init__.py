"""Relational databases: schemas with keys, reading and writing them, and their twins.

>>> import datatwin
>>> twin = datatwin.fit_database("sqlite:///shop.db")        # doctest: +SKIP
>>> twin.save("shop.twin"); twin = datatwin.load_database("shop.twin")  # doctest: +SKIP
>>> twin.sample(scale=2.0, seed=1).save("postgresql://me@localhost/shop_test")  # doctest: +SKIP
"""

from datatwin.relational.checks import check_database
from datatwin.relational.database import Database, is_database_url, read_database, read_folder, read_url
from datatwin.relational.detect import detect_foreign_keys
from datatwin.relational.learn import fit_database
from datatwin.relational.model import DatabaseTwin, TableModel, load_database
from datatwin.relational.order import GenerationPlan, generation_plan
from datatwin.relational.schema import ForeignKey, RelationalSchema, TableSchema

__all__ = [
    "Database",
    "DatabaseTwin",
    "ForeignKey",
    "GenerationPlan",
    "RelationalSchema",
    "TableModel",
    "TableSchema",
    "check_database",
    "detect_foreign_keys",
    "fit_database",
    "generation_plan",
    "is_database_url",
    "load_database",
    "read_database",
    "read_folder",
    "read_url",
]
