"""Columns as small sets of codes, laid down by a DP schema alone — nothing is learnt from the
values, so encoding spends no budget.

- numbers and dates: :data:`BINS` equal-width bins between the schema's bounds (whole numbers
  with a narrower range: one bin per number), and a bin of its own for zero where the bounds
  hold it (amounts are so often exactly zero); values beyond the bounds fall in the outer bins;
  decoded within the bin from its *shape*: :data:`FINE_CELLS` finer cells between the bounds
  (one per whole number where they are fewer) weighted by a DP histogram bought apart
  (:func:`~datatwin.dp.estimates.dp_shape`), so a spike like a 40-hour week survives; uniformly
  where the shape has no weight (whole numbers rounded down, decimals to the schema's places);
- labels: one code per label of the schema, one for a label it does not hold (decoded as one
  of its labels, drawn in proportion to how often the twin draws each);
- booleans: two codes;
- and one code for a missing value, in every column.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from datatwin.schema import ColumnKind, ColumnSpec, Schema

BINS = 32
"""Bins of a number or date column."""
FINE_CELLS = 1024
"""Cells of a number or date column's shape within its bins."""


@dataclass(frozen=True)
class Discretizer:
    """Codes for the columns of a DP schema (see the module); ``shapes`` holds the DP weights of
    the :meth:`fine_edges` cells of the number and date columns that have one."""

    schema: Schema
    shapes: dict[str, np.ndarray] = field(default_factory=dict)

    def fine_edges(self, spec: ColumnSpec) -> np.ndarray:
        """The edges of a number or date column's fine cells (:data:`FINE_CELLS`; for whole
        numbers with a narrower range, one cell per number)."""
        low, high = _number(spec.minimum, spec), _number(spec.maximum, spec)
        if spec.kind is ColumnKind.INTEGER and high - low + 1 <= FINE_CELLS:
            return np.arange(low, high + 2, dtype=np.float64)
        if high <= low:
            return np.array([low, low + 1.0])
        return np.linspace(low, high, FINE_CELLS + 1)

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
            numbers = as_numbers(values, spec)
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
        whole = spec.kind is ColumnKind.INTEGER
        if whole:  # a whole number k stands for [k, k + 1): drawn as a number, then rounded down
            top = np.floor(_number(spec.maximum, spec)) + 1  # the last bin holds the maximum itself
            starts = np.maximum(np.ceil(edges[:-1]), np.ceil(floor))
            ends = np.minimum(np.append(np.ceil(edges[1:-1]), top), np.floor(ceiling) + 1)
        else:
            starts, ends = np.maximum(edges[:-1], floor), np.minimum(edges[1:], ceiling)
        ends = np.maximum(ends, starts)
        numbers = np.empty(len(codes))
        shape = self.shapes.get(spec.name)
        fine = self.fine_edges(spec) if shape is not None else None
        for b in np.unique(bins):
            rows = np.flatnonzero(bins == b)
            numbers[rows] = _within(starts[b], ends[b], len(rows), rng, fine, shape)
        if whole:
            numbers = np.clip(np.floor(numbers), starts[bins], np.maximum(ends[bins] - 1, starts[bins]))
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


def _within(
    start: float, end: float, n: int, rng: np.random.Generator, fine: np.ndarray | None, shape: np.ndarray | None
) -> np.ndarray:
    """``n`` numbers in ``[start, end)``: in a fine cell drawn by its weight in ``shape`` (times
    the share of it inside), uniformly within it; uniformly over the interval without weights."""
    if end <= start:
        return np.full(n, start)
    if fine is not None and shape is not None:
        lows, highs = np.maximum(fine[:-1], start), np.minimum(fine[1:], end)
        inside = np.clip(highs - lows, 0, None) / np.maximum(fine[1:] - fine[:-1], 1e-300)
        weights = shape * inside
        if weights.sum() > 0:
            cells = rng.choice(len(weights), n, p=weights / weights.sum())
            return lows[cells] + rng.random(n) * (highs[cells] - lows[cells])
    return start + rng.random(n) * (end - start)


def _number(bound: object, spec: ColumnSpec) -> float:
    if spec.kind is ColumnKind.DATETIME:
        return pd.Timestamp(str(bound)).timestamp()
    return float(bound)  # type: ignore[arg-type]


def as_numbers(values: pd.Series, spec: ColumnSpec) -> np.ndarray:
    """A number or date column's values as numbers (dates: seconds since 1970; NaN where missing)."""
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
