"""What a database must satisfy before it can be learnt from: keys that identify and resolve."""

from __future__ import annotations

from datatwin.errors import DataError
from datatwin.relational.database import Database
from datatwin.relational.keys import key_text

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
        child_keys = key_text(child, key.columns)
        dangling = ~child_keys.isin(set(key_text(parent, key.parent_columns)))
        if dangling.any():
            examples = ", ".join(repr(v) for v in child_keys[dangling].unique()[:_EXAMPLES])
            problems.append(
                f"foreign key {key.describe()}: {int(dangling.sum())} row(s) refer to missing parents, "
                f"e.g. {examples} (rows {', '.join(str(i) for i in child.index[dangling][:_EXAMPLES])})"
            )
    if problems:
        raise DataError(problems)
