"""What a step of a sequence is given about the entity's past: lags, changes, running means,
the same time a season ago, and its place in the sequence.

The same code builds these features from real sequences while learning and from drawn ones
while sampling (one step of every entity at a time), so the model is given at sampling exactly
what it was given in training. Features are kept in encoded form:

- ``__lag{k}__<column>``: the column ``k`` steps back (``k`` = 1..3; null flags 1 only);
- smooth numbers (lag-1 autocorrelation at least :data:`SMOOTH`) are learnt as *changes* from
  a last observed level, which the lags then hold, with ``__change__<column>`` the last
  change: a level drawn from bins would jitter by half a bin every step, a change does not.
  Positive numbers change by ratios (log differences: a price moves by percents, whatever its
  level). Numbers that move together at one scale (a day's open, high, low and close) change
  from one *anchor*'s last level, the one whose previous value predicts them best: each learnt
  from its own level, they would drift apart over a long horizon;
- ``__mean__<column>``: a running mean of every number (exponential after the first
  ``1 / MEAN_RATE`` steps): the long memory lags lack;
- ``__season__<column>``: the value one period ago (a day of hourly readings, a week of daily
  ones) on a regular grid;
- in long series, smooth numbers that keep returning to a normal level change from a forecast
  drawn towards it (:mod:`datatwin.sequential.normal`), not from their last level;
- ``__position__`` and ``__remaining__``: steps since the start and steps to the end, in
  event sequences whose lengths the entity drew.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from datatwin.encoded import EncodedColumn
from datatwin.sequential.normal import Normal

LAGS = 3
"""Steps back given as lags."""
SMOOTH = 0.8
"""Lag-1 autocorrelation from which a number is learnt as changes of its level: a change then
spreads at most 0.63 times as much as the level (``√(2(1 − ρ))``); below, levels drawn from
bins are as good, and a level cannot creep along a floor (wind speeds at 0 m/s) as summed
changes clipped there do."""
MEAN_RATE = 0.05
"""Weight of the newest value in the running mean, once the plain mean's weight drops below it."""
POSITION, REMAINING = "__position__", "__remaining__"


@dataclass(frozen=True)
class HistorySpec:
    """Which history features a sequence model is given.

    Attributes
    ----------
    targets
        The encoded columns each step draws.
    deltas
        Continuous targets learnt as changes of their level.
    fills
        Per target, the value its lags hold before the sequence starts.
    bounds
        Per delta column, the levels seen (drawn levels are kept inside).
    period
        Steps back of the seasonal lag (``None``: no seasonal lag).
    positional
        Whether steps since the start and to the end are given.
    logs
        Delta columns whose changes are ratios (log differences).
    anchors
        Delta columns changing from another one's last level, with that one.
    normals
        Delta columns drawn towards a normal level, with it.
    """

    targets: tuple[EncodedColumn, ...]
    deltas: tuple[str, ...]
    fills: dict[str, float]
    bounds: dict[str, tuple[float, float]]
    period: int | None
    positional: bool
    logs: tuple[str, ...] = ()
    anchors: dict[str, str] | None = None
    normals: dict[str, Normal] | None = None

    def anchor(self, column: str) -> str:
        """The delta column whose last level ``column`` changes from."""
        return (self.anchors or {}).get(column, column)

    @property
    def numbers(self) -> list[str]:
        """Continuous targets (running means, seasonal lags)."""
        return [c.name for c in self.targets if c.kind == "continuous"]

    def lags_of(self, name: str) -> int:
        """Lags given of target ``name``."""
        return 1 if name.endswith("::null") else LAGS

    def columns(self) -> list[EncodedColumn]:
        """The context columns the features fill, in order."""
        out = []
        for c in self.targets:
            kind = EncodedColumn(c.name, c.kind, c.cardinality)
            for k in range(1, self.lags_of(c.name) + 1):
                out.append(EncodedColumn(f"__lag{k}__{c.name}", kind.kind, kind.cardinality))
        out += [EncodedColumn(f"__change__{c}", "continuous") for c in self.deltas]
        out += [EncodedColumn(f"__mean__{c}", "continuous") for c in self.numbers]
        if self.period:
            out += [EncodedColumn(f"__season__{c}", "continuous") for c in self.numbers]
        if self.positional:
            out += [EncodedColumn(POSITION, "continuous"), EncodedColumn(REMAINING, "continuous")]
        return out

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form."""
        return {
            "targets": [c.to_dict() for c in self.targets],
            "deltas": list(self.deltas),
            "fills": self.fills,
            "bounds": {k: list(v) for k, v in self.bounds.items()},
            "period": self.period,
            "positional": self.positional,
            "logs": list(self.logs),
            "anchors": dict(self.anchors or {}),
            "normals": {k: v.to_dict() for k, v in (self.normals or {}).items()},
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> HistorySpec:
        """Inverse of :meth:`to_dict`."""
        return cls(
            tuple(EncodedColumn.from_dict(c) for c in data["targets"]),
            tuple(data["deltas"]),
            {k: float(v) for k, v in data["fills"].items()},
            {k: (float(v[0]), float(v[1])) for k, v in data["bounds"].items()},
            None if data["period"] is None else int(data["period"]),
            bool(data["positional"]),
            tuple(data["logs"]),
            dict(data["anchors"]),
            {k: Normal.from_dict(v) for k, v in data.get("normals", {}).items()},
        )


def smooth_columns(values: dict[str, np.ndarray], first: np.ndarray, candidates: list[str]) -> tuple[str, ...]:
    """The ``candidates`` whose lag-1 autocorrelation within sequences (observed pairs) is at
    least :data:`SMOOTH` (``first`` marks each sequence's first row)."""
    out = []
    for name in candidates:
        a, b = _pairs(values, first, name, name)
        if len(a) > 10 and a.std() > 0 and b.std() > 0 and np.corrcoef(a, b)[0, 1] >= SMOOTH:
            out.append(name)
    return tuple(out)


def positive_columns(values: dict[str, np.ndarray], columns: tuple[str, ...]) -> tuple[str, ...]:
    """The ``columns`` whose observed values are all positive (learnt by ratios)."""
    return tuple(c for c in columns if np.all(values[c][observed(values, c)] > 0))


def anchors_of(
    values: dict[str, np.ndarray], first: np.ndarray, deltas: tuple[str, ...], logs: tuple[str, ...]
) -> dict[str, str]:
    """Groups of delta columns that move together at one scale (levels correlated at least
    :data:`TOGETHER`, typical ratio within :data:`SAME_SCALE` of 1, same kind of change), each
    mapped to its group's anchor: the member whose previous value best predicts the others."""
    anchors: dict[str, str] = {}
    left = list(deltas)
    while left:
        head = left.pop(0)
        group = [head] + [c for c in left if _together(values, head, c) and (c in logs) == (head in logs)]
        left = [c for c in left if c not in group]
        if len(group) < 2:
            continue
        scores = {a: float(np.mean([_lag_correlation(values, first, a, c) for c in group])) for a in group}
        best = max(group, key=scores.__getitem__)
        anchors.update({c: best for c in group})
    return anchors


TOGETHER = 0.99
"""Correlation of two numbers' levels from which they may share an anchor."""
SAME_SCALE = 0.2
"""Largest median relative difference of two numbers sharing an anchor."""


def _together(values: dict[str, np.ndarray], a: str, b: str) -> bool:
    both = observed(values, a) & observed(values, b)
    x, y = values[a][both], values[b][both]
    if len(x) < 10 or x.std() == 0 or y.std() == 0 or np.corrcoef(x, y)[0, 1] < TOGETHER:
        return False
    scale = np.maximum(np.abs(x), np.abs(y))
    relative = np.abs(x - y)[scale > 0] / scale[scale > 0]
    return bool(len(relative)) and float(np.median(relative)) <= SAME_SCALE


def _lag_correlation(values: dict[str, np.ndarray], first: np.ndarray, before: str, after: str) -> float:
    a, b = _pairs(values, first, before, after)
    if len(a) < 10 or a.std() == 0 or b.std() == 0:
        return -1.0
    return float(np.corrcoef(a, b)[0, 1])


def _pairs(values: dict[str, np.ndarray], first: np.ndarray, before: str, after: str) -> tuple[np.ndarray, np.ndarray]:
    """Observed (previous ``before``, current ``after``) pairs within sequences."""
    ok = ~first[1:] & observed(values, before)[:-1] & observed(values, after)[1:]
    return values[before][:-1][ok], values[after][1:][ok]


def observed(values: dict[str, np.ndarray], name: str) -> np.ndarray:
    """Where encoded column ``name`` holds a value (its column's null flag, in ``values`` when the
    column has missing cells, is 0), in ``values[name]``'s shape."""
    null = values.get(name.rsplit("::", 1)[0] + "::null")
    return np.ones(np.shape(values[name]), dtype=bool) if null is None else null == 0


def scaled(values: np.ndarray, *, log: bool) -> np.ndarray:
    """Levels in the scale their changes are learnt in: logs for ratios, else as they are."""
    return np.log(np.maximum(values, 1e-300)) if log else values


def active_steps(lengths: np.ndarray) -> Iterator[tuple[int, np.ndarray]]:
    """Each step of sequences of ``lengths``, with the entities that have it (longest first)."""
    by_length = np.argsort(-lengths, kind="stable")
    descending = -lengths[by_length]
    for step in range(int(lengths.max(initial=0))):
        yield step, by_length[: np.searchsorted(descending, -step, side="left")]


class History:
    """The running history of a set of entities' sequences.

    Parameters
    ----------
    spec
        The features to give.
    lengths
        Each entity's number of steps (for the positional features).
    first_levels
        Per delta column, each entity's first observed level (before its first step).
    entity
        Each entity's number among those the normals were learnt for (series twins).
    """

    def __init__(
        self,
        spec: HistorySpec,
        lengths: np.ndarray,
        first_levels: dict[str, np.ndarray],
        entity: np.ndarray | None = None,
    ) -> None:
        self.spec, self.lengths = spec, lengths
        self.entity = np.zeros(len(lengths), dtype=np.int64) if entity is None else entity
        entities = len(lengths)
        self.depth = max(LAGS, spec.period or 0)
        self.recent = {
            c.name: np.full((entities, self.depth), spec.fills[c.name], dtype=np.float64) for c in spec.targets
        }
        self.level = {c: _clipped(first_levels[c], spec.bounds[c]) for c in spec.deltas}
        self.change = {c: np.zeros(entities) for c in spec.deltas}
        self.mean = {c: np.full(entities, spec.fills[c]) for c in spec.numbers}
        for c in spec.deltas:
            self.mean[c] = self.level[c].copy()
        self.seen = {c: np.zeros(entities) for c in spec.numbers}
        self.kinds = {c.name: c.kind for c in spec.targets}
        self.normal = {c: np.full(entities, np.nan) for c in spec.normals or {}}

    def context(self, who: np.ndarray, step: int) -> dict[str, np.ndarray]:
        """The features of entities ``who`` at step ``step`` (every one of them at that step)."""
        spec, out = self.spec, dict[str, np.ndarray]()
        for target in spec.targets:
            for k in range(1, spec.lags_of(target.name) + 1):
                out[f"__lag{k}__{target.name}"] = self._back(target.name, who, step, k)
        for name in spec.deltas:
            out[f"__change__{name}"] = self.change[name][who]
        for name in spec.numbers:
            out[f"__mean__{name}"] = self.mean[name][who]
        if spec.period:
            for name in spec.numbers:
                out[f"__season__{name}"] = self._back(name, who, step, spec.period)
        if spec.positional:
            out[POSITION] = np.full(len(who), float(step))
            out[REMAINING] = (self.lengths[who] - step - 1).astype(np.float64)
        return out

    def _back(self, name: str, who: np.ndarray, step: int, k: int) -> np.ndarray:
        if step - k < 0:
            values = np.full(len(who), self.spec.fills[name])
        else:
            values = self.recent[name][who, (step - k) % self.depth]
        return values.astype(np.int64) if self.kinds[name] == "discrete" else values

    def normals(self, who: np.ndarray, calendar: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """The normal levels of entities ``who`` at this step (``calendar``: its codes)."""
        return {c: normal.at(self.entity[who], calendar) for c, normal in (self.spec.normals or {}).items()}

    def changes(
        self, who: np.ndarray, values: dict[str, np.ndarray], normal: dict[str, np.ndarray]
    ) -> dict[str, np.ndarray]:
        """Real step values with each delta column turned into its change since its last
        observed level or forecast (0 where the value is missing); ``normal`` from
        :meth:`normals`."""
        out = dict(values)
        for c in self.spec.deltas:
            change = self._scaled(c, values[c]) - self._base(c, who, normal)
            out[c] = np.where(observed(values, c), change, 0.0)
        return out

    def levels(
        self, who: np.ndarray, drawn: dict[str, np.ndarray], normal: dict[str, np.ndarray]
    ) -> dict[str, np.ndarray]:
        """Drawn step values with each delta column's change added to its last level or
        forecast (kept inside the levels seen)."""
        out = dict(drawn)
        for c in self.spec.deltas:
            scaled = self._base(c, who, normal) + drawn[c]
            out[c] = _clipped(np.exp(scaled) if c in self.spec.logs else scaled, self.spec.bounds[c])
        return out

    def _base(self, column: str, who: np.ndarray, normal: dict[str, np.ndarray]) -> np.ndarray:
        """What ``column``'s change is from: its anchor's last level, or the forecast towards
        its normal level."""
        last = self._scaled(column, self.level[self.spec.anchor(column)][who])
        if column not in normal:
            return last
        now = normal[column]
        before = self.normal[column][who]
        before = np.where(np.isnan(before), now, before)
        return now + (self.spec.normals or {})[column].persistence * (last - before)

    def _scaled(self, column: str, values: np.ndarray) -> np.ndarray:
        return scaled(values, log=column in self.spec.logs)

    def push(self, who: np.ndarray, step: int, values: dict[str, np.ndarray], normal: dict[str, np.ndarray]) -> None:
        """Record step ``step`` of entities ``who`` (delta columns as levels; ``normal`` from
        :meth:`normals`)."""
        for c, now in normal.items():
            self.normal[c][who] = now
        before = {c: self.level[c][who] for c in self.spec.deltas}
        for c in self.spec.deltas:
            new = np.where(observed(values, c), values[c], before[c])
            anchor = before[self.spec.anchor(c)]
            self.change[c][who] = self._scaled(c, new) - self._scaled(c, anchor)
            self.level[c][who] = new
        for name, ring in self.recent.items():
            ring[who, step % self.depth] = self.level[name][who] if name in self.level else values[name]
        for c in self.spec.numbers:
            present = observed(values, c)
            seen = self.seen[c][who] + present
            rate = np.maximum(MEAN_RATE, 1.0 / np.maximum(seen, 1.0))
            value = self.level[c][who] if c in self.level else values[c]
            mean = self.mean[c][who]
            self.mean[c][who] = np.where(present, mean + rate * (value - mean), mean)
            self.seen[c][who] = seen


def _clipped(values: np.ndarray, bounds: tuple[float, float]) -> np.ndarray:
    return np.clip(np.asarray(values, dtype=np.float64), bounds[0], bounds[1])
