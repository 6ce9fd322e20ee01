"""Rules found in the data: those that hold in every row, with enough rows to bear them out.

- *orderings* between numbers or between datetimes (``check_in <= check_out``), kept only when
  the columns' own spreads would not make them hold anyway: with one column's values shuffled,
  the order must fail in more than :data:`CHANCE` of the rows (``age <= income`` holds by
  chance and is left out); implied orders (``a <= c`` after ``a <= b <= c``) are left out;
- *formulas* ``c = a + b``, ``c = a - b``, ``c = a * b`` between numbers, to the last decimal
  ``c`` keeps;
- *fixed combinations*: a categorical column that determines others (a city its state and
  country, ``education`` its ``education-num``), each value seen in :data:`PER_VALUE` rows on
  average;
- *conditional missingness*: ``if status == 'cancelled' then shipped_at == None``.

Each rule carries its ``support``: the rows it held in.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import combinations, permutations

import numpy as np
import pandas as pd

from datatwin.constraints.rules import Combination, Conditional, Formula, Order, Rule, _numbers
from datatwin.schema import ColumnKind, Schema

SUPPORT = 50
"""Fewest rows (with every named cell present) a rule must hold in to be kept."""
CHANCE = 0.05
"""An ordering must fail in more than this share of rows once one side is shuffled."""
PER_VALUE = 10
"""A determining column's values must each cover this many rows on average."""
SCREEN = 64
"""Rows a candidate formula is tried on before the whole table."""

NUMBER_KINDS = (ColumnKind.NUMERIC, ColumnKind.INTEGER)
LABEL_KINDS = (ColumnKind.CATEGORICAL, ColumnKind.BOOLEAN, ColumnKind.INTEGER)
Operation = Callable[[np.ndarray, np.ndarray], np.ndarray]


def discover_rules(table: pd.DataFrame, schema: Schema, *, seed: int = 0) -> list[Rule]:
    """The rules that hold in every row of a working-form table (see the module's list)."""
    if len(table) < SUPPORT:
        return []
    rng = np.random.default_rng(seed)
    combined = _combinations(table, schema)
    taken = {c for rule in combined for c in rule.columns()}
    formulas = _formulas(table, schema)
    computed = {f.column for f in formulas}
    orders = [o for o in _orders(table, schema, rng) if not (set(o.columns()) & (taken | computed))]
    return [*orders, *formulas, *combined, *_conditional_missing(table, schema)]


def _orders(table: pd.DataFrame, schema: Schema, rng: np.random.Generator) -> list[Order]:
    families = {
        "number": [s.name for s in schema.columns if s.kind in NUMBER_KINDS],
        "datetime": [s.name for s in schema.columns if s.kind is ColumnKind.DATETIME],
    }
    found: dict[tuple[str, str], Order] = {}
    for names in families.values():
        values = {n: _numbers(table[n]) for n in names}
        for a, b in permutations(names, 2):
            left, right = values[a], values[b]
            both = ~np.isnan(left) & ~np.isnan(right)
            if both.sum() < SUPPORT:
                continue
            x, y = left[both], right[both]
            if not (x <= y).all() or (x == y).all():
                continue
            if (x <= rng.permutation(y)).mean() >= 1 - CHANCE:
                continue
            found[a, b] = Order((a, b), strict=bool((x < y).all()), support=int(both.sum()))
    implied = {(a, c) for (a, b) in found for (b2, c) in found if b == b2 and (a, c) in found}
    return [rule for pair, rule in found.items() if pair not in implied]


def _formulas(table: pd.DataFrame, schema: Schema) -> list[Formula]:
    names = [s.name for s in schema.columns if s.kind in NUMBER_KINDS]
    values = {n: _numbers(table[n]) for n in names}
    varied = [n for n in names if np.nanstd(values[n]) > 0]
    found: list[Formula] = []
    related: set[frozenset[str]] = set()
    for c in varied:
        spec = schema[c]
        decimals = 0 if spec.kind is ColumnKind.INTEGER else spec.decimals
        tolerance = 0.5 * 10.0 ** -(decimals if decimals is not None else 9)
        for a, b in combinations([n for n in varied if n != c], 2):
            if frozenset((a, b, c)) in related:
                continue
            for text, compute in (
                (f"{_name(a)} + {_name(b)}", np.add),
                (f"{_name(a)} - {_name(b)}", np.subtract),
                (f"{_name(b)} - {_name(a)}", lambda x, y: y - x),
                (f"{_name(a)} * {_name(b)}", np.multiply),
            ):
                if _holds(values[a], values[b], values[c], compute, tolerance):
                    both = ~np.isnan(values[a]) & ~np.isnan(values[b]) & ~np.isnan(values[c])
                    found.append(Formula(c, text, decimals=decimals, support=int(both.sum())))
                    related.add(frozenset((a, b, c)))
                    break
    return found


def _holds(a: np.ndarray, b: np.ndarray, c: np.ndarray, compute: Operation, tolerance: float) -> bool:
    present = ~np.isnan(a) & ~np.isnan(b) & ~np.isnan(c)
    if present.sum() < SUPPORT:
        return False
    a, b, c = a[present], b[present], c[present]
    for rows in (slice(0, SCREEN), slice(None)):
        expected = compute(a[rows], b[rows])
        if not (np.abs(c[rows] - expected) <= tolerance + 1e-9 * np.abs(expected)).all():
            return False
    return True


def _combinations(table: pd.DataFrame, schema: Schema) -> list[Combination]:
    names = [
        s.name
        for s in schema.columns
        if s.kind in LABEL_KINDS and 2 <= table[s.name].nunique() <= len(table) / PER_VALUE
    ]
    codes = {n: pd.factorize(table[n].astype(object).map(str), sort=True)[0] for n in names}
    determines: dict[str, list[str]] = {}
    for a in names:
        key = pd.Series(codes[a])
        determines[a] = [b for b in names if b != a and (pd.Series(codes[b]).groupby(key).nunique() == 1).all()]
    found, claimed = [], set()
    for a in sorted(names, key=lambda n: (-len(determines[n]), names.index(n))):
        members = [a, *(b for b in determines[a] if b not in claimed)]
        if a in claimed or len(members) < 2:
            continue
        claimed.update(members)
        ordered = [n for n in names if n in members]
        found.append(Combination(tuple(ordered), support=len(table)))
    return found


def _conditional_missing(table: pd.DataFrame, schema: Schema) -> list[Conditional]:
    found = []
    missing = {s.name: table[s.name].isna().to_numpy() for s in schema.columns}
    gappy = [n for n, m in missing.items() if 0 < m.mean() < 1]
    for spec in schema.columns:
        if spec.kind not in (ColumnKind.CATEGORICAL, ColumnKind.BOOLEAN):
            continue
        counts = table[spec.name].value_counts()
        for value in counts.index[counts >= SUPPORT]:
            rows = (table[spec.name] == value).fillna(False).to_numpy(dtype=bool)
            for other in gappy:
                if other != spec.name and missing[other][rows].all() and not missing[other][~rows].all():
                    when = f"{_name(spec.name)} == {_literal(value)}"
                    found.append(Conditional(when, f"{_name(other)} == None", support=int(rows.sum())))
    return found


def _name(column: str) -> str:
    return column if column.isidentifier() else f"`{column}`"


def _literal(value: object) -> str:
    if isinstance(value, np.generic):
        value = value.item()
    return repr(value)
