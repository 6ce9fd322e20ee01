"""Where a long series' smooth numbers return to: each one's *normal* level and how fast a
departure from it fades.

A smooth number is learnt as changes of its level (:mod:`datatwin.sequential.history`). Summed
over thousands of steps, the model's small errors in those changes make a random walk: a year of
hourly temperatures drawn that way wanders off by degrees, pollution levels spread to their
bounds. Where a number keeps returning to a normal level — an entity's own level plus an effect of
the hour of day, the weekday and the month — its change is learnt from a *forecast* instead of
from its last level: the normal level now plus the last departure from normal, shrunk by the
number's persistence ``φ`` (``x̂ₜ = nₜ + φ·(xₜ₋₁ − nₜ₋₁)``). An error in the drawn changes then
moves a series by at most about that error over ``1 − φ`` instead of without limit. Numbers
whose departures last beyond :data:`FADES_WITHIN` of the series (a share price, a trend) keep
plain changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

FADES_WITHIN = 0.02
"""Largest mean lifetime of a departure from normal (``1 / (1 − φ)`` steps), as a share of the
longest series, for a number to be drawn towards its normal level."""
ROUNDS = 3
"""Rounds of fitting the entity levels and the calendar effects in turn."""
CODES = 24
"""Room for every calendar part's codes (the hour's 24 the most)."""


@dataclass(frozen=True)
class Normal:
    """One number's normal level (in the scale its changes are learnt in) and persistence.

    Attributes
    ----------
    persistence
        ``φ``: the share of a departure from normal left after one step.
    levels
        Each entity's own level.
    effects
        Per calendar column (hour, weekday, month codes), the effect of each code.
    """

    persistence: float
    levels: tuple[float, ...]
    effects: dict[str, tuple[float, ...]]

    def at(self, entity: np.ndarray, calendar: dict[str, np.ndarray]) -> np.ndarray:
        """The normal level of entities ``entity`` (numbers) at calendar codes ``calendar``."""
        out = np.asarray(self.levels)[entity].astype(np.float64)
        for part, effect in self.effects.items():
            out = out + np.asarray(effect)[calendar[part]]
        return out

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form."""
        return {
            "persistence": self.persistence,
            "levels": list(self.levels),
            "effects": {k: list(v) for k, v in self.effects.items()},
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Normal:
        """Inverse of :meth:`to_dict`."""
        effects = {k: tuple(float(x) for x in v) for k, v in data["effects"].items()}
        return cls(float(data["persistence"]), tuple(float(x) for x in data["levels"]), effects)


def learn_normals(
    scaled: dict[str, np.ndarray],
    observed: dict[str, np.ndarray],
    first: np.ndarray,
    entity_of: np.ndarray,
    calendar: dict[str, np.ndarray],
    longest: int,
) -> dict[str, Normal]:
    """The normals of the numbers in ``scaled`` (values in the scale their changes are learnt in,
    ``observed`` marking where they hold one) whose departures fade within
    :data:`FADES_WITHIN` of ``longest`` steps; ``first`` marks each entity's first row,
    ``entity_of`` each row's entity and ``calendar`` each row's calendar codes."""
    entities = int(entity_of.max(initial=-1)) + 1
    out = {}
    for column, values in scaled.items():
        seen = observed[column]
        if seen.sum() < 10:
            continue
        levels, effects = _fit(values[seen], entity_of[seen], {k: v[seen] for k, v in calendar.items()}, entities)
        normal = Normal(1.0, tuple(levels), {k: tuple(v) for k, v in effects.items()})
        departure = values - normal.at(entity_of, calendar)
        phi = _persistence(departure, seen, first)
        if phi is not None and 1.0 / (1.0 - phi) <= FADES_WITHIN * longest:
            out[column] = Normal(phi, normal.levels, normal.effects)
    return out


def _fit(
    values: np.ndarray, entity: np.ndarray, calendar: dict[str, np.ndarray], entities: int
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Entity levels and calendar effects (each part's effects averaging zero over its rows)."""
    effects = {part: np.zeros(CODES) for part in calendar}
    levels = np.zeros(entities)
    for _ in range(ROUNDS):
        levels = _means(values - _summed(effects, calendar, len(values)), entity, entities)
        for part, codes in calendar.items():
            rest = values - levels[entity] - _summed(effects, calendar, len(values), without=part)
            effects[part] = _means(rest, codes, CODES)
    return levels, effects


def _summed(
    effects: dict[str, np.ndarray], calendar: dict[str, np.ndarray], n: int, without: str | None = None
) -> np.ndarray:
    out = np.zeros(n)
    for part, codes in calendar.items():
        if part != without:
            out += effects[part][codes]
    return out


def _means(values: np.ndarray, groups: np.ndarray, size: int) -> np.ndarray:
    """Mean of ``values`` per group (0 for groups without rows)."""
    counts = np.bincount(groups, minlength=size)
    sums = np.bincount(groups, weights=values, minlength=size)
    return np.divide(sums, counts, out=np.zeros(size), where=counts > 0)


def _persistence(departure: np.ndarray, seen: np.ndarray, first: np.ndarray) -> float | None:
    """Least-squares ``φ`` of each departure on the one before (within entities, both observed),
    or ``None`` when departures do not fade (``φ`` not below 1)."""
    pairs = ~first[1:] & seen[:-1] & seen[1:]
    before, after = departure[:-1][pairs], departure[1:][pairs]
    denominator = float(before @ before)
    if len(before) < 10 or denominator <= 0:
        return None
    phi = float(before @ after) / denominator
    return phi if 0.0 <= phi < 1.0 else None
