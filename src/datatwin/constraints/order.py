"""Order and difference rules held by construction: a column is learnt as its gap above the
columns that bound it from below, and rebuilt as their maximum plus that gap.

``low <= open <= high`` and ``low <= close <= high`` become: ``low`` as it is, ``open − low``,
``close − low`` and ``high − max(open, close)``, each at least zero (a strict rule: at least one
step — one unit of the column's resolution). The columns are rebuilt in an order where every
column's lower bounds come first, so no drawn row can break a rule, and no row is ever
redrawn. A ``difference`` rule bounds the gap above its one base from both sides. Where every
lower bound of a row is missing but the column is not, its value is learnt as it is, in a
column of its own (made only when the data has such rows).

A rebuilt column loses the lattice its own values sit on (credit limits of 10,000, 20,000, …
become limit = bill + gap, any number), so each group of columns linked by order rules is
rebuilt *downwards* instead — from the top, each column its upper bounds' minimum minus a gap
(the same arithmetic on negated values) — when that rebuilds columns whose values are less
often on a few frequent values: ``bill <= limit`` keeps the limits as drawn and rebuilds bills.
A group of positive decimal numbers is rebuilt by *ratios* — its gaps taken between logarithms
(``length = width × e^gap``) — since such columns spread in proportion to their size (an
ellipse's axes, prices of a day), and an additive gap would have to learn that spread.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from dataclasses import dataclass
from graphlib import CycleError, TopologicalSorter
from typing import Any

import numpy as np
import pandas as pd

from datatwin.constraints.rules import UNITS, Difference, Order, Rule, _numbers
from datatwin.errors import ConstraintError
from datatwin.schema import ColumnKind, ColumnSpec, Schema

ORDERED_KINDS = (ColumnKind.NUMERIC, ColumnKind.INTEGER, ColumnKind.DATETIME)
STEPS = (86_400.0, 3_600.0, 60.0, 1.0)
"""Resolutions a datetime column's gaps are counted in (a day, an hour, a minute, a second),
the coarsest that every value of the column and its bounds keeps; else microseconds."""


@dataclass(frozen=True)
class Bound:
    """One column bounding another from below: ``target >= base`` (+ the gap's limits)."""

    base: str
    strict: bool
    minimum: float | None = None
    maximum: float | None = None
    scale: float = 1.0
    """Seconds per unit of a difference rule's limits (datetimes)."""


FREQUENT = 20
"""How many of a column's most frequent values measure how much it sits on a lattice."""


class OrderPlan:
    """Which columns are drawn as gaps, above (or below) which bases, in which order."""

    def __init__(self, rules: list[Rule], schema: Schema, given: frozenset[str] = frozenset()) -> None:
        self.given = given
        """Columns every sample gives (a context): never rebuilt, so their group goes upwards."""
        self.edges: list[tuple[str, str, Bound]] = []  # (low, high, bound of high above low)
        named: dict[str, list[Rule]] = defaultdict(list)
        for rule in rules:
            if isinstance(rule, Order):
                self.edges += [(a, b, Bound(a, rule.strict)) for a, b in rule.pairs()]
            elif isinstance(rule, Difference):
                scale = UNITS[rule.unit] if schema[rule.column].kind is ColumnKind.DATETIME else 1.0
                bound = Bound(rule.base, False, rule.minimum, rule.maximum, scale)
                self.edges.append((rule.base, rule.column, bound))
            for column in rule.columns():
                named[column].append(rule)
        self.named = named
        _check_kinds(named, schema)
        self.sign = {c: 1.0 for c in named}
        self.ratio: set[str] = set()
        self._orient()
        for target, bounds in self.bounds.items():
            if len(bounds) > 1 and any(b.minimum is not None or b.maximum is not None for b in bounds):
                rules_here = "; ".join(str(r) for r in named[target])
                raise ConstraintError(
                    f"Column {target!r} is bounded by a difference rule and by other rules ({rules_here}): "
                    "datatwin holds a difference rule on a column bounded by nothing else; drop one."
                )
        self.kinds = {c: schema[c].kind for c in named}
        self.decimals = {c: schema[c].decimals for c in named}
        self.steps: dict[str, float] = {}
        self.orphans: list[str] = []

    def _orient(self) -> None:
        """Bounds and rebuilding order for the columns' signs (−1: rebuilt downwards)."""
        self.bounds = defaultdict(list)
        for low, high, bound in self.edges:
            if self.sign[high] > 0:
                self.bounds[high].append(bound)
            else:
                self.bounds[low].append(dataclasses.replace(bound, base=high))
        try:
            order = list(TopologicalSorter({t: [b.base for b in bs] for t, bs in self.bounds.items()}).static_order())
        except CycleError as exc:
            cycle = list(dict.fromkeys(exc.args[1]))
            involved = {str(r) for c in cycle for r in self.named_rules(c) if set(r.columns()) & set(cycle)}
            raise ConstraintError(
                f"Rules contradict each other: they put {cycle} in a circle ({'; '.join(sorted(involved))})."
            ) from None
        self.targets = [column for column in order if column in self.bounds]

    def named_rules(self, column: str) -> list[Rule]:
        return self.named.get(column, [])

    def _choose_forms(self, table: pd.DataFrame) -> None:
        """Per group of linked columns: by ratios when all are positive decimal numbers; rebuilt
        downwards when that spares the columns whose values sit most on a few frequent ones (a
        group with a difference rule goes upwards, by differences)."""
        groups = _groups([(a, b) for a, b, _ in self.edges])
        for group in groups:
            if any(b.minimum is not None or b.maximum is not None for a, c, b in self.edges if a in group):
                continue
            if all(self.kinds[c] is ColumnKind.NUMERIC and _positive(table[c]) for c in group):
                self.ratio |= group
            if group & self.given:
                continue
            up = {b for a, b, _ in self.edges if b in group}
            down = {a for a, b, _ in self.edges if a in group}
            if sum(_lattice(table[c]) for c in down) < sum(_lattice(table[c]) for c in up):
                for column in group:
                    self.sign[column] = -1.0
        self._orient()

    @staticmethod
    def gap_name(target: str) -> str:
        return f"{target} (gap)"

    @staticmethod
    def alone_name(target: str) -> str:
        return f"{target} (no lower bound)"

    def fit(self, table: pd.DataFrame, schema: Schema) -> list[ColumnSpec]:
        """Learn each gap's resolution and which targets need a column of their own; the
        specs of the gap columns (and those)."""
        self._choose_forms(table)
        specs = []
        for target in self.targets:
            self.steps[target] = _step(table, [target, *(b.base for b in self.bounds[target])], schema[target])
            base = self._base(table, target)
            gaps = self._gaps(table, target, base)
            spec = schema[target]
            low = self._lowest(target)
            high = self._highest(target)
            observed = np.nanmax(gaps) if np.isfinite(gaps).any() else low
            kind = ColumnKind.NUMERIC if spec.kind is ColumnKind.NUMERIC else ColumnKind.INTEGER
            decimals = spec.decimals if kind is ColumnKind.NUMERIC and target not in self.ratio else None
            maximum = float(min(max(observed, low), high))
            specs.append(
                ColumnSpec(self.gap_name(target), kind, minimum=_plain(low), maximum=_plain(maximum), decimals=decimals)
            )
            value = self._values(table, target)
            if (np.isnan(base) & ~np.isnan(value)).any():
                self.orphans.append(target)
                specs.append(dataclasses.replace(spec, name=self.alone_name(target)))
        return specs

    def forward(self, table: pd.DataFrame) -> dict[str, pd.Series]:
        """The gap columns (and lone values) of a working-form table."""
        out: dict[str, pd.Series] = {}
        for target in self.targets:
            base = self._base(table, target)
            gaps = np.clip(self._gaps(table, target, base), self._lowest(target), self._highest(target))
            out[self.gap_name(target)] = pd.Series(gaps)
            if target in self.orphans:
                out[self.alone_name(target)] = table[target].where(pd.Series(np.isnan(base)), None)
        return out

    def backward(self, table: pd.DataFrame, schema: Schema) -> pd.DataFrame:
        """Rebuild the targets (working form) from the gap columns of ``table``, in place."""
        for target in self.targets:
            base = self._base(table, target)
            step = self.steps[target]
            gaps = np.clip(_numbers(table.pop(self.gap_name(target))), self._lowest(target), self._highest(target))
            value = base + gaps * step
            if target in self.orphans:
                alone = self._forward(target, _numbers(table.pop(self.alone_name(target))))
                value = np.where(np.isnan(base), alone, value)
            spec = schema[target]
            low, high = (float(self._forward(target, np.array([b]))[0]) for b in _bounds(spec))
            low, high = (low, high) if self.sign[target] > 0 else (high, low)
            value = np.maximum(np.clip(value, low, high), base + self._lowest(target) * step)  # the order first
            held = self._held(target, self._inverse(target, value), self._inverse(target, base))
            table[target] = _as_kind(held, spec)
        return table

    def _values(self, table: pd.DataFrame, column: str) -> np.ndarray:
        """A column's numbers as its group is rebuilt: logarithms for ratios, negated downwards."""
        return self._forward(column, _numbers(table[column]))

    def _forward(self, column: str, values: np.ndarray) -> np.ndarray:
        if column in self.ratio:
            with np.errstate(divide="ignore", invalid="ignore"):
                values = np.log(values)
        return self.sign[column] * values

    def _inverse(self, column: str, values: np.ndarray) -> np.ndarray:
        values = self.sign[column] * values
        return np.exp(values) if column in self.ratio else values

    def _held(self, target: str, value: np.ndarray, base: np.ndarray) -> np.ndarray:
        """Rebuilt values with their order held to the column's last decimal (rounding a ratio's
        result cannot bring a strictly higher value down onto its base)."""
        if target not in self.ratio:
            return value
        least = self._least(target) if any(b.strict for b in self.bounds[target]) else 0.0
        if self.sign[target] > 0:
            return np.where(np.isnan(base), value, np.maximum(value, base + least))
        return np.where(np.isnan(base), value, np.minimum(value, base - least))

    def _base(self, table: pd.DataFrame, target: str) -> np.ndarray:
        values = np.column_stack([self._values(table, b.base) for b in self.bounds[target]])
        present = ~np.isnan(values)
        return np.where(present.any(axis=1), np.nanmax(np.where(present, values, -np.inf), axis=1), np.nan)

    def _gaps(self, table: pd.DataFrame, target: str, base: np.ndarray) -> np.ndarray:
        gaps = (self._values(table, target) - base) / self.steps[target]
        return gaps if self.kinds[target] is ColumnKind.NUMERIC else np.round(gaps)

    def _least(self, target: str) -> float:
        """The smallest gap above zero: one step (one unit, one of the datetime's resolution),
        or the last decimal a number keeps."""
        decimals = self.decimals.get(target)
        if self.kinds[target] is not ColumnKind.NUMERIC:
            return 1.0
        return 10.0**-decimals if decimals is not None else 1e-9

    def _least_gap(self, target: str) -> float:
        """The smallest gap above zero as the gap column holds it (a ratio's: a hair above 1)."""
        return 1e-12 if target in self.ratio else self._least(target)

    def _lowest(self, target: str) -> float:
        bound = self.bounds[target][0]
        if bound.minimum is not None:
            least = bound.minimum * bound.scale / self.steps[target]
            return least if self.kinds[target] is ColumnKind.NUMERIC else float(np.ceil(least - 1e-9))
        return self._least_gap(target) if any(b.strict for b in self.bounds[target]) else 0.0

    def _highest(self, target: str) -> float:
        bound = self.bounds[target][0]
        if bound.maximum is not None:
            most = bound.maximum * bound.scale / self.steps[target]
            return most if self.kinds[target] is ColumnKind.NUMERIC else float(np.floor(most + 1e-9))
        return np.inf

    def to_state(self) -> dict[str, Any]:
        return {
            "steps": self.steps,
            "orphans": self.orphans,
            "downwards": sorted(c for c, s in self.sign.items() if s < 0),
            "ratios": sorted(self.ratio),
        }

    def load_state(self, state: dict[str, Any]) -> None:
        self.steps = {k: float(v) for k, v in state["steps"].items()}
        self.orphans = list(state["orphans"])
        for column in state.get("downwards", []):
            self.sign[column] = -1.0
        self.ratio = set(state.get("ratios", []))
        self._orient()


def _groups(edges: list[tuple[str, str]]) -> list[set[str]]:
    """Columns linked by order rules, group by group."""
    groups: list[set[str]] = []
    for a, b in edges:
        touching = [g for g in groups if a in g or b in g]
        merged = set().union(*touching, {a, b})
        groups = [g for g in groups if g not in touching] + [merged]
    return groups


def _positive(values: pd.Series) -> bool:
    """Whether every present value is above zero (a ratio needs it)."""
    numbers = _numbers(values)
    present = numbers[~np.isnan(numbers)]
    return len(present) > 0 and bool((present > 0).all())


def _lattice(values: pd.Series) -> float:
    """Share of a column's values that are among its :data:`FREQUENT` most frequent ones."""
    present = values.dropna()
    if present.empty:
        return 0.0
    return float(present.value_counts().iloc[:FREQUENT].sum() / len(present))


def _check_kinds(named: dict[str, list[Rule]], schema: Schema) -> None:
    for rule in {r for rules in named.values() for r in rules}:
        kinds = {schema[c].kind for c in rule.columns()}
        wrong = [c for c in rule.columns() if schema[c].kind not in ORDERED_KINDS]
        if wrong:
            raise ConstraintError(
                f"Rule '{rule}': column(s) {wrong} are not numbers or datetimes, which an order needs."
            )
        if ColumnKind.DATETIME in kinds and len(kinds) > 1:
            raise ConstraintError(f"Rule '{rule}' compares datetimes with numbers: {list(rule.columns())}.")


def _step(table: pd.DataFrame, columns: list[str], spec: ColumnSpec) -> float:
    """The unit a target's gaps are counted in: its resolution, kept by its bounds too."""
    if spec.kind is not ColumnKind.DATETIME:
        return 1.0
    seconds = np.concatenate([_numbers(table[c]) for c in columns])
    seconds = seconds[~np.isnan(seconds)]
    for step in STEPS:
        if np.allclose(np.round(seconds / step), seconds / step, atol=1e-6, rtol=0):
            return step
    return 1e-6


def _bounds(spec: ColumnSpec) -> tuple[float, float]:
    """A column's bounds as numbers (datetimes: seconds), unbounded sides infinite."""

    def number(bound: Any, default: float) -> float:
        if bound is None:
            return default
        if spec.kind is ColumnKind.DATETIME:
            return pd.Timestamp(bound).tz_localize(None).value / 1e9
        return float(bound)

    return number(spec.minimum, -np.inf), number(spec.maximum, np.inf)


def _as_kind(value: np.ndarray, spec: ColumnSpec) -> pd.Series:
    if spec.kind is ColumnKind.DATETIME:
        micros = np.where(np.isnan(value), 0, np.round(value * 1e6)).astype(np.int64)
        stamps = pd.Series(pd.to_datetime(micros, unit="us"))
        stamps[np.isnan(value)] = pd.NaT
        return stamps
    if spec.kind is ColumnKind.INTEGER:
        return pd.Series(np.round(value))
    return pd.Series(value if spec.decimals is None else np.round(value, spec.decimals))


def _plain(value: float) -> float | int | None:
    if not np.isfinite(value):
        return None
    return int(value) if float(value).is_integer() else float(value)
