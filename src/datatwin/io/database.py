"""A whole database in memory — its relational schema and every table's rows — read through
SQLAlchemy or from a folder of CSV/Parquet files, and written back all or nothing."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from datatwin.errors import SchemaError, SourceError
from datatwin.io.database_writer import write_database
from datatwin.io.readers import read_table
from datatwin.io.sql import engine_for, is_database_url, missing_driver, safe_url, sqlite_file
from datatwin.schema.relational import ForeignKey, RelationalSchema, TableSchema

if TYPE_CHECKING:
    import sqlalchemy as sa

TABLE_SUFFIXES = (".csv", ".csv.gz", ".parquet")


@dataclass(frozen=True)
class Database:
    """A relational schema and every table's rows."""

    schema: RelationalSchema
    tables: dict[str, pd.DataFrame]
    source: str

    def with_schema(self, schema: RelationalSchema) -> Database:
        """The same rows under another schema (corrected keys), which must name the same tables
        and columns.

        Raises
        ------
        SchemaError
            Naming every table or column the schema and the data disagree on.
        """
        problems = []
        for table in schema.tables:
            if table.name not in self.tables:
                problems.append(f"table {table.name!r} is not in {self.source}")
            elif missing := [c for c in table.columns if c not in self.tables[table.name].columns]:
                problems.append(f"table {table.name!r} has no column(s) {missing} in {self.source}")
        if unnamed := sorted(set(self.tables) - {t.name for t in schema.tables}):
            problems.append(f"table(s) {unnamed} of {self.source} are not in the schema")
        if problems:
            raise SchemaError("The relational schema does not fit the data: " + "; ".join(problems) + ".")
        return Database(schema, {t.name: self.tables[t.name] for t in schema.tables}, self.source)

    def save(self, target: str | Path, *, replace: bool = False, table_format: str = ".csv") -> list[ForeignKey]:
        """Write every table, keys and constraints to a database URL or a folder, all or nothing;
        returns the foreign keys written without a constraint, as their references dangle (see
        :func:`datatwin.io.database_writer.write_database`)."""
        return write_database(self.schema, self.tables, target, replace=replace, table_format=table_format)


def read_database(source: str | Path) -> Database:
    """Read a database from a SQLAlchemy URL (:func:`read_url`) or a folder of table files
    (:func:`read_folder`)."""
    return read_url(str(source)) if is_database_url(source) else read_folder(source)


def read_url(url: str) -> Database:
    """Read the schema (tables, keys, NOT NULL, unique constraints) and rows of a database.

    A SQLite file is opened read-only: it must exist, and reading never changes or creates it.

    Raises
    ------
    SourceError
        When the URL is malformed, its driver is missing, the database cannot be reached, or
        it holds no tables.
    """
    import sqlalchemy as sa
    from sqlalchemy.exc import OperationalError, SQLAlchemyError

    shown = safe_url(url)
    engine = engine_for(_read_only(url))
    try:
        with engine.connect() as connection:
            metadata = sa.MetaData()
            metadata.reflect(connection)
            schema = _schema_of(metadata)
            quote = connection.dialect.identifier_preparer.quote
            # raw driver values: typed reads fail on SQLite cells that do not match their column type
            tables = {t.name: pd.read_sql(sa.text(f"SELECT * FROM {quote(t.name)}"), connection) for t in schema.tables}
    except OperationalError as exc:
        raise SourceError(f"Cannot reach the database {shown}: {str(exc.orig).strip()}.") from None
    except SQLAlchemyError as exc:
        raise SourceError(f"Cannot read the database {shown}: {exc}.") from None
    except ModuleNotFoundError as exc:  # a dialect loads its driver on first connection
        raise SourceError(missing_driver(shown, exc.name)) from None
    finally:
        engine.dispose()
    if not tables:
        raise SourceError(f"The database {shown} holds no tables: check the URL's database name and schema.")
    return Database(schema, tables, shown)


def _read_only(url: str) -> str:
    """For a SQLite file, a URL that opens it read-only (and fails when it does not exist),
    instead of SQLite's default of creating an empty file; other URLs unchanged."""
    path = sqlite_file(url)
    if path is None:
        return url
    if not path.is_file():
        raise SourceError(f"SQLite database {str(path)!r} does not exist.")
    return f"sqlite:///file:{path.resolve().as_posix()}?mode=ro&uri=true"


def read_folder(folder: str | Path, schema_file: str | Path | None = None) -> Database:
    """Read one table per CSV/Parquet file of ``folder`` (the file name is the table name), with
    keys from ``schema_file`` or, when there is none, ``folder/schema.json`` if present."""
    folder = Path(folder)
    if not folder.is_dir():
        raise SourceError(f"Folder {str(folder)!r} does not exist.")
    files = sorted(p for p in folder.iterdir() if p.name.lower().endswith(TABLE_SUFFIXES))
    if not files:
        raise SourceError(f"Folder {str(folder)!r} holds no .csv, .csv.gz or .parquet files.")
    tables = {_table_name(p): read_table(p, allow_no_rows=True).data for p in files}
    schema_path = Path(schema_file) if schema_file else folder / "schema.json"
    if schema_path.exists():
        schema = RelationalSchema.from_json(schema_path)
        if missing := [t.name for t in schema.tables if t.name not in tables]:
            raise SourceError(f"The relational schema names table(s) {missing} with no file in {str(folder)!r}.")
    else:
        schema = RelationalSchema(
            tuple(TableSchema(name, tuple(map(str, df.columns)), ()) for name, df in tables.items())
        )
    return Database(schema, tables, str(folder))


def _schema_of(metadata: sa.MetaData) -> RelationalSchema:
    import sqlalchemy as sa

    tables, keys = [], []
    for table in metadata.tables.values():
        columns = tuple(c.name for c in table.columns)
        primary = tuple(c.name for c in table.primary_key.columns)
        unique_sets = [
            tuple(c.name for c in u.columns) for u in table.constraints if isinstance(u, sa.UniqueConstraint)
        ]
        unique_sets += [tuple(c.name for c in index.columns) for index in table.indexes if index.unique]
        unique = tuple(dict.fromkeys(u for u in unique_sets if u and set(u) != set(primary)))
        not_null = tuple(c.name for c in table.columns if not c.nullable and c.name not in table.primary_key.columns)
        tables.append(TableSchema(table.name, columns, primary, not_null, unique))
        for constraint in table.foreign_key_constraints:
            keys.append(
                ForeignKey(
                    table.name,
                    tuple(c.name for c in constraint.columns),
                    constraint.referred_table.name,
                    tuple(e.column.name for e in constraint.elements),
                )
            )
    return RelationalSchema(tuple(tables), tuple(sorted(keys, key=ForeignKey.describe)))


def _table_name(path: Path) -> str:
    name = path.name
    for suffix in TABLE_SUFFIXES:
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return path.stem
