"""Time between events and the calendar: what a sequence model learns about *when*.

An event's time is learnt as the gap since the entity's previous event (the first event's time,
the entity's start, belongs to the entity). Timestamps finer than a day, at irregular times,
split the gap in two: whole days since the previous event's date, and the time of day — so
"nobody pays at 3 am" is a distribution the model learns directly, not a fine detail of a gap.
Where timestamps span weeks or years, the day of week and the month are given to the model too
(weekends, seasons): those of the previous event, which the gap drawn with the step's values
carries on — one draw per step, time and values together. On a regular grid (a constant gap:
hourly readings) time needs no learning and the step's own calendar (with the hour) is given.

Where events come in bursts — whole weeks without a single event between busy periods, far
more than chance allows (a rental shop's data covering a few months of a year) — split gaps
count only the *active* days, those on which any event happened: a customer who rents again
"three days later" at the end of one period does so three active days later, at the start of
the next, instead of in the empty weeks between (time rescaled by where events happen at all;
beyond the last real day every day counts).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from datatwin.encoded import EncodedColumn

DAY, WEEK, YEAR = 86_400.0, 7 * 86_400.0, 365 * 86_400.0
PARTS: dict[str, int] = {"hour": 24, "weekday": 7, "month": 12}
"""Calendar parts and their number of values."""
GAP = "__gap__"
"""The encoded column of the time since the previous event."""
DAYS, TIME_OF_DAY = "__days__", "__time_of_day__"
"""Whole days since the previous event's date, and seconds since midnight (split gaps)."""
MIN_EMPTY_DAYS = 7
"""Empty days in the span from which events may come in bursts..."""
EMPTY_SHARE = 0.1
"""...when they are also this share of the span..."""
BEYOND_CHANCE = 3.0
"""...and this many times the empty days expected were events spread evenly."""
SINCE = "__since__"
"""The time of the entity's previous event (its start for the first): where in history a step
falls — a panel's years share their shocks, a series its trend."""


@dataclass(frozen=True)
class Clock:
    """How a sequence's times are learnt.

    Attributes
    ----------
    timestamps
        Whether the order column holds timestamps (else step numbers).
    step
        The gap when every gap is the same (a regular grid), else ``None``.
    parts
        Calendar parts given to the model (timestamps only).
    split
        Whether gaps are learnt as whole days plus the time of day.
    active
        For events in bursts, the days (since 1970) on which any event happened, which split
        gaps count (see the module docstring); ``None``: every day counts.
    """

    timestamps: bool
    step: float | None
    parts: tuple[str, ...]
    split: bool = False
    active: tuple[int, ...] | None = None

    @classmethod
    def learn(cls, time: np.ndarray, first: np.ndarray, *, timestamps: bool) -> Clock:
        """From the events' times (seconds since 1970 for timestamps) and a mask of each
        entity's first event."""
        gaps = np.diff(time)[~first[1:]]
        step = float(gaps[0]) if len(gaps) and np.all(gaps == gaps[0]) else None
        parts: list[str] = []
        split = False
        if timestamps and len(time):
            span = float(time.max() - time.min())
            finest = float(np.min(gaps[gaps > 0])) if np.any(gaps > 0) else span
            hourly = finest < DAY and len(np.unique(_hours(time))) > 1
            split = step is None and hourly and span >= 2 * DAY
            if hourly and not split:
                parts.append("hour")
            if finest <= DAY and span >= 2 * WEEK:
                parts.append("weekday")
            if span >= YEAR:
                parts.append("month")
        return cls(timestamps, step, tuple(parts), split, _bursts(time) if split else None)

    @property
    def regular(self) -> bool:
        """Whether every gap is the same (nothing about time to draw)."""
        return self.step is not None

    def drawn(self) -> list[EncodedColumn]:
        """The encoded columns of time a step draws (with its values): the gap, or days and
        time of day; nothing on a regular grid."""
        if self.regular:
            return []
        if self.split:
            return [EncodedColumn(DAYS, "continuous"), EncodedColumn(TIME_OF_DAY, "continuous")]
        return [EncodedColumn(GAP, "continuous")]

    def calendar_columns(self) -> list[EncodedColumn]:
        """The calendar parts given to each step: of the step itself on a regular grid (known
        before it is drawn), else of the previous event (the gap drawn with the step's values
        carries it on)."""
        return [EncodedColumn(_name(p), "discrete", PARTS[p]) for p in self.parts]

    def since(self, time: np.ndarray, first: np.ndarray) -> np.ndarray:
        """Each event's :data:`SINCE`: the previous event's time (``first`` marks each entity's first)."""
        previous = np.concatenate([time[:1], time[:-1]])
        previous[first] = time[first]
        return previous

    def values(self, time: np.ndarray, first: np.ndarray) -> dict[str, np.ndarray]:
        """The drawn time columns of real events (``first`` marks each entity's first)."""
        if self.regular:
            return {}
        return self.given(time, self.since(time, first))

    def given(self, time: np.ndarray, previous: np.ndarray) -> dict[str, np.ndarray]:
        """The drawn time columns of events at ``time`` after events at ``previous`` (the same
        time for a first event)."""
        if self.regular:
            return {}
        if self.split:
            return {
                DAYS: self._rank(np.floor(time / DAY)) - self._rank(np.floor(previous / DAY)),
                TIME_OF_DAY: time - np.floor(time / DAY) * DAY,
            }
        return {GAP: time - previous}

    def advance(self, previous: np.ndarray, drawn: dict[str, np.ndarray]) -> np.ndarray:
        """Times of the next events after ``previous`` from their drawn time columns (never
        earlier than the previous event)."""
        return np.maximum(self._next(previous, drawn), previous)

    def backwards(self, previous: np.ndarray, drawn: dict[str, np.ndarray]) -> np.ndarray:
        """Where the drawn time columns put the next event before ``previous`` (the same day,
        at an earlier time of day)."""
        return self._next(previous, drawn) < previous

    def _next(self, previous: np.ndarray, drawn: dict[str, np.ndarray]) -> np.ndarray:
        if self.split:
            day = self._day(self._rank(np.floor(previous / DAY)) + np.round(drawn[DAYS]))
            return day * DAY + drawn[TIME_OF_DAY]
        return previous + drawn[GAP]

    def _rank(self, day: np.ndarray) -> np.ndarray:
        """Days (since 1970) as counts of the days that count (all of them, or the active)."""
        if self.active is None:
            return day
        active = np.asarray(self.active, dtype=np.float64)
        first, last, n = active[0], active[-1], len(active)
        inside = np.searchsorted(active, day, side="right").astype(np.float64)
        return np.where(day > last, n + (day - last), np.where(day < first, day - first + 1, inside))

    def _day(self, rank: np.ndarray) -> np.ndarray:
        """Inverse of :meth:`_rank` for whole counts."""
        if self.active is None:
            return rank
        active = np.asarray(self.active, dtype=np.float64)
        first, last, n = active[0], active[-1], len(active)
        inside = active[np.clip(rank, 1, n).astype(np.int64) - 1]
        return np.where(rank > n, last + (rank - n), np.where(rank < 1, first + rank - 1, inside))

    def calendar(self, time: np.ndarray) -> dict[str, np.ndarray]:
        """Each calendar part of ``time`` (seconds since 1970), as codes."""
        out = {}
        for part in self.parts:
            if part == "hour":
                out[_name(part)] = _hours(time)
            elif part == "weekday":  # 1970-01-01 was a Thursday (Monday = 0)
                out[_name(part)] = (np.floor(time / DAY).astype(np.int64) + 3) % 7
            else:
                out[_name(part)] = pd.to_datetime(np.round(time * 1e6).astype(np.int64), unit="us").month.to_numpy() - 1
        return {k: np.asarray(v, dtype=np.int64) for k, v in out.items()}

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form."""
        active = None if self.active is None else list(self.active)
        return {
            "timestamps": self.timestamps,
            "step": self.step,
            "parts": list(self.parts),
            "split": self.split,
            "active": active,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Clock:
        """Inverse of :meth:`to_dict`."""
        step = data["step"]
        active = data.get("active")
        return cls(
            bool(data["timestamps"]),
            None if step is None else float(step),
            tuple(data["parts"]),
            bool(data["split"]),
            None if active is None else tuple(int(d) for d in active),
        )


def _bursts(time: np.ndarray) -> tuple[int, ...] | None:
    """The active days of events in bursts (see the module docstring), else ``None``."""
    days = np.unique(np.floor(time / DAY).astype(np.int64))
    span = int(days[-1] - days[0] + 1) if len(days) else 0
    empty = span - len(days)
    expected = span * np.exp(-len(time) / max(span, 1))  # empty days were events spread evenly
    if empty < max(MIN_EMPTY_DAYS, EMPTY_SHARE * span) or empty < BEYOND_CHANCE * expected:
        return None
    return tuple(int(d) for d in days)


def _name(part: str) -> str:
    return f"__{part}__"


def _hours(time: np.ndarray) -> np.ndarray:
    return (np.floor(time / 3600.0).astype(np.int64) % 24).astype(np.int64)
