"""Writing test data where it is wanted, all or nothing, with the server checking every key.

The tables are created from the spec — types, lengths, NOT NULL, primary keys, UNIQUE, the
CHECK constraints in the target's SQL dialect (translated by sqlglot) and the foreign keys —
then filled a batch at a time:

- **SQLite**: built in a temporary file beside the target, foreign keys in its CREATE TABLEs and
  checked at the end (``PRAGMA foreign_key_check``), then moved into place;
- **PostgreSQL**: one transaction; the foreign keys are added after the rows (cycles load) and
  checked by the server then;
- **MySQL / MariaDB**, whose DDL is not transactional: fresh tables under temporary names are
  created, filled and given their foreign keys, then swapped in with one ``RENAME TABLE``
  (:func:`datatwin.io.database_writer.swap_in`) — a failure drops them and leaves the target as
  it was;
- **a folder**: one CSV or Parquet file per table and ``schema.json``, moved into place at the end.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError

from datatwin.errors import SourceError
from datatwin.io.database_writer import (
    DDL_COMMITS_AT_ONCE,
    check_database_target,
    drop_tables,
    records,
    sqlite_beside,
    swap_in,
    swap_name,
)
from datatwin.io.sql import engine_for, is_database_url, safe_url, sqlite_file
from datatwin.io.writers import folder_beside
from datatwin.schema.relational import ForeignKey, RelationalSchema, TableSchema
from datatwin.testdata.build import Layout
from datatwin.testdata.ddl import require_sqlglot
from datatwin.testdata.spec import ColumnPlan, DataSpec

TARGET_DIALECTS = {"sqlite": "sqlite", "postgresql": "postgres", "mysql": "mysql", "mariadb": "mysql"}
Progress = Callable[[str, int], None]


def write(
    spec: DataSpec,
    layout: Layout,
    target: str | Path,
    *,
    replace: bool,
    table_format: str,
    edge_share: float,
    progress: Progress,
) -> dict[str, int]:
    """Write every table's rows to ``target`` (a SQLAlchemy URL or a folder); their row counts.

    Raises
    ------
    SourceError
        When the target holds data (without ``replace``), cannot be reached, or refuses rows
        (the server's reason); the target is then left as it was.
    """
    check_database_target(target, replace=replace)
    if not is_database_url(target):
        return _folder(spec, layout, Path(target), table_format, edge_share, progress)
    url = str(target)
    path = sqlite_file(url)
    if path is not None:
        return _sqlite(spec, layout, path, edge_share, progress)
    engine = engine_for(url)
    try:
        return _transaction(spec, layout, engine, replace, edge_share, progress)
    except SQLAlchemyError as exc:
        raise SourceError(f"Writing to {safe_url(url)} failed, nothing was written: {_reason(exc)}") from None
    finally:
        engine.dispose()


def _transaction(
    spec: DataSpec, layout: Layout, engine: sa.Engine, replace: bool, edge_share: float, progress: Progress
) -> dict[str, int]:
    """PostgreSQL: one transaction; MySQL and MariaDB: new tables swapped in (see the module)."""
    swapped = engine.dialect.name in DDL_COMMITS_AT_ONCE
    names = {t.name: swap_name(t.name) for t in spec.tables} if swapped else {}
    metadata = metadata_of(spec, engine.dialect.name, foreign_keys=False, names=names)
    try:
        with engine.begin() as connection:
            drop_tables(
                connection, set(names.values()) if swapped else {t.name for t in spec.tables} if replace else set()
            )
            metadata.create_all(connection)
            counts = _fill(connection, metadata, spec, layout, edge_share, progress, names=names)
            for constraint in _foreign_keys(metadata, spec, names=names):
                connection.execute(sa.schema.AddConstraint(constraint))
        if swapped:
            swap_in(engine, names)
    except BaseException:
        if swapped:
            with engine.begin() as connection:
                drop_tables(connection, set(names.values()))
        raise
    return counts


def _sqlite(spec: DataSpec, layout: Layout, path: Path, edge_share: float, progress: Progress) -> dict[str, int]:
    with sqlite_beside(path) as engine, engine.begin() as connection:
        metadata = metadata_of(spec, "sqlite", foreign_keys=True)
        metadata.create_all(connection)
        counts = _fill(connection, metadata, spec, layout, edge_share, progress, names={})
        broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
        if broken:
            raise SourceError(
                f"{len(broken)} row(s) break a foreign key in {path.name} (first: {broken[0]}): "
                "please report this fault."
            )
    return counts


def _folder(
    spec: DataSpec, layout: Layout, folder: Path, table_format: str, edge_share: float, progress: Progress
) -> dict[str, int]:
    if table_format not in ("csv", "parquet"):
        raise SourceError(f"Tables of a folder are written as csv or parquet, not {table_format!r}.")
    counts = {}
    with folder_beside(folder) as temporary:
        for table in spec.tables:
            path = temporary / f"{table.name}.{table_format}"
            counts[table.name] = 0
            writer = None
            for batch in layout.batches(table, edge_share=edge_share):
                if table_format == "csv":
                    batch.to_csv(path, mode="a", header=counts[table.name] == 0, index=False)
                else:
                    import pyarrow as pa
                    import pyarrow.parquet as pq

                    text = {c: "string" for c in batch.columns if batch[c].dtype == object}  # NULLs stay NULL
                    chunk = pa.Table.from_pandas(batch.astype(text), preserve_index=False)
                    writer = writer or pq.ParquetWriter(path, chunk.schema)
                    writer.write_table(chunk.cast(writer.schema))
                counts[table.name] += len(batch)
                progress(table.name, counts[table.name])
            if writer is not None:
                writer.close()
            if counts[table.name] == 0:  # a table without rows still has its file and header
                empty = pd.DataFrame(columns=[c.name for c in table.columns])
                empty.to_csv(path, index=False) if table_format == "csv" else empty.to_parquet(path, index=False)
        (temporary / "schema.json").write_text(relational_schema(spec).to_json(), encoding="utf-8")
    return counts


def _fill(
    connection: sa.Connection,
    metadata: sa.MetaData,
    spec: DataSpec,
    layout: Layout,
    edge_share: float,
    progress: Progress,
    names: dict[str, str],
) -> dict[str, int]:
    counts = {}
    for table in spec.tables:
        target = metadata.tables[names.get(table.name, table.name)]
        counts[table.name] = 0
        for batch in layout.batches(table, edge_share=edge_share):
            connection.execute(target.insert(), records(batch, target))
            counts[table.name] += len(batch)
            progress(table.name, counts[table.name])
    return counts


def metadata_of(
    spec: DataSpec, dialect: str, *, foreign_keys: bool, names: dict[str, str] | None = None
) -> sa.MetaData:
    """The spec's tables as SQLAlchemy tables for a target dialect (CHECKs translated)."""
    names = names or {}
    write_dialect = TARGET_DIALECTS.get(dialect, dialect)
    types = _types(spec, write_dialect)
    metadata = sa.MetaData()
    for table in spec.tables:
        columns = [
            sa.Column(c.name, types[table.name, c.name], nullable=not (c.not_null or c.name in table.primary_key))
            for c in table.columns
        ]
        parts: list[Any] = [sa.PrimaryKeyConstraint(*table.primary_key)] if table.primary_key else []
        parts += [sa.UniqueConstraint(*u) for u in table.unique]
        parts += [sa.CheckConstraint(_translated(check, spec.dialect, write_dialect)) for check in table.checks]
        if foreign_keys:
            parts += [
                sa.ForeignKeyConstraint(
                    list(k.columns), [f"{names.get(k.parent, k.parent)}.{c}" for c in k.parent_columns]
                )
                for k in table.foreign_keys
            ]
        sa.Table(names.get(table.name, table.name), metadata, *columns, *parts)
    return metadata


def _translated(check: str, read: str, write: str) -> str:
    """A CHECK's SQL in the target's dialect."""
    return str(require_sqlglot().transpile(check, read=read, write=write)[0])


def _foreign_keys(metadata: sa.MetaData, spec: DataSpec, names: dict[str, str]) -> list[sa.ForeignKeyConstraint]:
    """The foreign keys as constraints, named uniquely for this run (MySQL names them database-wide,
    and the tables they replace still hold theirs)."""
    run = uuid.uuid4().hex[:6]
    constraints = []
    for table in spec.tables:
        child = metadata.tables[names.get(table.name, table.name)]
        for n, key in enumerate(table.foreign_keys):
            parent = metadata.tables[names.get(key.parent, key.parent)]
            constraint = sa.ForeignKeyConstraint(
                list(key.columns),
                [parent.c[c] for c in key.parent_columns],
                name=f"fk_{run}_{table.name}"[:56] + f"_{n}",
            )
            child.append_constraint(constraint)
            constraints.append(constraint)
    return constraints


def _types(spec: DataSpec, dialect: str) -> dict[tuple[str, str], sa.types.TypeEngine]:
    """Each column's type; a reference takes its parent key's (MySQL wants them identical)."""
    types = {}
    for table in spec.tables:
        keyed = {c for k in [table.primary_key, *table.unique] for c in k} | {
            c for f in table.foreign_keys for c in f.columns
        }
        keyed |= {c for t in spec.tables for f in t.foreign_keys if f.parent == table.name for c in f.parent_columns}
        types.update({(table.name, c.name): _type(c, c.name in keyed, dialect) for c in table.columns})
    for _ in spec.tables:  # enough rounds for the longest chain of references
        for table in spec.tables:
            for key in table.foreign_keys:
                for column, parent_column in zip(key.columns, key.parent_columns, strict=True):
                    types[table.name, column] = types[key.parent, parent_column]
    return types


def _type(column: ColumnPlan, keyed: bool, dialect: str) -> sa.types.TypeEngine:
    if column.type == "integer":
        return sa.SmallInteger() if column.bits <= 16 else sa.Integer() if column.bits <= 32 else sa.BigInteger()
    if column.type == "decimal":
        return sa.Numeric(column.precision, column.scale) if column.precision else sa.Numeric(18, column.scale or 2)
    if column.type == "float":
        return sa.Float()
    if column.type == "text":
        if column.length is not None:
            return sa.String(column.length)
        return sa.String(255) if keyed else sa.Text()  # MySQL indexes no unbounded TEXT
    others: dict[str, sa.types.TypeEngine] = {
        "date": sa.Date(),
        "timestamp": sa.DateTime(),
        "time": sa.Time(),
        "boolean": sa.Boolean(),
        "binary": sa.LargeBinary(),
        "uuid": sa.String(36),
    }
    return others[column.type]


def relational_schema(spec: DataSpec) -> RelationalSchema:
    """The spec's tables and keys as datatwin reads a database folder's ``schema.json``."""
    tables = tuple(
        TableSchema(
            t.name,
            tuple(c.name for c in t.columns),
            t.primary_key,
            tuple(c.name for c in t.columns if c.not_null),
            tuple(t.unique),
        )
        for t in spec.tables
    )
    keys = tuple(ForeignKey(t.name, k.columns, k.parent, k.parent_columns) for t in spec.tables for k in t.foreign_keys)
    return RelationalSchema(tables, keys)


def _reason(exc: SQLAlchemyError) -> str:
    original = getattr(exc, "orig", None)
    return str(original if original is not None else exc).strip().splitlines()[0]
