"""Formulas between columns: ``quantity * unit_price``, ``gross - tax``, ``(a + b) / 2``.

Parsed with Python's own parser and checked node by node: column names (in backticks when they
are not Python names), numbers, ``+ - * /`` and parentheses. Nothing is ever ``eval``-ed.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Mapping
from typing import cast

import numpy as np

from datatwin.errors import ConstraintError

_BACKTICKED = re.compile(r"`([^`]+)`")
_OPERATIONS = {ast.Add: np.add, ast.Sub: np.subtract, ast.Mult: np.multiply, ast.Div: np.divide}


class Formula:
    """A parsed formula; ``names`` are the columns it reads, in order of first use."""

    def __init__(self, text: str) -> None:
        if not isinstance(text, str) or not text.strip():
            raise ConstraintError(f"A formula must be text like 'quantity * unit_price', not {text!r}.")
        self.text = text
        self._columns: dict[str, str] = {}

        def placeholder(match: re.Match[str]) -> str:
            key = f"__column_{len(self._columns)}"
            self._columns[key] = match.group(1)
            return key

        try:
            self._tree = ast.parse(_BACKTICKED.sub(placeholder, text.strip()), mode="eval").body
        except SyntaxError as exc:
            raise ConstraintError(f"Cannot read the formula {text!r}: {exc.msg}.") from None
        names: list[str] = []
        for node in ast.walk(self._tree):
            if isinstance(node, ast.Name):
                names.append(self._columns.get(node.id, node.id))
            elif not isinstance(node, ast.BinOp | ast.UnaryOp | ast.Constant | ast.Load | ast.operator | ast.unaryop):
                raise ConstraintError(f"The formula {text!r} may use columns, numbers, + - * / and parentheses only.")
            if isinstance(node, ast.BinOp) and type(node.op) not in _OPERATIONS:
                raise ConstraintError(f"The formula {text!r} may use + - * / only.")
            if isinstance(node, ast.UnaryOp) and not isinstance(node.op, ast.USub | ast.UAdd):
                raise ConstraintError(f"The formula {text!r} may use + - * / only.")
            if isinstance(node, ast.Constant) and not (
                isinstance(node.value, int | float) and not isinstance(node.value, bool)
            ):
                raise ConstraintError(f"The formula {text!r} may hold numbers only, not {node.value!r}.")
        if not names:
            raise ConstraintError(f"The formula {text!r} reads no column.")
        self.names = tuple(dict.fromkeys(names))

    def evaluate(self, columns: Mapping[str, np.ndarray]) -> np.ndarray:
        """The formula per row, from each column's numbers (NaN where one is missing)."""
        with np.errstate(divide="ignore", invalid="ignore"):
            value = np.asarray(self._value(self._tree, columns), dtype=np.float64)
        return np.where(np.isfinite(value), value, np.nan)

    def _value(self, node: ast.expr, columns: Mapping[str, np.ndarray]) -> np.ndarray | float:
        if isinstance(node, ast.Name):
            return columns[self._columns.get(node.id, node.id)]
        if isinstance(node, ast.Constant):
            return float(cast(float, node.value))
        if isinstance(node, ast.UnaryOp):
            inner = self._value(node.operand, columns)
            return -inner if isinstance(node.op, ast.USub) else inner
        assert isinstance(node, ast.BinOp)
        return _OPERATIONS[type(node.op)](self._value(node.left, columns), self._value(node.right, columns))
