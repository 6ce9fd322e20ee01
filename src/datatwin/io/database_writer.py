"""Writing a whole database: its schema (tables, keys, NOT NULL, unique) and rows, all or nothing.

A folder target gets one CSV (or Parquet) file per table and the relational schema as
``schema.json``, built in a temporary folder beside it and moved into place at the end.

SQLite targets are built in a temporary file next to the target and moved into place at the end;
other servers (PostgreSQL) get one transaction in which the tables are created without foreign
keys, filled, and then given their foreign keys — so key cycles (Sakila's store ↔ staff) load,
every key is checked by the server, and a failure rolls everything back. A target that already
holds data is refused unless ``replace`` is given.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError

from datatwin.errors import SourceError
from datatwin.io.sql import engine_for, is_database_url, safe_url, sqlite_file
from datatwin.io.writers import replace_folder
from datatwin.schema.keys import dangling_references
from datatwin.schema.relational import ForeignKey, RelationalSchema


class _Rows(NamedTuple):
    """What is written: a relational schema, every table's rows, and the foreign keys written
    as constraints."""

    schema: RelationalSchema
    tables: dict[str, pd.DataFrame]
    constrained: list[ForeignKey]


def write_database(
    schema: RelationalSchema,
    tables: dict[str, pd.DataFrame],
    url: str | Path,
    *,
    replace: bool = False,
    table_format: str = ".csv",
) -> list[ForeignKey]:
    """Create the tables of ``schema`` at ``url`` (a SQLAlchemy URL or a folder) and write their rows.

    Every foreign key becomes a constraint, except one whose references point to parents missing
    from the rows under a ``dangling`` policy other than ``error`` (a twin that keeps them, as the
    real data had them): those are returned, for the caller to say so.

    Parameters
    ----------
    schema
        The tables, their columns and keys.
    tables
        Every table's rows, by name.
    url
        ``sqlite:///file.db``, ``postgresql://user@host/db`` … or a folder path.
    replace
        Overwrite a target that already holds data.
    table_format
        ``".csv"`` or ``".parquet"``, for a folder target.

    Returns
    -------
    list of ForeignKey
        The keys written without a constraint (a folder's ``schema.json`` keeps them all).

    Raises
    ------
    SourceError
        When the target holds data and ``replace`` is false, cannot be reached, or refuses the
        rows (the message names the server's reason); the target is then left as it was.
    """
    database = _Rows(schema, tables, [k for k in schema.foreign_keys if _constrained(tables, k)])
    unconstrained = [k for k in schema.foreign_keys if k not in database.constrained]
    if not is_database_url(url):
        _write_folder(database, Path(url), replace=replace, table_format=table_format)
        return unconstrained
    url = str(url)
    path = sqlite_file(url)
    if path is not None:
        _write_sqlite_file(database, path, replace=replace)
        return unconstrained
    engine = engine_for(url)
    metadata = _metadata(database, with_foreign_keys=False)
    before: set[str] | None = None
    try:
        _refuse_data(engine, safe_url(url), replace)
        before = set(sa.inspect(engine).get_table_names())
        with engine.begin() as connection:  # one transaction: all or nothing where DDL is transactional
            if replace:
                _drop_existing(connection, database.schema)
            metadata.create_all(connection)
            _insert(connection, metadata, database)
            for constraint in _foreign_keys(metadata, database):
                connection.execute(sa.schema.AddConstraint(constraint))
    except SQLAlchemyError as exc:
        raise SourceError(_failure(engine, metadata, before, replace, safe_url(url), _reason(exc))) from None
    finally:
        engine.dispose()
    return unconstrained


def _failure(
    engine: sa.Engine, metadata: sa.MetaData, before: set[str] | None, replace: bool, where: str, reason: str
) -> str:
    """Undo what a failed write left behind and say what the target holds now.

    Where the server commits CREATE and DROP TABLE at once (MySQL, MariaDB, Oracle), a rolled-back
    write leaves the tables it created (dropped here) and has lost those it was replacing (said so).
    """
    if before is None or engine.dialect.name not in _DDL_COMMITS_AT_ONCE:
        return f"Writing to {where} failed, nothing was written: {reason}"
    ours = set(metadata.tables)
    try:
        with engine.begin() as connection:
            now = set(sa.inspect(connection).get_table_names())
            _drop_tables(connection, now & ours if replace else (now - before) & ours)
    except SQLAlchemyError as cleanup:
        return f"Writing to {where} failed ({reason}), and removing its new tables failed too: {_reason(cleanup)}"
    if lost := sorted(before & ours) if replace else []:
        return (
            f"Writing to {where} failed: {reason}. The server commits table changes at once, so the tables "
            f"being replaced ({', '.join(lost[:5])}) were already dropped and are not restored."
        )
    return f"Writing to {where} failed, nothing was written: {reason}"


_DDL_COMMITS_AT_ONCE = {"mysql", "mariadb", "oracle"}


def check_database_target(url: str | Path, *, replace: bool = False) -> None:
    """Check before any work is done that a database target can be written: its folder exists,
    its server answers and accepts the login, and it holds no data unless ``replace``.

    Raises
    ------
    SourceError
        Naming what is wrong with the target.
    """
    if not is_database_url(url):
        _check_folder(Path(url), replace=replace)
        return
    url = str(url)
    path = sqlite_file(url)
    if path is not None:
        _check_sqlite_file(path, replace=replace)
        return
    engine = engine_for(url)
    try:
        _refuse_data(engine, safe_url(url), replace)
    except SQLAlchemyError as exc:
        raise SourceError(f"Cannot write to {safe_url(url)}: {_reason(exc)}") from None
    finally:
        engine.dispose()


def _check_folder(folder: Path, *, replace: bool) -> None:
    if not folder.parent.is_dir():
        raise SourceError(f"Folder {str(folder.parent)!r} for database folder {folder.name!r} does not exist.")
    if folder.exists() and not folder.is_dir():
        raise SourceError(f"The target {str(folder)!r} is a file, not a folder.")
    if folder.is_dir() and any(folder.iterdir()) and not replace:
        raise SourceError(
            f"The target folder {str(folder)!r} is not empty: choose an empty target, "
            "or pass --replace to overwrite it."
        )


def _check_sqlite_file(path: Path, *, replace: bool) -> None:
    if not path.parent.is_dir():
        raise SourceError(f"Folder {str(path.parent)!r} for database {path.name!r} does not exist.")
    if path.exists() and not replace:
        engine = engine_for(f"sqlite:///{path}")
        try:
            _refuse_data(engine, repr(str(path)), replace)
        finally:
            engine.dispose()


def _write_folder(database: _Rows, folder: Path, *, replace: bool, table_format: str) -> None:
    if table_format not in (".csv", ".parquet"):
        raise SourceError(f"Tables of a folder are written as .csv or .parquet, not {table_format!r}.")
    _check_folder(folder, replace=replace)
    temporary = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", suffix=".partial", dir=folder.parent))
    try:
        types = _column_types(database)
        for table in database.schema.tables:
            rows = database.tables[table.name].reindex(columns=list(table.columns))
            for column in rows.columns:  # whole numbers with gaps stay whole: key 1228, not 1228.0
                if isinstance(types[table.name, column], sa.BigInteger) and rows[column].dtype.kind == "f":
                    rows[column] = rows[column].astype("Int64")
            path = temporary / f"{table.name}{table_format}"
            rows.to_csv(path, index=False) if table_format == ".csv" else rows.to_parquet(path, index=False)
        (temporary / "schema.json").write_text(database.schema.to_json(), encoding="utf-8")
        replace_folder(temporary, folder)
    finally:
        if temporary.exists():
            shutil.rmtree(temporary)


def _write_sqlite_file(database: _Rows, path: Path, *, replace: bool) -> None:
    _check_sqlite_file(path, replace=replace)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent)
    os.close(handle)
    engine = engine_for(f"sqlite:///{temporary}")
    try:
        with engine.begin() as connection:
            metadata = _metadata(database, with_foreign_keys=True)  # SQLite keys live in CREATE TABLE
            metadata.create_all(connection)
            _insert(connection, metadata, database)
        engine.dispose()
        os.replace(temporary, path)
    except SQLAlchemyError as exc:
        raise SourceError(f"Writing to {str(path)!r} failed, nothing was written: {_reason(exc)}") from None
    finally:
        engine.dispose()
        if os.path.exists(temporary):
            os.remove(temporary)


def _refuse_data(engine: sa.Engine, where: str, replace: bool) -> None:
    """Fail when the target already has tables with rows (unless replacing)."""
    if replace:
        return
    with engine.connect() as connection:
        names = sa.inspect(connection).get_table_names()
        quote = connection.dialect.identifier_preparer.quote
        filled = [n for n in names if connection.execute(sa.text(f"SELECT 1 FROM {quote(n)} LIMIT 1")).first()]
    if filled:
        raise SourceError(
            f"The target {where} already holds data (tables {sorted(filled)[:5]}): choose an empty target, "
            "or pass --replace to overwrite it."
        )


def _drop_existing(connection: sa.Connection, schema: RelationalSchema) -> None:
    existing = set(sa.inspect(connection).get_table_names())
    _drop_tables(connection, {t.name for t in schema.tables} & existing)


def _drop_tables(connection: sa.Connection, names: set[str]) -> None:
    """Drop the named tables, their foreign keys first where they form cycles."""
    reflected = sa.MetaData()
    reflected.reflect(connection, only=sorted(names))
    reflected.drop_all(connection)


def _metadata(database: _Rows, *, with_foreign_keys: bool) -> sa.MetaData:
    metadata = sa.MetaData()
    keys: dict[str, list[sa.ForeignKeyConstraint]] = {t.name: [] for t in database.schema.tables}
    if with_foreign_keys:
        for key in database.constrained:
            keys[key.table].append(
                sa.ForeignKeyConstraint(list(key.columns), [f"{key.parent}.{c}" for c in key.parent_columns])
            )
    types = _column_types(database)
    for table in database.schema.tables:
        columns = [
            sa.Column(name, types[table.name, name], nullable=name not in (*table.not_null, *table.primary_key))
            for name in table.columns
        ]
        constraints: list[sa.Constraint] = [sa.PrimaryKeyConstraint(*table.primary_key)] if table.primary_key else []
        constraints += [sa.UniqueConstraint(*unique) for unique in table.unique]
        sa.Table(table.name, metadata, *columns, *constraints, *keys[table.name])
    return metadata


def _foreign_keys(metadata: sa.MetaData, database: _Rows) -> list[sa.ForeignKeyConstraint]:
    constraints = []
    for n, key in enumerate(database.schema.foreign_keys):
        if key not in database.constrained:
            continue
        parent = metadata.tables[key.parent]
        constraint = sa.ForeignKeyConstraint(
            list(key.columns), [parent.c[c] for c in key.parent_columns], name=f"fk_{key.table}_{n}"[:60]
        )
        metadata.tables[key.table].append_constraint(constraint)
        constraints.append(constraint)
    return constraints


def _constrained(tables: dict[str, pd.DataFrame], key: ForeignKey) -> bool:
    """Whether ``key`` is written as a constraint: unless its ``dangling`` policy is ``error``,
    not when some of its references point to parents missing from the rows (the server would
    refuse them)."""
    return key.dangling == "error" or not dangling_references(tables, key)[1].any()


def _insert(connection: sa.Connection, metadata: sa.MetaData, database: _Rows) -> None:
    for table in database.schema.tables:
        rows = _records(database.tables[table.name], metadata.tables[table.name])
        if rows:
            connection.execute(metadata.tables[table.name].insert(), rows)


def _column_types(database: _Rows) -> dict[tuple[str, str], sa.types.TypeEngine]:
    """Each column's type from its values; a foreign-key column takes its parent key's type
    (an all-missing reference column has no values to tell)."""
    types = {(t.name, c): _column_type(database.tables[t.name][c]) for t in database.schema.tables for c in t.columns}
    for table, column in _key_columns(database.schema):
        if isinstance(types[table, column], sa.Text):
            types[table, column] = _key_text_type(database.tables[table][column])
    for _ in database.schema.foreign_keys:  # enough rounds for the longest chain of keys
        for key in database.schema.foreign_keys:
            for column, parent_column in zip(key.columns, key.parent_columns, strict=True):
                types[key.table, column] = types[key.parent, parent_column]
    return types


def _key_columns(schema: RelationalSchema) -> set[tuple[str, str]]:
    """(table, column) of every column in a primary, unique or foreign key."""
    columns = {(t.name, c) for t in schema.tables for key in (t.primary_key, *t.unique) for c in key}
    for key in schema.foreign_keys:
        columns |= {(key.table, c) for c in key.columns} | {(key.parent, c) for c in key.parent_columns}
    return columns


def _key_text_type(values: pd.Series) -> sa.types.TypeEngine:
    """A bounded text type for a key column: MySQL indexes no unbounded TEXT. Its length is the
    next power of two above the longest value (at least 32), leaving room for later rows."""
    longest = int(values.dropna().astype(str).str.len().max()) if values.notna().any() else 0
    return sa.String(max(32, 1 << max(longest - 1, 0).bit_length()))


def _column_type(values: pd.Series) -> sa.types.TypeEngine:
    present = values.dropna()
    if pd.api.types.is_bool_dtype(values.dtype):
        return sa.Boolean()
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        return sa.DateTime(timezone=getattr(values.dtype, "tz", None) is not None)
    if pd.api.types.is_numeric_dtype(values.dtype):
        whole = pd.api.types.is_integer_dtype(values.dtype) or bool((present == np.round(present)).all())
        return sa.BigInteger() if whole else sa.Float()
    if len(present) and present.map(lambda v: isinstance(v, bytes | bytearray | memoryview)).all():
        return sa.LargeBinary()
    return sa.Text()


def _records(frame: pd.DataFrame, table: sa.Table) -> list[dict]:
    """Rows as plain Python values of each column's type (None for missing)."""
    columns = {}
    for column in table.columns:
        convert = _PLAIN.get(type(column.type), _plain_value)
        values = frame[column.name]
        missing = values.isna().to_numpy()
        columns[column.name] = [
            None if m else convert(v) for v, m in zip(values.to_numpy(dtype=object), missing, strict=True)
        ]
    names = list(columns)
    return [dict(zip(names, row, strict=True)) for row in zip(*columns.values(), strict=True)] if names else []


def _plain_value(value: object) -> object:
    return value.to_pydatetime() if isinstance(value, pd.Timestamp) else value


_PLAIN = {sa.BigInteger: int, sa.Float: float, sa.Text: str, sa.String: str}


def _reason(exc: SQLAlchemyError) -> str:
    original = getattr(exc, "orig", None)
    return str(original if original is not None else exc).strip().splitlines()[0]
