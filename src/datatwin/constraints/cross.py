"""Rules across tables of a database twin, held by construction.

``ChildSum("Invoice", "Total", "InvoiceLine", "UnitPrice * Quantity")``: a parent's column is
the sum over its child rows of an expression of theirs (a parent without children: 0), computed
from the drawn children — never drawn itself — and rounded like the column
(``{"type": "child_sum", "table": …, "column": …, "child": …, "expression": …}`` in the
relational schema's ``"rules"``).

``AfterParent("InvoiceLine", "shipped", "InvoiceDate")``: a child's column at or after (``strict``:
after) its parent's — the child table is learnt with its parent's value as context, so the rule
becomes an order between that context and the child's column, drawn as a gap above it.

``InTable("rental", Order(["rental_date", "return_date"]))``: one table's own rule (any of
:data:`~datatwin.constraints.rules.RULES`), held by that table's twin
(``{"type": "order", "table": "rental", "columns": [...]}`` in the schema's ``"rules"``).
"""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from datatwin.constraints.expression import Formula as Expression
from datatwin.constraints.rules import RULES, Rule, _numbers, rule_from_dict
from datatwin.errors import ConstraintError
from datatwin.schema import ColumnKind, ColumnSpec, Schema, coerce_table, infer_schema
from datatwin.schema.coerce import blanks_as_missing
from datatwin.schema.keys import parent_rows
from datatwin.schema.relational import ForeignKey, RelationalSchema


@dataclasses.dataclass(frozen=True)
class ChildSum(Rule):
    """``table.column`` = the sum of ``expression`` over the parent's rows in ``child``."""

    type: ClassVar[str] = "child_sum"
    table: str
    column: str
    child: str
    expression: str
    decimals: int | None = None

    def __post_init__(self) -> None:
        Expression(self.expression)

    def columns(self) -> tuple[str, ...]:
        return (self.column,)

    def describe(self) -> str:
        return f"{self.table}.{self.column} = sum over {self.child} of {self.expression}"

    def broken(self, frame: pd.DataFrame) -> np.ndarray:
        return np.zeros(len(frame), dtype=bool)  # a database rule: see sums_of and broken_in_database

    def key(self, schema: RelationalSchema) -> ForeignKey:
        """The one foreign key from the child to the parent table.

        Raises
        ------
        ConstraintError
            When the tables, the columns or that one key are not there.
        """
        names = {t.name: t for t in schema.tables}
        for name in (self.table, self.child):
            if name not in names:
                raise ConstraintError(f"Rule '{self}' names unknown table {name!r}; the tables are {sorted(names)}.")
        unknown = [c for c in Expression(self.expression).names if c not in names[self.child].columns]
        unknown += [] if self.column in names[self.table].columns else [f"{self.table}.{self.column}"]
        if unknown:
            raise ConstraintError(f"Rule '{self}' names unknown column(s) {unknown}.")
        keys = [k for k in schema.foreign_keys if k.table == self.child and k.parent == self.table]
        if len(keys) != 1:
            raise ConstraintError(
                f"Rule '{self}' needs one foreign key from {self.child!r} to {self.table!r}; there are {len(keys)}."
            )
        return keys[0]

    def sums_of(self, tables: dict[str, pd.DataFrame], schema: RelationalSchema) -> np.ndarray:
        """The rule's value for each parent row: its children's sum (0 without children)."""
        rows = parent_rows(tables, self.key(schema))
        expression = Expression(self.expression)
        values = np.nan_to_num(expression.evaluate({c: _numbers(tables[self.child][c]) for c in expression.names}))
        linked = rows >= 0
        return np.bincount(rows[linked], weights=values[linked], minlength=len(tables[self.table]))

    def broken_in_database(self, tables: dict[str, pd.DataFrame], schema: RelationalSchema) -> np.ndarray:
        """Parent rows whose column is not its children's sum (to the column's decimals)."""
        expected = self.sums_of(tables, schema)
        value = _numbers(tables[self.table][self.column])
        tolerance = 0.5 * 10.0 ** -(self.decimals if self.decimals is not None else 9) + 1e-9 * np.abs(expected)
        return ~np.isnan(value) & (np.abs(value - expected) > tolerance)


@dataclasses.dataclass(frozen=True)
class AfterParent(Rule):
    """``table.column`` at or after (``strict``: after) ``parent_column`` of the row's parent."""

    type: ClassVar[str] = "after_parent"
    table: str
    column: str
    parent_column: str
    strict: bool = False

    def columns(self) -> tuple[str, ...]:
        return (self.column,)

    def describe(self) -> str:
        return f"{self.table}.{self.column} {'>' if self.strict else '>='} its parent's {self.parent_column}"

    def broken(self, frame: pd.DataFrame) -> np.ndarray:
        return np.zeros(len(frame), dtype=bool)  # held in the child's own twin (see the module)

    def key(self, schema: RelationalSchema) -> ForeignKey:
        """The foreign key to the parent that has ``parent_column``.

        Raises
        ------
        ConstraintError
            When the table or columns are not there, or no single parent has the column.
        """
        names = {t.name: t for t in schema.tables}
        if self.table not in names or self.column not in names[self.table].columns:
            raise ConstraintError(f"Rule '{self}' names an unknown table or column ({self.table}.{self.column}).")
        keys = [
            k
            for k in schema.foreign_keys
            if k.table == self.table and self.parent_column in names[k.parent].columns and k.parent != self.table
        ]
        if len(keys) != 1:
            raise ConstraintError(
                f"Rule '{self}' needs one parent of {self.table!r} with column {self.parent_column!r}; "
                f"there are {len(keys)}."
            )
        return keys[0]

    def broken_in_database(self, tables: dict[str, pd.DataFrame], schema: RelationalSchema) -> np.ndarray:
        """Child rows whose column is before (``strict``: not after) their parent's."""
        key = self.key(schema)
        rows = parent_rows(tables, key)
        limit = np.where(rows >= 0, _numbers(tables[key.parent][self.parent_column])[np.maximum(rows, 0)], np.nan)
        value = _numbers(tables[self.table][self.column])
        both = ~np.isnan(limit) & ~np.isnan(value)
        return both & ((value <= limit) if self.strict else (value < limit))


@dataclasses.dataclass(frozen=True)
class InTable(Rule):
    """One table's own ``rule`` inside a database twin, held by that table's twin."""

    type: ClassVar[str] = "in_table"
    table: str
    rule: Rule

    def columns(self) -> tuple[str, ...]:
        return self.rule.columns()

    def describe(self) -> str:
        return f"{self.table}: {self.rule.describe()}"

    def broken(self, frame: pd.DataFrame) -> np.ndarray:
        return self.rule.broken(frame)

    def broken_in_database(self, tables: dict[str, pd.DataFrame], schema: RelationalSchema) -> np.ndarray:
        """The table's rows that break the rule (read as the table's inferred kinds)."""
        values = blanks_as_missing(tables[self.table][list(dict.fromkeys(self.columns()))]).reset_index(drop=True)
        filled = values.dropna(axis=1, how="all")
        if not len(values) or filled.shape[1] == 0:
            return self.rule.broken(values)
        kinds = {s.name: s for s in infer_schema(filled).columns}  # an empty column: text, all missing
        specs = Schema(tuple(kinds.get(c, ColumnSpec(c, ColumnKind.TEXT)) for c in values.columns))
        return self.rule.broken(coerce_table(values, specs))

    def to_dict(self) -> dict[str, Any]:
        data = self.rule.to_dict()
        return {"type": data.pop("type"), "table": self.table, **data}

    def check(self, schema: RelationalSchema) -> None:
        """Check that the table and its columns are there, and that no column is a key.

        Raises
        ------
        ConstraintError
            Naming the table or the columns.
        """
        names = {t.name: t for t in schema.tables}
        if self.table not in names:
            raise ConstraintError(f"Rule '{self}' names unknown table {self.table!r}; the tables are {sorted(names)}.")
        table = names[self.table]
        unknown = [c for c in self.columns() if c not in table.columns]
        if unknown:
            raise ConstraintError(f"Rule '{self}' names unknown column(s) {unknown}; the columns are {table.columns}.")
        keys = set(table.primary_key) if len(table.primary_key) == 1 else set()
        keys |= {c for k in schema.parents_of(self.table) for c in k.columns}
        if keyed := [c for c in self.columns() if c in keys]:
            raise ConstraintError(
                f"Rule '{self}' names key column(s) {keyed}, which the twin generates as keys; "
                "rules hold between a table's value columns."
            )


DATABASE_RULES: dict[str, type[Rule]] = {ChildSum.type: ChildSum, AfterParent.type: AfterParent}
DatabaseRule = ChildSum | AfterParent | InTable


def database_rules(rules: Any, schema: RelationalSchema) -> list[DatabaseRule]:
    """The rules of a relational schema's JSON ``rules`` (or rule objects), checked: rules across
    tables, and tables' own rules naming their ``table``.

    Raises
    ------
    ConstraintError
        When a rule is malformed, names an unknown table or column, or no single key links its tables.
    """
    parsed = [r if isinstance(r, Rule) else _database_rule(r, f"rules[{i}]") for i, r in enumerate(rules or ())]
    for rule in parsed:
        if isinstance(rule, InTable):
            rule.check(schema)
        elif isinstance(rule, ChildSum | AfterParent):
            rule.key(schema)
        else:
            raise ConstraintError(
                f"Rule '{rule}' is a table's rule; inside a database say which table it is for: InTable(table, rule)."
            )
    return [r for r in parsed if isinstance(r, DatabaseRule)]


def _database_rule(data: Any, where: str) -> Rule:
    if isinstance(data, dict) and data.get("type") in RULES:
        if "table" not in data:
            raise ConstraintError(
                f'{where} ({data["type"]}): a table\'s rule in a database needs its "table" '
                "(in Python: InTable(table, rule))."
            )
        table = data["table"]
        if not isinstance(table, str) or not table:
            raise ConstraintError(f"{where} ({data['type']}): 'table' must name a table, not {table!r}.")
        rule = rule_from_dict({k: v for k, v in data.items() if k != "table"}, where)
        return InTable(table, rule, support=rule.support)
    return rule_from_dict(data, where, DATABASE_RULES)


def table_rules(rules: list[DatabaseRule], table: str) -> list[Rule]:
    """The own rules of ``table`` among a database's rules."""
    return [r.rule for r in rules if isinstance(r, InTable) and r.table == table]


def hold_database_rules(
    tables: dict[str, pd.DataFrame], schema: RelationalSchema, decimals: dict[tuple[str, str], int | None]
) -> None:
    """Compute every rule's column from the drawn children, in place (parents whose children
    are themselves parents' sums come after them: rules applied children first)."""
    rules = [r for r in database_rules(schema.rules, schema) if isinstance(r, ChildSum)]
    for rule in sorted(rules, key=lambda r: _depth(r.child, rules)):
        places = rule.decimals if rule.decimals is not None else decimals.get((rule.table, rule.column))
        sums = rule.sums_of(tables, schema)
        tables[rule.table][rule.column] = np.round(sums, places) if places is not None else sums


def _depth(table: str, rules: list[ChildSum]) -> int:
    """How many sums feed into ``table``'s own (an invoice's lines before the invoice)."""
    below = [r for r in rules if r.table == table]
    return 0 if not below else 1 + max(_depth(r.child, rules) for r in below)


def discover_database_rules(tables: dict[str, pd.DataFrame], schema: RelationalSchema) -> list[ChildSum]:
    """Parent columns that equal, for every parent, the sum over its children of one child
    column or of a product of two (an invoice's total and its lines' price × quantity), kept
    when at least :data:`SUPPORT` parents have children and the column is not always zero.
    Key columns are neither summed nor sums, and two tables linked by several keys are skipped."""
    found = []
    keyed = {(t.name, c) for t in schema.tables for k in [t.primary_key, *t.unique] for c in k}
    keyed |= {(k.table, c) for k in schema.foreign_keys for c in k.columns}
    keyed |= {(k.parent, c) for k in schema.foreign_keys for c in k.parent_columns}
    for key in schema.foreign_keys:
        pairs = [k for k in schema.foreign_keys if (k.table, k.parent) == (key.table, key.parent)]
        if len(key.columns) != 1 or key.table == key.parent or len(pairs) > 1:
            continue  # a rule names its tables, so one key must link them
        child, parent = tables[key.table], tables[key.parent]
        numbers = [c for c in child.columns if (key.table, c) not in keyed and _is_number(child[c])]
        targets = [c for c in parent.columns if (key.parent, c) not in keyed and _is_number(parent[c])]
        if not numbers or not targets:
            continue
        candidates = [c if c.isidentifier() else f"`{c}`" for c in numbers]
        candidates += [f"{a} * {b}" for i, a in enumerate(candidates) for b in candidates[i + 1 :]]
        for target in targets:
            for expression in candidates:
                rule = ChildSum(key.parent, target, key.table, expression)
                if _holds(rule, tables, schema, parent[target]):
                    found.append(dataclasses.replace(rule, support=_with_children(tables, key)))
                    break
    return found


SUPPORT = 50


def _with_children(tables: dict[str, pd.DataFrame], key: ForeignKey) -> int:
    """How many parents have at least one child through ``key``."""
    rows = parent_rows(tables, key)
    return len(np.unique(rows[rows >= 0]))


def _is_number(values: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(values.dtype)


def _holds(rule: ChildSum, tables: dict[str, pd.DataFrame], schema: RelationalSchema, values: pd.Series) -> bool:
    if _with_children(tables, rule.key(schema)) < SUPPORT or not (values.abs() > 0).any():
        return False
    expected = rule.sums_of(tables, schema)
    actual = _numbers(values)
    return bool(np.allclose(actual, expected, rtol=1e-9, atol=0.005, equal_nan=False))
