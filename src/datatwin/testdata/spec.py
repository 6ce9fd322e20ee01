"""What test data is made from: tables, their columns, keys, checks and sizes — no real rows.

A :class:`DataSpec` is read from SQL DDL (:mod:`datatwin.testdata.ddl`) or from a JSON file
written by hand (:func:`spec_from_json`), which can also say how each column is drawn
(``"generator"``: a Faker provider, a distribution, weighted categories, a regular expression),
how many rows each table gets (``"rows"``) or how many children each parent has
(``"children_per_parent": [min, max]`` on a foreign key).
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

from datatwin.constraints import AfterParent, ChildSum, Rule, rule_from_dict
from datatwin.constraints.cross import DATABASE_RULES
from datatwin.constraints.expression import Formula as Expression
from datatwin.errors import ConfigError, ConstraintError
from datatwin.testdata.rules import orders_of, parse_rules

TYPES = ("integer", "decimal", "float", "text", "date", "timestamp", "time", "boolean", "binary", "uuid")
"""The column types test data is drawn for; every SQL type maps to one of them."""
SPEC_FORMAT = "datatwin.testdata"


@dataclasses.dataclass
class ColumnPlan:
    """One column: its type and size, what the schema allows, and how it is drawn."""

    name: str
    type: str
    length: int | None = None
    """Most characters of a text column (``VARCHAR(n)``)."""
    precision: int | None = None
    scale: int | None = None
    """Digits and decimals of a decimal column (``NUMERIC(p, s)``)."""
    bits: int = 64
    """Size of an integer column (16, 32 or 64)."""
    not_null: bool = False
    minimum: float | str | None = None
    maximum: float | str | None = None
    strict_minimum: bool = False
    strict_maximum: bool = False
    categories: tuple[Any, ...] | None = None
    generator: dict[str, Any] | None = None
    sql_type: str = ""
    """The type as the DDL wrote it, for messages."""


@dataclasses.dataclass(frozen=True)
class ForeignKeyPlan:
    """``table(columns) → parent(parent_columns)``, and optionally how many children a parent has."""

    columns: tuple[str, ...]
    parent: str
    parent_columns: tuple[str, ...]
    children_per_parent: tuple[int, int] | None = None


@dataclasses.dataclass
class TablePlan:
    """One table: its columns, keys, the rules its CHECK constraints state, and its size."""

    name: str
    columns: list[ColumnPlan]
    primary_key: tuple[str, ...] = ()
    unique: list[tuple[str, ...]] = dataclasses.field(default_factory=list)
    foreign_keys: list[ForeignKeyPlan] = dataclasses.field(default_factory=list)
    orders: list[tuple[str, str, bool]] = dataclasses.field(default_factory=list)
    """``(low, high, strict)``: a CHECK that one column stays below another."""
    checks: list[str] = dataclasses.field(default_factory=list)
    """The CHECK constraints' SQL, as written, to create them on the target."""
    rows: int | None = None
    rules: list[Rule] = dataclasses.field(default_factory=list)
    """Rules across columns (:mod:`datatwin.testdata.rules`), their orders also in ``orders``."""

    def column(self, name: str) -> ColumnPlan:
        for column in self.columns:
            if column.name == name:
                return column
        raise ConfigError(
            f"Table {self.name!r} has no column {name!r}; its columns are {[c.name for c in self.columns]}."
        )


@dataclasses.dataclass
class DataSpec:
    """Every table to make, and the SQL dialect the spec was written in (for CHECK texts)."""

    tables: list[TablePlan]
    dialect: str = "postgres"
    locale: str = "en_US"
    rules: list[ChildSum | AfterParent] = dataclasses.field(default_factory=list)
    """Rules across tables (``child_sum``, ``after_parent``)."""

    def table(self, name: str) -> TablePlan:
        for table in self.tables:
            if table.name == name:
                return table
        raise ConfigError(f"No table {name!r}; the tables are {[t.name for t in self.tables]}.")

    def check(self) -> None:
        """Refuse a spec whose keys name tables or columns it does not have (one line each)."""
        problems = []
        for table in self.tables:
            names = {c.name for c in table.columns}
            named = [*table.primary_key, *(c for u in table.unique for c in u)]
            named += [c for key in table.foreign_keys for c in key.columns]
            named += [c for low, high, _ in table.orders for c in (low, high)]
            named += [c for rule in table.rules for c in rule.columns()]
            problems += [
                f"table {table.name!r} names unknown column {c!r}" for c in dict.fromkeys(named) if c not in names
            ]
            for key in table.foreign_keys:
                parent = next((t for t in self.tables if t.name == key.parent), None)
                if parent is None:
                    problems.append(f"table {table.name!r} references unknown table {key.parent!r}")
                    continue
                parent_names = {c.name for c in parent.columns}
                problems += [
                    f"table {table.name!r} references unknown column {key.parent}.{c}"
                    for c in key.parent_columns
                    if c not in parent_names
                ]
                if len(key.columns) != len(key.parent_columns):
                    problems.append(f"table {table.name!r}: a foreign key's columns and its parent's differ in number")
        problems += [problem for rule in self.rules if (problem := self._rule_problem(rule))]
        if problems:
            raise ConfigError("The spec cannot be made: " + "; ".join(problems) + ".")

    def link(self, child: str, parent: str) -> int:
        """The index, among ``child``'s foreign keys, of its one key to ``parent``."""
        keys = [i for i, k in enumerate(self.table(child).foreign_keys) if k.parent == parent]
        if len(keys) != 1 or child == parent:
            raise ConfigError(
                f"A rule across {child!r} and {parent!r} needs one foreign key between them; there are {len(keys)}."
            )
        return keys[0]

    def parent_link(self, rule: AfterParent) -> int:
        """The index, among the rule's table's foreign keys, of its one key to a parent that has
        the rule's ``parent_column``."""
        keys = self.table(rule.table).foreign_keys
        having = [i for i, k in enumerate(keys) if rule.parent_column in {c.name for c in self.table(k.parent).columns}]
        if len(having) != 1:
            raise ConfigError(f"rule '{rule}' needs one parent of {rule.table!r} with column {rule.parent_column!r}.")
        return self.link(rule.table, keys[having[0]].parent)

    def _rule_problem(self, rule: ChildSum | AfterParent) -> str | None:
        child = rule.child if isinstance(rule, ChildSum) else rule.table
        names = {t.name for t in self.tables}
        if child not in names or (isinstance(rule, ChildSum) and rule.table not in names):
            return f"rule '{rule}' names a table the spec does not have"
        try:
            if isinstance(rule, AfterParent):
                parent = self.table(child).foreign_keys[self.parent_link(rule)].parent
            else:
                parent = rule.table
                self.link(child, parent)
        except ConfigError as exc:
            return str(exc).rstrip(".")
        own = [rule.column] if isinstance(rule, AfterParent) else list(Expression(rule.expression).names)
        missing = [c for c in own if c not in {col.name for col in self.table(child).columns}]
        if isinstance(rule, ChildSum) and rule.column not in {c.name for c in self.table(parent).columns}:
            missing.append(f"{parent}.{rule.column}")
        return f"rule '{rule}' names unknown column(s) {missing}" if missing else None


def spec_from_json(path: Path) -> DataSpec:
    """A spec written by hand as JSON (see the module's docstring).

    Raises
    ------
    ConfigError
        When the file is not JSON (with its line), or a table or column is malformed (naming it).
    """
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{path.name} is not valid JSON (line {exc.lineno}: {exc.msg}).") from None
    if not isinstance(data, dict) or data.get("format") != SPEC_FORMAT or not isinstance(data.get("tables"), list):
        raise ConfigError(
            f'{path.name}: a test-data spec is an object with "format": "{SPEC_FORMAT}" and "tables": [...].'
        )
    tables = [_table(t, f"{path.name} tables[{i}]") for i, t in enumerate(data["tables"])]
    rules = [_across(r, f"{path.name} rules[{i}]") for i, r in enumerate(data.get("rules", []))]
    spec = DataSpec(tables, str(data.get("dialect", "postgres")), str(data.get("locale", "en_US")), rules)
    spec.check()
    return spec


def _across(data: Any, where: str) -> ChildSum | AfterParent:
    try:
        rule = rule_from_dict(data, where, DATABASE_RULES)
    except ConstraintError as exc:
        raise ConfigError(str(exc)) from None
    assert isinstance(rule, ChildSum | AfterParent)
    return rule


def _table(data: Any, where: str) -> TablePlan:
    if not isinstance(data, dict) or not isinstance(data.get("name"), str) or not isinstance(data.get("columns"), list):
        raise ConfigError(f"{where}: a table needs a 'name' and a 'columns' list.")
    where = f"{where} ({data['name']})"
    columns = [_column(c, f"{where} columns[{i}]") for i, c in enumerate(data["columns"])]
    keys = [
        ForeignKeyPlan(
            tuple(k["columns"]),
            str(k["parent"]),
            tuple(k.get("parent_columns", k["columns"])),
            None if k.get("children_per_parent") is None else _range(k["children_per_parent"], where),
        )
        for k in data.get("foreign_keys", [])
    ]
    rules = parse_rules(data.get("rules", []), where)
    orders = [(str(o["low"]), str(o["high"]), bool(o.get("strict", False))) for o in data.get("orders", [])]
    orders += orders_of(rules)
    rows = data.get("rows")
    if rows is not None and (not isinstance(rows, int) or rows < 0):
        raise ConfigError(f"{where}: 'rows' must be a whole number ≥ 0, not {rows!r}.")
    flagged = list(zip(columns, data["columns"], strict=True))
    primary = tuple(data.get("primary_key", [c.name for c, d in flagged if d.get("primary_key")]))
    unique = [tuple(u) for u in data.get("unique", [])] + [(c.name,) for c, d in flagged if d.get("unique")]
    return TablePlan(data["name"], columns, primary, unique, keys, orders, [], rows, rules)


def _column(data: Any, where: str) -> ColumnPlan:
    if not isinstance(data, dict) or not isinstance(data.get("name"), str):
        raise ConfigError(f"{where}: a column needs a 'name'.")
    kind = data.get("type", "text")
    if kind not in TYPES:
        raise ConfigError(f"{where} ({data['name']}): type {kind!r} is not one of {list(TYPES)}.")
    known = {f.name for f in dataclasses.fields(ColumnPlan)} | {"primary_key", "unique"}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ConfigError(f"{where} ({data['name']}): unknown key(s) {unknown}; the keys are {sorted(known)}.")
    values = {k: v for k, v in data.items() if k not in ("primary_key", "unique")}
    if "categories" in values and values["categories"] is not None:
        values["categories"] = tuple(values["categories"])
    return ColumnPlan(**values)


def _range(value: Any, where: str) -> tuple[int, int]:
    if not (isinstance(value, list) and len(value) == 2 and all(isinstance(v, int) and v >= 0 for v in value)):
        raise ConfigError(f"{where}: 'children_per_parent' is [min, max] of whole numbers, not {value!r}.")
    low, high = value
    if low > high:
        raise ConfigError(f"{where}: 'children_per_parent' minimum {low} is above its maximum {high}.")
    return low, high
