"""CHECK constraints turned into what drawing holds by construction.

Understood, and joined by ``AND`` (a ``col IS NULL OR …`` alternative is the same rule, since a
missing cell passes a CHECK): ``col IN (…)`` (the column's categories), ``col BETWEEN a AND b``
and comparisons with a constant (its bounds), ``col <> 'x'`` (a value never drawn), a
comparison between two columns (an order: the higher one is drawn above the lower),
``length(col) <= n`` and ``>= n`` (its length), ``col IS NOT NULL``. Any other CHECK is refused
with its text, before anything is drawn: the server would refuse the rows.
"""

from __future__ import annotations

from typing import Any

from datatwin.errors import ConfigError
from datatwin.testdata.spec import ColumnPlan, TablePlan

SUPPORTED = "IN, BETWEEN, comparisons with constants or another column, <> constant, length(), IS NOT NULL, AND"


def apply_check(node: Any, table: TablePlan, column: ColumnPlan | None) -> None:
    """Fold one CHECK expression into the table's columns and orders.

    Raises
    ------
    ConfigError
        Naming the CHECK and the table when it is not one drawing can hold.
    """
    if not _apply(node, table):
        raise ConfigError(
            f"CHECK ({node.sql()}) on table {table.name!r} cannot be held by the generator "
            f"(it holds {SUPPORTED}): drop or simplify it, or describe the column in a JSON spec."
        )


def _apply(node: Any, table: TablePlan) -> bool:
    from sqlglot import exp

    if isinstance(node, exp.Paren):
        return _apply(node.this, table)
    if isinstance(node, exp.And):
        return _apply(node.left, table) and _apply(node.right, table)
    if isinstance(node, exp.Or):
        for side, other in ((node.left, node.right), (node.right, node.left)):
            if _is_null_test(side):
                return _apply(other, table)
        return False
    if isinstance(node, exp.Not) and _is_null_test(node.this):
        table.column(_column_name(node.this.this)).not_null = True
        return True
    if isinstance(node, exp.In) and isinstance(node.this, exp.Column):
        values = [_constant(v) for v in node.expressions]
        if any(v is _UNKNOWN for v in values):
            return False
        table.column(node.this.name).categories = tuple(values)
        return True
    if isinstance(node, exp.Between) and isinstance(node.this, exp.Column):
        low, high = _constant(node.args["low"]), _constant(node.args["high"])
        if _UNKNOWN in (low, high):
            return False
        column = table.column(node.this.name)
        column.minimum, column.maximum = _tighter(column.minimum, low, max), _tighter(column.maximum, high, min)
        return True
    if isinstance(node, exp.NEQ | exp.GT | exp.GTE | exp.LT | exp.LTE | exp.EQ):
        return _comparison(node, table)
    return False


def _comparison(node: Any, table: TablePlan) -> bool:
    from sqlglot import exp

    left: Any = node.left
    right: Any = node.right
    flipped: dict[Any, Any] = {exp.GT: exp.LT, exp.GTE: exp.LTE, exp.LT: exp.GT, exp.LTE: exp.GTE}
    kind: Any = type(node)
    if not isinstance(left, exp.Column | exp.Length) and isinstance(right, exp.Column | exp.Length):
        left, right, kind = right, left, flipped.get(kind, kind)
    if isinstance(left, exp.Column) and isinstance(right, exp.Column):
        if kind in (exp.LT, exp.LTE):
            table.orders.append((left.name, right.name, kind is exp.LT))
            return True
        if kind in (exp.GT, exp.GTE):
            table.orders.append((right.name, left.name, kind is exp.GT))
            return True
        return False
    value = _constant(right)
    if value is _UNKNOWN:
        return False
    if isinstance(left, exp.Length) and isinstance(left.this, exp.Column) and isinstance(value, int | float):
        column = table.column(left.this.name)
        if kind in (exp.LT, exp.LTE):
            most = int(value) - (kind is exp.LT)
            column.length = most if column.length is None else min(column.length, most)
            return True
        if kind in (exp.GT, exp.GTE):
            column.generator = {**(column.generator or {}), "min_length": int(value) + (kind is exp.GT)}
            return True
        return False
    if not isinstance(left, exp.Column):
        return False
    column = table.column(left.name)
    if kind is exp.NEQ:
        column.generator = {
            **(column.generator or {}),
            "excluded": [*(column.generator or {}).get("excluded", []), value],
        }
        return True
    if kind is exp.EQ:
        column.categories = (value,)
        return True
    if kind in (exp.GT, exp.GTE):
        column.minimum = _tighter(column.minimum, value, max)
        column.strict_minimum = kind is exp.GT
    else:
        column.maximum = _tighter(column.maximum, value, min)
        column.strict_maximum = kind is exp.LT
    return True


_UNKNOWN = object()


def _constant(node: Any) -> Any:
    """A literal's value (numbers as numbers, text as text, a cast's inner literal), or unknown."""
    from sqlglot import exp

    if isinstance(node, exp.Cast | exp.Paren):
        return _constant(node.this)
    if isinstance(node, exp.Neg):
        inner = _constant(node.this)
        return -inner if isinstance(inner, int | float) else _UNKNOWN
    if isinstance(node, exp.Boolean):
        return bool(node.this)
    if isinstance(node, exp.Literal):
        if node.is_string:
            return str(node.this)
        number = float(node.this)
        return int(number) if number.is_integer() and "." not in str(node.this) else number
    return _UNKNOWN


def _is_null_test(node: Any) -> bool:
    from sqlglot import exp

    return isinstance(node, exp.Is) and isinstance(node.expression, exp.Null) and isinstance(node.this, exp.Column)


def _column_name(node: Any) -> str:
    return str(node.name)


def _tighter(old: Any, new: Any, pick: Any) -> Any:
    return new if old is None else pick(old, new)
