"""What a database must satisfy before it can be learnt from: keys that identify and resolve."""

from __future__ import annotations

import pandas as pd

from datatwin.errors import DataError
from datatwin.relational.database import Database

_EXAMPLES = 3


def check_database(database: Database) -> None:
    """Raise one :class:`DataError` listing every table without a primary key, every primary key
    with duplicate or missing values, and every foreign key with values its parent lacks."""
    problems = []
    for table in database.schema.tables:
        frame = database.tables[table.name]
        if not table.primary_key:
            problems.append(
                f"table {table.name!r} has no primary key: declare one in the relational schema "
                "(keys identify the rows that other tables refer to)"
            )
            continue
        keys = frame[list(table.primary_key)]
        if keys.isna().any(axis=None):
            problems.append(f"table {table.name!r}: primary key {list(table.primary_key)} has missing values")
        if (duplicated := keys.duplicated()).any():
            rows = ", ".join(str(i) for i in keys.index[duplicated][:_EXAMPLES])
            problems.append(f"table {table.name!r}: primary key {list(table.primary_key)} repeats (rows {rows})")
    for key in database.schema.foreign_keys:
        child = database.tables[key.table][list(key.columns)]
        child = child[child.notna().all(axis=1)]  # a key with a missing part refers to nothing
        parent = database.tables[key.parent][list(key.parent_columns)]
        dangling = ~_rows(child).isin(set(_rows(parent)))
        if dangling.any():
            examples = ", ".join(repr(v) for v in _rows(child)[dangling].unique()[:_EXAMPLES])
            problems.append(
                f"foreign key {key.describe()}: {int(dangling.sum())} row(s) refer to missing parents, "
                f"e.g. {examples} (rows {', '.join(str(i) for i in child.index[dangling][:_EXAMPLES])})"
            )
    if problems:
        raise DataError(problems)


def _text(values: pd.Series) -> pd.Series:
    if pd.api.types.is_numeric_dtype(values.dtype):
        return values.astype("float64").map(repr)
    return values.map(str)


def _rows(frame: pd.DataFrame) -> pd.Series:
    """Each row's key as one comparable text (numbers as numbers: 1 and 1.0 agree)."""
    if len(frame) == 0:
        return pd.Series([], dtype=object)
    return pd.concat([_text(frame[c]) for c in frame.columns], axis=1).agg("\x1f".join, axis=1)
