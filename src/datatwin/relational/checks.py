"""What a database must satisfy before it can be learnt from: keys that identify and resolve."""

from __future__ import annotations

from datatwin.errors import DataError
from datatwin.io.database import Database
from datatwin.schema.keys import dangling_references

_EXAMPLES = 3


def check_database(database: Database) -> None:
    """Raise one :class:`DataError` listing every problem of :func:`key_problems`."""
    if problems := key_problems(database):
        raise DataError(problems)


def key_problems(database: Database) -> list[str]:
    """Every table that other tables refer to without a primary key, every primary key with
    duplicate or missing values, and every foreign key whose ``dangling`` policy is ``error``
    with values its parent lacks."""
    problems = []
    for table in database.schema.tables:
        frame = database.tables[table.name]
        if not table.primary_key:
            if referring := [k.describe() for k in database.schema.foreign_keys if k.parent == table.name]:
                problems.append(
                    f"table {table.name!r} has no primary key for {referring[0]} to refer to: declare one in "
                    "the relational schema"
                )
            continue  # a table nothing refers to is learnt and drawn without a key
        keys = frame[list(table.primary_key)]
        if keys.isna().any(axis=None):
            problems.append(f"table {table.name!r}: primary key {list(table.primary_key)} has missing values")
        if (duplicated := keys.duplicated()).any():
            rows = ", ".join(str(i) for i in keys.index[duplicated][:_EXAMPLES])
            problems.append(f"table {table.name!r}: primary key {list(table.primary_key)} repeats (rows {rows})")
    for key in database.schema.foreign_keys:
        if key.dangling != "error":
            continue  # settled by the key's policy (datatwin.relational.dangling)
        child_keys, dangling = dangling_references(database.tables, key)
        if dangling.any():
            rows = child_keys.index[dangling.to_numpy()]
            values = database.tables[key.table].loc[rows, list(key.columns)].drop_duplicates()
            examples = ", ".join(_shown(v) for v in values.head(_EXAMPLES).itertuples(index=False, name=None))
            problems.append(
                f"foreign key {key.describe()}: {len(rows)} row(s) refer to missing parents, e.g. {examples} "
                f'(rows {", ".join(str(i) for i in rows[:_EXAMPLES])}); set its "dangling" policy in the '
                "relational schema to keep, null or drop them"
            )
    return problems


def _shown(values: tuple) -> str:
    """A key value as the user wrote it: one value, or a composite one in parentheses."""
    plain = [v.item() if hasattr(v, "item") else v for v in values]
    return repr(plain[0]) if len(plain) == 1 else "(" + ", ".join(map(repr, plain)) + ")"
