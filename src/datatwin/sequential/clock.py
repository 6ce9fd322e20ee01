"""Time between events and the calendar: what a sequence model learns about *when*.

An event's time is learnt as the gap since the entity's previous event (the first event's time,
the entity's start, belongs to the entity). Timestamps finer than a day, at irregular times,
split the gap in two: whole days since the previous event's date, and the time of day — so
"nobody pays at 3 am" is a distribution the model learns directly, not a fine detail of a gap.
Where timestamps span weeks or years, the day of week and the month are given to the model too
(weekends, seasons): those of the previous event, which the gap drawn with the step's values
carries on — one draw per step, time and values together. On a regular grid (a constant gap:
hourly readings) time needs no learning and the step's own calendar (with the hour) is given.
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
    """

    timestamps: bool
    step: float | None
    parts: tuple[str, ...]
    split: bool = False

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
        return cls(timestamps, step, tuple(parts), split)

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
                DAYS: np.floor(time / DAY) - np.floor(previous / DAY),
                TIME_OF_DAY: time - np.floor(time / DAY) * DAY,
            }
        return {GAP: time - previous}

    def advance(self, previous: np.ndarray, drawn: dict[str, np.ndarray]) -> np.ndarray:
        """Times of the next events after ``previous`` from their drawn time columns (never
        earlier than the previous event)."""
        if self.split:
            time = (np.floor(previous / DAY) + np.round(drawn[DAYS])) * DAY + drawn[TIME_OF_DAY]
        else:
            time = previous + drawn[GAP]
        return np.maximum(time, previous)

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
        return {"timestamps": self.timestamps, "step": self.step, "parts": list(self.parts), "split": self.split}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Clock:
        """Inverse of :meth:`to_dict`."""
        step = data["step"]
        return cls(
            bool(data["timestamps"]), None if step is None else float(step), tuple(data["parts"]), bool(data["split"])
        )


def _name(part: str) -> str:
    return f"__{part}__"


def _hours(time: np.ndarray) -> np.ndarray:
    return (np.floor(time / 3600.0).astype(np.int64) % 24).astype(np.int64)
