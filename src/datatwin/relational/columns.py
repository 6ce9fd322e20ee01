"""The columns of a table twin inside a database twin: value columns, children counts, context names."""

from __future__ import annotations

import numpy as np
import pandas as pd

from datatwin.io.database import Database
from datatwin.relational.order import GenerationPlan
from datatwin.schema import ColumnSpec, infer_schema
from datatwin.schema.coerce import blanks_as_missing
from datatwin.schema.keys import key_text
from datatwin.schema.relational import ForeignKey, RelationalSchema, TableSchema

# Names of the columns a table twin learns besides the table's own (see datatwin.relational.learn)
PARENT = "__parent__."  # the primary parent's value columns
GRANDPARENT = "__grandparent__."  # the values the parent was drawn with
PREVIOUS = "__previous__."  # in a sequence, the sibling before
POSITION = "__position__"  # in a sequence, the row's place among its siblings
CHILDREN = "__children__."  # a parent row's number of children through each foreign key
POOLED = "<pooled>"  # a parent label too rare to be written back, as its children see it


def value_columns(schema: RelationalSchema, table: TableSchema, frame: pd.DataFrame) -> list[str]:
    """The columns a table twin generates: neither the table's own single-column key nor a
    foreign key, not binary (pictures) and not always empty."""
    own_key = set(table.primary_key) if len(table.primary_key) == 1 else set()  # composite parts are values
    keys = own_key | {c for k in schema.parents_of(table.name) for c in k.columns}
    filled = lambda c: blanks_as_missing(frame[c]).notna().any()  # noqa: E731
    return [c for c in table.columns if c not in keys and not is_binary(frame[c]) and filled(c)]


def count_column(key: ForeignKey) -> str:
    """The twin column holding each parent row's number of children through ``key``."""
    return f"{CHILDREN}{key.table}.{'.'.join(key.columns)}"


def is_binary(values: pd.Series) -> bool:
    """Whether a column holds bytes (pictures): not learnt, written back empty."""
    present = values.dropna()
    return bool(len(present)) and bool(present.map(lambda v: isinstance(v, bytes | bytearray | memoryview)).any())


def children_per_row(database: Database, key: ForeignKey) -> pd.Series:
    """For each parent row, how many child rows refer to it through ``key``."""
    parent = database.tables[key.parent]
    child = database.tables[key.table]
    child = child[child[list(key.columns)].notna().all(axis=1)]
    counts = key_text(child, key.columns).value_counts()
    return key_text(parent, key.parent_columns).map(counts).fillna(0).astype(np.int64)


def children_counts(database: Database, name: str, plan: GenerationPlan) -> dict[str, np.ndarray]:
    """Per count column, each row's number of children through the keys to table ``name`` that
    are drawn in order (the deferred ones are filled afterwards, without counts)."""
    keys = [k for k in database.schema.foreign_keys if k.parent == name and k not in plan.deferred]
    return {count_column(k): children_per_row(database, k).to_numpy() for k in keys}


def filled_column_specs(frame: pd.DataFrame) -> tuple[ColumnSpec, ...]:
    """The inferred specs of a frame's columns that hold something ('' counting as missing);
    none for a frame without rows or such columns. Columns of bytes (pictures) are left out."""
    filled = blanks_as_missing(frame[[c for c in frame.columns if not is_binary(frame[c])]]).dropna(axis=1, how="all")
    return infer_schema(filled).columns if filled.shape[1] and len(filled) else ()
