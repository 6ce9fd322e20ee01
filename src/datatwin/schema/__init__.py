"""Column kinds, table schemas, their inference from data and validation of data against them."""

from datatwin.schema.coerce import coerce_table
from datatwin.schema.infer import DEFAULT_RARE_THRESHOLD, infer_schema
from datatwin.schema.kinds import PII_TYPES, ColumnKind
from datatwin.schema.spec import ColumnSpec, Schema, SequenceKeys

__all__ = [
    "DEFAULT_RARE_THRESHOLD",
    "PII_TYPES",
    "ColumnKind",
    "ColumnSpec",
    "Schema",
    "SequenceKeys",
    "coerce_table",
    "infer_schema",
]
