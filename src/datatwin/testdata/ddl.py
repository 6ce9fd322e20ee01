"""Reading ``CREATE TABLE`` statements (PostgreSQL, MySQL/MariaDB or SQLite) with sqlglot.

Each column's type, length, precision, NOT NULL, UNIQUE, PRIMARY KEY, REFERENCES and CHECK are
kept, so are the table's composite keys, foreign keys and CHECK constraints (named or not).
Views, indexes and triggers are skipped: they hold no rows. CHECK constraints are turned into
what drawing can hold by :mod:`datatwin.testdata.checks`.
"""

from __future__ import annotations

from typing import Any

from datatwin.errors import ConfigError
from datatwin.testdata.checks import apply_check
from datatwin.testdata.spec import ColumnPlan, DataSpec, ForeignKeyPlan, TablePlan

DIALECTS = {"postgres": "postgres", "postgresql": "postgres", "mysql": "mysql", "mariadb": "mysql", "sqlite": "sqlite"}
INTEGER_BITS = {"TINYINT": 8, "SMALLINT": 16, "MEDIUMINT": 24, "INT": 32, "BIGINT": 64, "SMALLSERIAL": 16, "SERIAL": 32}
TYPE_NAMES = {
    "integer": (
        "TINYINT",
        "SMALLINT",
        "MEDIUMINT",
        "INT",
        "BIGINT",
        "SERIAL",
        "SMALLSERIAL",
        "BIGSERIAL",
        "YEAR",
        "UINT",
    ),
    "decimal": ("DECIMAL", "NUMERIC", "MONEY", "SMALLMONEY", "BIGDECIMAL"),
    "float": ("FLOAT", "DOUBLE", "REAL", "DOUBLE_PRECISION"),
    "date": ("DATE", "DATE32"),
    "timestamp": (
        "DATETIME",
        "DATETIME2",
        "TIMESTAMP",
        "TIMESTAMPTZ",
        "TIMESTAMPLTZ",
        "TIMESTAMP_S",
        "TIMESTAMP_MS",
        "SMALLDATETIME",
    ),
    "time": ("TIME", "TIMETZ"),
    "boolean": ("BOOLEAN", "BIT"),
    "binary": ("BLOB", "BINARY", "VARBINARY", "BYTEA", "LONGBLOB", "MEDIUMBLOB", "TINYBLOB", "IMAGE"),
    "uuid": ("UUID", "UNIQUEIDENTIFIER"),
}


def spec_from_ddl(text: str, dialect: str = "postgres", *, source: str = "DDL") -> DataSpec:
    """The tables of a DDL script.

    Raises
    ------
    ConfigError
        When the script does not parse (its line, column and the token there), holds no
        ``CREATE TABLE``, names an unknown dialect, or has a CHECK drawing cannot hold.
    """
    read = DIALECTS.get(dialect.lower())
    if read is None:
        raise ConfigError(f"Unknown SQL dialect {dialect!r}; use one of {sorted(set(DIALECTS))}.")
    sqlglot = require_sqlglot()
    from sqlglot import exp
    from sqlglot.errors import ParseError, TokenError

    try:
        statements = [s for s in sqlglot.parse(text, read=read) if s is not None]
    except ParseError as exc:
        error = exc.errors[0] if exc.errors else {}
        raise ConfigError(
            f"{source} does not parse at line {error.get('line', '?')}, column {error.get('col', '?')} "
            f"(near {error.get('highlight', '?')!r}): {error.get('description', exc)}."
        ) from None
    except TokenError as exc:
        raise ConfigError(f"{source} does not parse: {exc}.") from None
    tables = [
        _table(s, read)
        for s in statements
        if isinstance(s, exp.Create)
        and str(s.args.get("kind", "")).upper() == "TABLE"
        and isinstance(s.this, exp.Schema)
    ]
    if not tables:
        raise ConfigError(f"{source} holds no CREATE TABLE statement.")
    spec = DataSpec(tables, read)
    spec.check()
    return spec


def require_sqlglot() -> Any:
    """The sqlglot module, or a clear line saying how to install it."""
    try:
        import sqlglot
    except ImportError:
        raise ConfigError("Reading SQL DDL needs sqlglot: pip install 'datatwin[testdata]'.") from None
    return sqlglot


def _table(statement: Any, dialect: str) -> TablePlan:
    from sqlglot import exp

    schema = statement.this
    table = TablePlan(schema.this.name, [])
    for part in schema.expressions:
        if isinstance(part, exp.ColumnDef):
            table.columns.append(_column(part, dialect))
    for part in schema.expressions:
        if isinstance(part, exp.ColumnDef):
            _column_constraints(part, table, table.column(part.name), dialect)
    for part in schema.expressions:
        for item in part.expressions if isinstance(part, exp.Constraint) else [part]:
            _table_constraint(item, table, dialect)
    return table


def _column(definition: Any, dialect: str) -> ColumnPlan:
    from sqlglot import exp

    kind = definition.args.get("kind")
    type_name = kind.this.name if kind is not None else "TEXT"
    params = [
        p.this.this if isinstance(p, exp.DataTypeParam) else p for p in (kind.expressions if kind is not None else [])
    ]
    column = ColumnPlan(definition.name, _type_of(type_name), sql_type=kind.sql(dialect) if kind is not None else "")
    if column.type == "integer":
        column.bits = INTEGER_BITS.get(type_name, 64)
    numbers = [int(p) for p in params if isinstance(p, str | int) and str(p).isdigit()]
    if column.type == "text" and numbers:
        column.length = numbers[0]
    if column.type == "decimal" and numbers:
        column.precision, column.scale = numbers[0], numbers[1] if len(numbers) > 1 else 0
    labels = tuple(p.this for p in params if isinstance(p, exp.Literal))
    if type_name in ("ENUM", "SET") and labels:  # SQLite takes a bare ENUM for text
        column.categories = labels
    return column


def _column_constraints(definition: Any, table: TablePlan, column: ColumnPlan, dialect: str) -> None:
    from sqlglot import exp

    for constraint in definition.args.get("constraints") or []:
        inner = constraint.args.get("kind")
        if isinstance(inner, exp.NotNullColumnConstraint) and not inner.args.get("allow_null"):
            column.not_null = True
        elif isinstance(inner, exp.PrimaryKeyColumnConstraint):
            table.primary_key = (column.name,)
        elif isinstance(inner, exp.UniqueColumnConstraint):
            table.unique.append((column.name,))
        elif isinstance(inner, exp.Reference):
            parent = inner.this
            columns = tuple(c.name for c in parent.expressions) or (column.name,)
            table.foreign_keys.append(ForeignKeyPlan((column.name,), parent.this.name, columns))
        elif isinstance(inner, exp.CheckColumnConstraint):
            table.checks.append(inner.this.sql(dialect))
            apply_check(inner.this, table, column)


def _table_constraint(item: Any, table: TablePlan, dialect: str) -> None:
    from sqlglot import exp

    if isinstance(item, exp.PrimaryKey):
        table.primary_key = tuple(_name(c) for c in item.expressions)
    elif isinstance(item, exp.UniqueColumnConstraint):
        columns = item.this.expressions if isinstance(item.this, exp.Schema) else [item.this]
        table.unique.append(tuple(_name(c) for c in columns))
    elif isinstance(item, exp.ForeignKey):
        parent = item.args["reference"].this
        referring = tuple(_name(c) for c in item.expressions)
        table.foreign_keys.append(
            ForeignKeyPlan(referring, parent.this.name, tuple(_name(c) for c in parent.expressions) or referring)
        )
    elif isinstance(item, exp.CheckColumnConstraint):
        table.checks.append(item.this.sql(dialect))
        apply_check(item.this, table, None)


def _name(node: Any) -> str:
    return str(node.name)


def _type_of(type_name: str) -> str:
    for kind, names in TYPE_NAMES.items():
        if type_name in names:
            return kind
    return "text"
