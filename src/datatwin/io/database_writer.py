"""Writing a whole database: its schema (tables, keys, NOT NULL, unique) and rows, all or nothing.

A folder target gets one CSV (or Parquet) file per table and the relational schema as
``schema.json``, built in a temporary folder beside it and moved into place at the end.

SQLite targets are built in a temporary file next to the target and moved into place at the end;
PostgreSQL gets one transaction in which the tables are created without foreign keys, filled,
and then given their foreign keys — so key cycles (Sakila's store ↔ staff) load, every key is
checked by the server, and a failure rolls everything back. MySQL and MariaDB commit table
changes at once, so there the tables are made under temporary names, filled, given their keys
and only then swapped in with one ``RENAME TABLE`` (:func:`swap_in`): a failure drops the new
tables and leaves the target as it was. A target that already holds data is refused unless
``replace`` is given.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError

from datatwin.errors import SourceError
from datatwin.io.sql import engine_for, is_database_url, safe_url, sqlite_file
from datatwin.io.writers import folder_beside
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
    swapped = engine.dialect.name in DDL_COMMITS_AT_ONCE
    names = {t.name: swap_name(t.name) for t in schema.tables} if swapped else {}
    metadata = _metadata(database, with_foreign_keys=False, names=names)
    try:
        _refuse_data(engine, safe_url(url), replace)
        with engine.begin() as connection:  # one transaction: all or nothing where DDL is transactional
            if replace and not swapped:
                _drop_existing(connection, database.schema)
            drop_tables(connection, set(names.values()))
            metadata.create_all(connection)
            _insert(connection, metadata, database, names)
            for constraint in _foreign_keys(metadata, database, names):
                connection.execute(sa.schema.AddConstraint(constraint))
        if swapped:
            swap_in(engine, names)
    except SQLAlchemyError as exc:
        if swapped:
            with engine.begin() as connection:
                drop_tables(connection, set(names.values()))
        raise SourceError(f"Writing to {safe_url(url)} failed, nothing was written: {_reason(exc)}") from None
    finally:
        engine.dispose()
    return unconstrained


DDL_COMMITS_AT_ONCE = {"mysql", "mariadb"}
"""Servers whose CREATE and DROP TABLE commit at once: written under new names and swapped in."""


def swap_name(table: str) -> str:
    """The name a table is built under before it is swapped in."""
    return f"{table}__datatwin_new"[:64]


def swap_in(engine: sa.Engine, names: dict[str, str]) -> None:
    """Put tables built under new names (``names``: final → new) in place of any old ones with
    one ``RENAME TABLE`` (atomic on MySQL and MariaDB), then drop the old ones; keys of other
    tables that pointed at a replaced table are dropped first (as PostgreSQL's ``CASCADE``)."""
    with engine.begin() as connection:
        inspector = sa.inspect(connection)
        existing = set(inspector.get_table_names())
        old = {name: f"{name}__datatwin_old"[:64] for name in names if name in existing}
        moves = [f"`{a}` TO `{b}`" for a, b in old.items()] + [f"`{b}` TO `{a}`" for a, b in names.items()]
        drop_tables(connection, set(old.values()))  # left by a swap that was cut short
        connection.exec_driver_sql("SET FOREIGN_KEY_CHECKS = 0")
        try:
            for other in sorted(existing - set(old) - set(names.values())):  # keys of other tables pointing at
                for key in inspector.get_foreign_keys(other):  # a replaced one go, as PostgreSQL's CASCADE
                    if key["referred_table"] in old and key.get("name"):
                        connection.exec_driver_sql(f"ALTER TABLE `{other}` DROP FOREIGN KEY `{key['name']}`")
            connection.exec_driver_sql("RENAME TABLE " + ", ".join(moves))
            for name in old.values():
                connection.exec_driver_sql(f"DROP TABLE `{name}`")
        finally:
            connection.exec_driver_sql("SET FOREIGN_KEY_CHECKS = 1")


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
    with folder_beside(folder) as temporary:
        types = _column_types(database)
        for table in database.schema.tables:
            rows = database.tables[table.name].reindex(columns=list(table.columns))
            for column in rows.columns:  # whole numbers with gaps stay whole: key 1228, not 1228.0
                if isinstance(types[table.name, column], sa.BigInteger) and rows[column].dtype.kind == "f":
                    rows[column] = rows[column].astype("Int64")
            path = temporary / f"{table.name}{table_format}"
            rows.to_csv(path, index=False) if table_format == ".csv" else rows.to_parquet(path, index=False)
        (temporary / "schema.json").write_text(database.schema.to_json(), encoding="utf-8")


def _write_sqlite_file(database: _Rows, path: Path, *, replace: bool) -> None:
    _check_sqlite_file(path, replace=replace)
    with sqlite_beside(path) as engine, engine.begin() as connection:
        metadata = _metadata(database, with_foreign_keys=True)  # SQLite keys live in CREATE TABLE
        metadata.create_all(connection)
        _insert(connection, metadata, database)


@contextmanager
def sqlite_beside(path: Path) -> Iterator[sa.Engine]:
    """An engine on a new SQLite file beside ``path``, moved onto ``path`` when the block ends
    without an error and removed otherwise (the target is then as it was).

    Raises
    ------
    SourceError
        When the database refuses what the block writes (its reason named).
    """
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent)
    os.close(handle)
    engine = engine_for(f"sqlite:///{temporary}")
    try:
        yield engine
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
    drop_tables(connection, {t.name for t in schema.tables})


def drop_tables(connection: sa.Connection, names: set[str]) -> None:
    """Drop those of the named tables that exist, their foreign keys first where they form
    cycles (on PostgreSQL with the keys of other tables that point at them)."""
    wanted = sorted(names & set(sa.inspect(connection).get_table_names()))
    if not wanted:
        return
    if connection.dialect.name == "postgresql":
        quote = connection.dialect.identifier_preparer.quote
        connection.exec_driver_sql("DROP TABLE " + ", ".join(quote(n) for n in wanted) + " CASCADE")
        return
    if connection.dialect.name in DDL_COMMITS_AT_ONCE:  # no reflection: a key may point at a table gone
        quote = connection.dialect.identifier_preparer.quote
        connection.exec_driver_sql("SET FOREIGN_KEY_CHECKS = 0")
        connection.exec_driver_sql("DROP TABLE IF EXISTS " + ", ".join(quote(n) for n in wanted))
        connection.exec_driver_sql("SET FOREIGN_KEY_CHECKS = 1")
        return
    reflected = sa.MetaData()
    reflected.reflect(connection, only=wanted)
    reflected.drop_all(connection)


def _metadata(database: _Rows, *, with_foreign_keys: bool, names: dict[str, str] | None = None) -> sa.MetaData:
    """The tables as SQLAlchemy tables (under ``names``' new names, where given)."""
    names = names or {}
    metadata = sa.MetaData()
    keys: dict[str, list[sa.ForeignKeyConstraint]] = {t.name: [] for t in database.schema.tables}
    if with_foreign_keys:
        for key in database.constrained:
            keys[key.table].append(
                sa.ForeignKeyConstraint(
                    list(key.columns), [f"{names.get(key.parent, key.parent)}.{c}" for c in key.parent_columns]
                )
            )
    types = _column_types(database)
    for table in database.schema.tables:
        columns = [
            sa.Column(name, types[table.name, name], nullable=name not in (*table.not_null, *table.primary_key))
            for name in table.columns
        ]
        constraints: list[sa.Constraint] = [sa.PrimaryKeyConstraint(*table.primary_key)] if table.primary_key else []
        constraints += [sa.UniqueConstraint(*unique) for unique in table.unique]
        sa.Table(names.get(table.name, table.name), metadata, *columns, *constraints, *keys[table.name])
    return metadata


def _foreign_keys(
    metadata: sa.MetaData, database: _Rows, names: dict[str, str] | None = None
) -> list[sa.ForeignKeyConstraint]:
    """The foreign keys as constraints, named uniquely for this write (MySQL names them
    database-wide, and the tables they replace still hold theirs)."""
    names = names or {}
    run = uuid.uuid4().hex[:6]
    constraints = []
    for n, key in enumerate(database.schema.foreign_keys):
        if key not in database.constrained:
            continue
        parent = metadata.tables[names.get(key.parent, key.parent)]
        constraint = sa.ForeignKeyConstraint(
            list(key.columns), [parent.c[c] for c in key.parent_columns], name=f"fk_{run}_{key.table}"[:56] + f"_{n}"
        )
        metadata.tables[names.get(key.table, key.table)].append_constraint(constraint)
        constraints.append(constraint)
    return constraints


def _constrained(tables: dict[str, pd.DataFrame], key: ForeignKey) -> bool:
    """Whether ``key`` is written as a constraint: unless its ``dangling`` policy is ``error``,
    not when some of its references point to parents missing from the rows (the server would
    refuse them)."""
    return key.dangling == "error" or not dangling_references(tables, key)[1].any()


def _insert(
    connection: sa.Connection, metadata: sa.MetaData, database: _Rows, names: dict[str, str] | None = None
) -> None:
    for table in database.schema.tables:
        target = metadata.tables[(names or {}).get(table.name, table.name)]
        rows = records(database.tables[table.name], target)
        if rows:
            connection.execute(target.insert(), rows)


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


def records(frame: pd.DataFrame, table: sa.Table) -> list[dict]:
    """Rows as plain Python values of each column's type (None for missing; numpy scalars as
    Python's, timestamps as ``datetime``), for an insert into ``table``."""
    columns = {c.name: _plain_column(frame[c.name], type(c.type)) for c in table.columns}
    names = list(columns)
    return [dict(zip(names, row, strict=True)) for row in zip(*columns.values(), strict=True)] if names else []


def _plain_column(values: pd.Series, kind: type) -> list[object]:
    """One column's values as Python objects of the database type ``kind``, converted one by one
    only where the column's dtype does not give them already (the insert's hot path)."""
    missing = values.isna().to_numpy()
    dtype = values.dtype
    native = isinstance(dtype, np.dtype) and dtype.kind in "iufb"  # numpy numbers: tolist() gives Python's
    if pd.api.types.is_datetime64_any_dtype(dtype):
        plain = list(values.dt.to_pydatetime())
    elif kind is sa.BigInteger and not (native and dtype.kind in "iu"):
        plain = [None if m else int(v) for v, m in zip(values.to_numpy(dtype=object), missing, strict=True)]
    elif kind in (sa.Text, sa.String):  # text cells already str pass as they are
        cells = values.to_numpy(dtype=object)
        plain = [None if m else v if type(v) is str else str(v) for v, m in zip(cells, missing, strict=True)]
    elif native:
        plain = values.to_numpy().tolist()
    else:
        plain = [_plain_value(v) for v in values.to_numpy(dtype=object)]
    if missing.any():
        plain = [None if m else v for v, m in zip(plain, missing, strict=True)]
    return plain


def _plain_value(value: object) -> object:
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    return value.item() if isinstance(value, np.generic) else value


def _reason(exc: SQLAlchemyError) -> str:
    original = getattr(exc, "orig", None)
    return str(original if original is not None else exc).strip().splitlines()[0]
