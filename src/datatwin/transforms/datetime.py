"""Dates and timestamps: seconds since 1970 plus a null flag, decoded to the source's format.

The finest unit the data uses (day, hour, minute, second, millisecond or microsecond) is learnt
and decoded values are rounded to it, so dates stay dates. String columns are written back
with their ``strftime`` format; datetime columns keep their dtype and time zone.
"""

from __future__ import annotations

from typing import ClassVar, Self

import numpy as np
import pandas as pd

from datatwin.errors import ConfigError
from datatwin.schema import ColumnKind, ColumnSpec
from datatwin.schema.detect import FORMAT_SEPARATOR
from datatwin.transforms.base import ContinuousTransform, NullFlag, TransformState, require_fitted

_UNITS_SECONDS = (86_400.0, 3_600.0, 60.0, 1.0, 1e-3, 1e-6)


class DatetimeTransform(ContinuousTransform):
    """Datetime columns."""

    kinds: ClassVar[tuple[ColumnKind, ...]] = (ColumnKind.DATETIME,)

    def __init__(self, spec: ColumnSpec) -> None:
        self.spec = spec
        self._value = f"{spec.name}::seconds"
        self._null = NullFlag(spec.name)
        self.has_nulls_: bool | None = None
        self.unit_seconds_: float | None = None
        self.bounds_: tuple[float, float] | None = None
        self.format_shares_: list[float] = []

    def fit(self, values: pd.Series, *, rng: np.random.Generator) -> Self:
        """Learn the time unit, the bounds (unless declared) and whether cells are missing."""
        seconds = self.to_numbers(values)
        observed = seconds[~np.isnan(seconds)]
        self.has_nulls_ = bool(np.isnan(seconds).any())
        self.unit_seconds_ = next(
            (u for u in _UNITS_SECONDS if np.allclose(np.round(observed / u) * u, observed, rtol=0, atol=1e-7)),
            _UNITS_SECONDS[-1],
        )
        lo = _declared_seconds(self.spec.minimum, observed.min() if len(observed) else 0.0)
        hi = _declared_seconds(self.spec.maximum, observed.max() if len(observed) else 0.0)
        self.bounds_ = (lo, hi)
        formats = (self.spec.format or "").split(FORMAT_SEPARATOR)
        if len(formats) > 1:  # shares seen by inference, else equal
            self.format_shares_ = list(self.spec.stats.get("format_shares") or [1.0 / len(formats)] * len(formats))
        return self

    def to_numbers(self, values: pd.Series) -> np.ndarray:
        """Seconds since 1970 (UTC), NaN where missing."""
        return seconds_since_1970(values)

    def to_number(self, value: object) -> float:
        """Seconds since 1970 of a wanted date or time (in the column's format or ISO 8601)."""
        try:
            stamp = (
                pd.to_datetime(value, format=self.spec.format) if isinstance(value, str) and self.spec.format else value
            )
            return _declared_seconds(pd.Timestamp(stamp).isoformat(), 0.0)
        except (TypeError, ValueError):
            try:
                return _declared_seconds(pd.Timestamp(value).isoformat(), 0.0)
            except (TypeError, ValueError):
                raise ConfigError(f"Column {self.spec.name!r} holds dates; {value!r} is not one.") from None

    def rounding_step(self) -> float:
        """The learnt time unit."""
        require_fitted(self, "unit_seconds_")
        assert self.unit_seconds_ is not None
        return float(self.unit_seconds_)

    def decode(self, encoded: dict[str, np.ndarray], n: int, *, rng: np.random.Generator) -> pd.Series:
        """Round to the learnt unit, clip to the bounds, format."""
        require_fitted(self, "unit_seconds_")
        assert self.unit_seconds_ is not None and self.bounds_ is not None
        unit = self.unit_seconds_
        seconds = np.clip(np.round(encoded[self._value] / unit) * unit, *self.bounds_)
        micros = np.round(seconds * 1e6).astype(np.int64)
        stamps = pd.Series(pd.to_datetime(micros, unit="us"))
        stamps[self._null.missing(encoded, n)] = pd.NaT
        if self.spec.timezone:
            stamps = stamps.dt.tz_localize("UTC").dt.tz_convert(self.spec.timezone)
        if self.spec.format is None:
            return stamps
        formats = self.spec.format.split(FORMAT_SEPARATOR)
        text = stamps.dt.strftime(formats[0]).astype(object)
        if len(formats) > 1:  # a column mixing formats: each value in one, in the source's proportions
            shares = np.asarray(self.format_shares_, dtype=np.float64)
            picks = rng.choice(len(formats), size=n, p=shares / shares.sum())
            for i, fmt in enumerate(formats[1:], start=1):
                text[picks == i] = stamps[picks == i].dt.strftime(fmt).astype(object)
        return text.where(stamps.notna(), None)

    def to_state(self) -> TransformState:
        """Unit, bounds and null flag."""
        require_fitted(self, "bounds_")
        assert self.bounds_ is not None
        config = {
            "has_nulls": self.has_nulls_,
            "unit_seconds": self.unit_seconds_,
            "bounds": list(self.bounds_),
            "format_shares": self.format_shares_,
        }
        return config, {}

    @classmethod
    def from_state(cls, spec: ColumnSpec, state: TransformState) -> Self:
        """Rebuild a fitted transform."""
        config, _ = state
        transform = cls(spec)
        transform.has_nulls_ = bool(config["has_nulls"])
        transform.unit_seconds_ = float(config["unit_seconds"])
        transform.bounds_ = (float(config["bounds"][0]), float(config["bounds"][1]))
        transform.format_shares_ = [float(s) for s in config["format_shares"]]
        return transform


def seconds_since_1970(values: pd.Series) -> np.ndarray:
    """Timestamps (or text pandas reads as such) as seconds since 1970 (UTC), NaN where missing."""
    stamps = pd.to_datetime(values)
    if getattr(stamps.dt, "tz", None) is not None:
        stamps = stamps.dt.tz_convert("UTC").dt.tz_localize(None)
    micros = stamps.astype("datetime64[us]").astype("int64").to_numpy().astype(np.float64)
    micros[stamps.isna().to_numpy()] = np.nan
    return micros / 1e6


def _declared_seconds(bound: object, fallback: float) -> float:
    if bound is None:
        return float(fallback)
    stamp = pd.Timestamp(str(bound))
    if stamp.tzinfo is not None:
        stamp = stamp.tz_convert("UTC").tz_localize(None)
    return (stamp - pd.Timestamp("1970-01-01")).total_seconds()
