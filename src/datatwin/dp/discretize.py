"""Columns as small sets of codes, laid down by a DP schema alone — nothing is learnt from the
values, so encoding spends no budget.

- numbers and dates: :data:`BINS` equal-width bins between the schema's bounds (whole numbers
  with a narrower range: one bin per number), and a bin of its own for zero where the bounds
  hold it (amounts are so often exactly zero); values beyond the bounds fall in the outer bins;
  decoded uniformly within the bin (whole numbers rounded down, decimals to the schema's places);
- labels: one code per label of the schema, one for a label it does not hold (decoded as one
  of its labels, drawn in proportion to how often the twin draws each);
- booleans: two codes;
- and one code for a missing value, in every column.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from datatwin.schema import ColumnKind, ColumnSpec, Schema

BINS = 32
"""Bins of a number or date column."""


@dataclass(frozen=True)
class Discretizer:
    """Codes for the columns of a DP schema (see the module)."""

    schema: Schema

    def sizes(self) -> dict[str, int]:
        """Each column's number of codes (its last code: missing)."""
        return {c.name: len(self._values(c)) + 1 for c in self.schema.columns}

    def encode(self, frame: pd.DataFrame) -> dict[str, np.ndarray]:
        """Each column's codes."""
        return {c.name: self._encode(c, frame[c.name]) for c in self.schema.columns}

    def decode(
        self,
        codes: dict[str, np.ndarray],
        rng: np.random.Generator,
        within: dict[str, tuple[float, float]] | None = None,
    ) -> pd.DataFrame:
        """Rows for the codes: numbers and dates drawn within their bins (and within the
        interval ``within`` gives a column, as numbers or seconds, where it gives one), labels
        as they are."""
        within = within or {}
        return pd.DataFrame(
            {c.name: self._decode(c, codes[c.name], rng, within.get(c.name)) for c in self.schema.columns}
        )

    def bins_within(self, spec: ColumnSpec, low: float, high: float) -> list[int]:
        """The codes of a number or date column's bins that overlap ``[low, high]``."""
        edges = self._edges(spec)
        lower, upper = edges[:-1].copy(), edges[1:].copy()
        lower[0], upper[-1] = -np.inf, np.inf  # the outer bins hold what lies beyond the bounds
        return [int(i) for i in np.flatnonzero((upper > low) & (lower <= high))]

    # -- per kind --------------------------------------------------------------------------------

    def _values(self, spec: ColumnSpec) -> list[object]:
        """What each code but the missing one stands for: a bin's left edge, or a label."""
        if spec.kind is ColumnKind.CATEGORICAL:
            return [*(spec.categories or ()), _OTHER]
        if spec.kind is ColumnKind.BOOLEAN:
            return [spec.false_label, spec.true_label]
        return list(self._edges(spec)[:-1])

    def _edges(self, spec: ColumnSpec) -> np.ndarray:
        low, high = _number(spec.minimum, spec), _number(spec.maximum, spec)
        if spec.kind is ColumnKind.INTEGER and high - low + 1 <= BINS:
            return np.arange(low, high + 2, dtype=np.float64)
        if high <= low:
            return np.array([low, low + 1.0])
        edges = np.linspace(low, high, BINS + 1)
        if spec.kind is not ColumnKind.DATETIME and low <= 0 < high:  # zero, so often exact, gets a bin
            step = 1.0 if spec.kind is ColumnKind.INTEGER else np.nextafter(0.0, 1.0)
            edges = np.unique(np.concatenate([edges, [0.0, step]]))
        return edges

    def _encode(self, spec: ColumnSpec, values: pd.Series) -> np.ndarray:
        missing_code = len(self._values(spec))
        if spec.kind is ColumnKind.CATEGORICAL:
            labels = {str(label): i for i, label in enumerate(spec.categories or ())}
            other = len(labels)
            codes = np.array([labels.get(str(v), other) for v in values.astype(object)], dtype=np.int64)
        elif spec.kind is ColumnKind.BOOLEAN:
            truth = values.map(lambda v: v == spec.true_label or v is True)
            codes = truth.to_numpy(dtype=np.int64)
        else:
            numbers = _as_numbers(values, spec)
            edges = self._edges(spec)
            codes = np.clip(np.searchsorted(edges, numbers, side="right") - 1, 0, len(edges) - 2)
        return np.where(values.isna().to_numpy(), missing_code, codes).astype(np.int64)

    def _decode(
        self, spec: ColumnSpec, codes: np.ndarray, rng: np.random.Generator, within: tuple[float, float] | None
    ) -> pd.Series:
        values = self._values(spec)
        missing = codes == len(values)
        if spec.kind is ColumnKind.CATEGORICAL:
            labels = np.array([*(spec.categories or ()), None], dtype=object)
            out = labels[np.minimum(codes, len(labels) - 1)]
            other = codes == len(values) - 1
            if other.any() and spec.categories:  # a label the schema does not hold: one it does
                drawn = np.bincount(codes[codes < len(values) - 1], minlength=len(spec.categories)) + 1.0
                out[other] = labels[rng.choice(len(spec.categories), int(other.sum()), p=drawn / drawn.sum())]
            out[missing] = None
            return pd.Series(out, dtype=object)
        if spec.kind is ColumnKind.BOOLEAN:
            out = np.array([spec.false_label, spec.true_label, None], dtype=object)[np.minimum(codes, 2)]
            return pd.Series(out, dtype=object)
        edges = self._edges(spec)
        bins = np.minimum(codes, len(edges) - 2)
        floor, ceiling = (-np.inf, np.inf) if within is None else within
        if spec.kind is ColumnKind.INTEGER:  # a whole number of the bin's, each as likely
            top = np.floor(_number(spec.maximum, spec))  # the last bin holds the maximum itself
            low = np.ceil(np.maximum(edges[bins], floor))
            high = np.floor(np.minimum(np.where(bins == len(edges) - 2, top, np.ceil(edges[bins + 1]) - 1), ceiling))
            numbers = low + np.floor(rng.random(len(codes)) * (np.maximum(high, low) - low + 1))
        else:
            low = np.maximum(edges[bins], floor)
            high = np.maximum(np.minimum(edges[bins + 1], ceiling), low)
            numbers = low + rng.random(len(codes)) * (high - low)
        if within is not None:  # a bin only partly inside the interval holds no value of it: its nearest
            numbers = np.clip(numbers, floor, ceiling)
        if spec.kind is not ColumnKind.INTEGER and spec.decimals is not None:
            numbers = np.round(numbers, spec.decimals)
        numbers[missing] = np.nan
        if spec.kind is ColumnKind.DATETIME:
            stamps = pd.to_datetime(np.round(numbers * 1e6), unit="us")
            return pd.Series(stamps)
        if spec.kind is ColumnKind.INTEGER:
            return pd.Series(pd.array(np.where(missing, 0, numbers).astype(np.int64), dtype="Int64")).mask(missing)
        return pd.Series(numbers)


_OTHER = "<other>"


def _number(bound: object, spec: ColumnSpec) -> float:
    if spec.kind is ColumnKind.DATETIME:
        return pd.Timestamp(str(bound)).timestamp()
    return float(bound)  # type: ignore[arg-type]


def _as_numbers(values: pd.Series, spec: ColumnSpec) -> np.ndarray:
    if spec.kind is ColumnKind.DATETIME:
        return seconds(values)
    return pd.to_numeric(values, errors="coerce").to_numpy(dtype=np.float64)


def seconds(values: pd.Series) -> np.ndarray:
    """Dates and times as seconds since 1970 (UTC; NaN where missing or not a date)."""
    stamps = pd.to_datetime(values, errors="coerce")
    if getattr(stamps.dt, "tz", None) is not None:
        stamps = stamps.dt.tz_convert("UTC").dt.tz_localize(None)
    micros = stamps.astype("datetime64[us]").astype("int64").to_numpy() / 1e6
    return np.where(stamps.isna().to_numpy(), np.nan, micros)
