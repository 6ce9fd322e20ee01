"""What a user may ask of the generated rows: fixed values, value sets, ranges, missing cells.

``twin.sample(n, conditions={"income": ">50K", "age": Range(40, None), "race": ["White", "Black"]})``
and the CLI's ``--where "income == '>50K' and age >= 40"`` both end up as a dict of these.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from typing import Any

from datatwin.errors import ConfigError


@dataclass(frozen=True)
class Range:
    """Values between ``low`` and ``high`` (either may be ``None`` for no bound).

    ``low_inclusive`` / ``high_inclusive`` say whether the bounds themselves are allowed.
    """

    low: Any = None
    high: Any = None
    low_inclusive: bool = True
    high_inclusive: bool = True


Wanted = Any
"""A column's condition: a value, a list or set of values, a :class:`Range`, or ``None`` (missing)."""

_ABSENT = object()
_BACKTICKED = re.compile(r"`([^`]+)`")
_OPERATORS = {ast.GtE: ("low", True), ast.Gt: ("low", False), ast.LtE: ("high", True), ast.Lt: ("high", False)}


def parse_where(expression: str) -> dict[str, Wanted]:
    """Turn ``"income == '>50K' and age >= 40"`` into conditions.

    Supported: ``==``, ``in [...]`` (``!=`` is not: list the wanted values with ``in``),
    ``<``, ``<=``, ``>``, ``>=`` (two on one column make a range, as does ``30 <= age < 40``),
    ``== None`` for missing cells, joined by ``and``. Column names that are not Python names go
    in backticks: ```hours-per-week` >= 40``.
    """
    names: dict[str, str] = {}

    def placeholder(match: re.Match[str]) -> str:
        key = f"__column_{len(names)}"
        names[key] = match.group(1)
        return key

    try:
        tree = ast.parse(_BACKTICKED.sub(placeholder, expression), mode="eval").body
    except SyntaxError as exc:
        raise ConfigError(f"Cannot read the condition {expression!r}: {exc.msg}.") from None
    clauses = tree.values if isinstance(tree, ast.BoolOp) and isinstance(tree.op, ast.And) else [tree]
    conditions: dict[str, Wanted] = {}
    for clause in clauses:
        for column, wanted in _clause(clause, names, expression):
            conditions[column] = _merge(conditions.get(column, _ABSENT), wanted, column)
    return conditions


def _clause(node: ast.expr, names: dict[str, str], expression: str) -> list[tuple[str, Wanted]]:
    if not isinstance(node, ast.Compare):
        raise ConfigError(f"Each part of {expression!r} must be a comparison like `age >= 40`, joined by 'and'.")
    operands = [node.left, *node.comparators]
    out = []
    for left, op, right in zip(operands, node.ops, operands[1:], strict=False):
        if isinstance(left, ast.Name):
            column, value, op_type = names.get(left.id, left.id), _literal(right, expression), type(op)
        elif isinstance(right, ast.Name):
            column, value, op_type = names.get(right.id, right.id), _literal(left, expression), _flip(type(op))
        else:
            raise ConfigError(f"A comparison in {expression!r} needs a column name on one side.")
        out.append((column, _wanted(op_type, value, expression)))
    return out


def _literal(node: ast.expr, expression: str) -> Any:
    try:
        return ast.literal_eval(node)
    except ValueError:
        raise ConfigError(f"Values in {expression!r} must be literals (numbers, 'strings', None, lists).") from None


_FLIPPED: dict[type[ast.cmpop], type[ast.cmpop]] = {ast.Gt: ast.Lt, ast.Lt: ast.Gt, ast.GtE: ast.LtE, ast.LtE: ast.GtE}


def _flip(op: type[ast.cmpop]) -> type[ast.cmpop]:
    return _FLIPPED.get(op, op)


def _wanted(op: type, value: Any, expression: str) -> Wanted:
    if op in (ast.Eq, ast.Is):
        return value
    if op is ast.In:
        if not isinstance(value, list | tuple | set):
            raise ConfigError(f"'in' needs a list of values in {expression!r}.")
        return list(value)
    if op in _OPERATORS:
        side, inclusive = _OPERATORS[op]
        return (
            Range(low=value, low_inclusive=inclusive) if side == "low" else Range(high=value, high_inclusive=inclusive)
        )
    raise ConfigError(f"Operator not supported in {expression!r}: use ==, in, <, <=, >, >=.")


def _merge(old: Wanted, new: Wanted, column: str) -> Wanted:
    if old is _ABSENT:
        return new
    if isinstance(old, Range) and isinstance(new, Range):
        low = new if new.low is not None else old
        high = new if new.high is not None else old
        return Range(low.low, high.high, low.low_inclusive, high.high_inclusive)
    raise ConfigError(f"Column {column!r} is constrained twice in a way that cannot be combined.")
