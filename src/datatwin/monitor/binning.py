"""A column's values put in the bins of a profile, the same way at fit time and when checking drift.

Numbers and dates are binned by upper edges (a value belongs to the first bin whose edge is
not below it; the last bin is open); labels by name, a label the profile does not list going to
``other``. Two more cells count what is missing and what no longer parses as the column's kind
(text in a number column). Values are read leniently, so drift measures a broken column
instead of refusing the file.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from datatwin.schema import ColumnKind

NUMBER_KINDS = (ColumnKind.NUMERIC, ColumnKind.INTEGER, ColumnKind.DATETIME)
LABEL_KINDS = (ColumnKind.CATEGORICAL, ColumnKind.BOOLEAN)
MISSING, INVALID, OTHER = "(missing)", "(invalid)", "(other)"


@dataclass(frozen=True)
class Bins:
    """How one column's values are counted: ``edges`` (numbers, as floats; dates in seconds)
    or ``labels``; cells are the bins or labels, then ``other`` (labels only), invalid, missing."""

    kind: str
    edges: tuple[float, ...] = ()
    labels: tuple[str, ...] = ()

    @property
    def numeric(self) -> bool:
        return ColumnKind(self.kind) in NUMBER_KINDS

    @property
    def cells(self) -> int:
        return (len(self.edges) + 1 if self.numeric else len(self.labels) + 1) + 2

    def names(self) -> list[str]:
        """A readable name per cell."""
        if self.numeric:
            bounds = ["-inf", *(f"{e:.4g}" for e in self.edges), "inf"]
            named = [f"({bounds[i]}, {bounds[i + 1]}]" for i in range(len(self.edges) + 1)]
        else:
            named = [*self.labels, OTHER]
        return [*named, INVALID, MISSING]

    def codes(self, values: pd.Series) -> np.ndarray:
        """Each value's cell."""
        if self.numeric:
            numbers, invalid = number_values(values, ColumnKind(self.kind))
            codes = np.searchsorted(np.asarray(self.edges, dtype=np.float64), numbers, side="left")
            codes[invalid] = len(self.edges) + 1
        else:
            texts = label_values(values)
            index = pd.Index(self.labels).get_indexer(texts)
            codes = np.where(index < 0, len(self.labels), index)
            invalid = np.zeros(len(values), dtype=bool)
        codes[values.isna().to_numpy() & ~invalid] = self.cells - 1
        return codes.astype(np.int64)

    def counts(self, values: pd.Series) -> np.ndarray:
        return np.bincount(self.codes(values), minlength=self.cells)

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "edges": list(self.edges), "labels": list(self.labels)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Bins:
        return cls(str(data["kind"]), tuple(float(e) for e in data["edges"]), tuple(map(str, data["labels"])))


def number_values(values: pd.Series, kind: ColumnKind) -> tuple[np.ndarray, np.ndarray]:
    """Floats (dates as seconds since 1970) and where a present value did not parse; NaN for both."""
    present = values.notna().to_numpy()
    if kind == ColumnKind.DATETIME:
        if pd.api.types.is_datetime64_any_dtype(values.dtype):
            stamps = values
        else:
            stamps = pd.to_datetime(values, errors="coerce", utc=True, format="mixed")
        if getattr(stamps.dt, "tz", None) is not None:
            stamps = stamps.dt.tz_convert("UTC").dt.tz_localize(None)
        numbers = stamps.astype("datetime64[ns]").astype("int64").to_numpy(dtype=np.float64) / 1e9
        numbers[stamps.isna().to_numpy()] = np.nan
    elif pd.api.types.is_bool_dtype(values.dtype):
        numbers = values.to_numpy(dtype=np.float64)
    else:
        numbers = pd.to_numeric(values, errors="coerce").to_numpy(dtype=np.float64)
    return numbers, present & np.isnan(numbers)


def label_values(values: pd.Series) -> np.ndarray:
    """Labels as text, the same from a CSV's text and a DataFrame's numbers (``1.0`` reads ``1``);
    missing values as ``None``."""
    missing = values.isna().to_numpy()
    if pd.api.types.is_float_dtype(values.dtype):
        numbers = values.to_numpy(dtype=np.float64)
        whole = np.isfinite(numbers) & (numbers == np.round(numbers))
        texts = np.where(whole, np.nan_to_num(numbers).astype(np.int64).astype(str), numbers.astype(str))
        out = texts.astype(object)
    elif values.dtype == object and pd.api.types.infer_dtype(values, skipna=True) not in ("string", "empty"):
        out = np.array([_label(v) for v in values.to_numpy(dtype=object)], dtype=object)
    else:
        out = values.astype(str).to_numpy(dtype=object)
    out[missing] = None
    return out


def _label(value: object) -> str | None:
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    return str(value)
