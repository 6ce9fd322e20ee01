"""What a database must satisfy before it can be learnt from: keys that identify and resolve."""

from __future__ import annotations

import pandas as pd

from datatwin.errors import DataError
from datatwin.io.database import Database
from datatwin.relational.keys import key_text
from datatwin.schema.relational import ForeignKey

_EXAMPLES = 3


def dangling_references(database: Database, key: ForeignKey) -> tuple[pd.Series, pd.Series]:
    """The filled references of ``key`` as key texts (indexed by child row; a key with a missing
    part refers to nothing) and, for each, whether its parent is missing."""
    child = database.tables[key.table][list(key.columns)]
    child_keys = key_text(child[child.notna().all(axis=1)], key.columns)
    return child_keys, ~child_keys.isin(set(key_text(database.tables[key.parent], key.parent_columns)))


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
        child_keys, dangling = dangling_references(database, key)
        if dangling.any():
            examples = ", ".join(repr(v) for v in child_keys[dangling].unique()[:_EXAMPLES])
            problems.append(
                f"foreign key {key.describe()}: {int(dangling.sum())} row(s) refer to missing parents, "
                f"e.g. {examples} (rows {', '.join(str(i) for i in child_keys.index[dangling][:_EXAMPLES])})"
            )
    if problems:
        raise DataError(problems)
