"""Test data from a schema alone — SQL DDL or a JSON spec — with keys, CHECKs and edge cases."""

from datatwin.testdata.generate import generate_tables, read_spec
from datatwin.testdata.spec import ColumnPlan, DataSpec, ForeignKeyPlan, TablePlan

__all__ = ["ColumnPlan", "DataSpec", "ForeignKeyPlan", "TablePlan", "generate_tables", "read_spec"]
