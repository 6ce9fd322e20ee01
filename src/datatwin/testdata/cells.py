"""A test-data column's cells as numbers (dates and times as seconds) and back in its type —
what holding an order or a rule between columns computes on."""

from __future__ import annotations

import numpy as np
import pandas as pd

from datatwin.testdata.spec import ColumnPlan


def step_of(column: ColumnPlan) -> float:
    """The column's smallest step: a day for dates, a second for times, one for whole numbers,
    the last decimal otherwise."""
    if column.type == "date":
        return 86_400.0
    if column.type in ("timestamp", "integer"):
        return 1.0
    return 10.0 ** -(column.scale if column.scale is not None else 6)


def as_numbers(values: pd.Series) -> np.ndarray:
    """Cells as floats (dates and times as seconds since 1970; missing: NaN)."""
    present = values.notna().to_numpy()
    out = np.full(len(values), np.nan)
    if not present.any():
        return out
    sample = values[present].iloc[0]
    if isinstance(sample, pd.Timestamp | np.datetime64) or hasattr(sample, "isoformat"):
        stamps = pd.to_datetime(values[present].astype(str), format="ISO8601")
        out[present] = stamps.astype("datetime64[us]").astype("int64").to_numpy() / 1e6
    else:
        out[present] = pd.to_numeric(values[present]).to_numpy(dtype=float)
    return out


def as_column(value: np.ndarray, column: ColumnPlan) -> pd.Series:
    """Numbers (NaN: missing) as the column's cells: dates, times, whole numbers or decimals."""
    present = ~np.isnan(value)
    if column.type in ("date", "timestamp"):
        stamps = pd.Series(pd.to_datetime(np.where(present, value, 0) * 1e6, unit="us"))
        shown = stamps.dt.date.astype(object) if column.type == "date" else stamps.astype(object)
        return shown.where(pd.Series(present), None)
    if column.type == "integer":
        return pd.Series(np.round(value)).astype("Int64").astype(object).where(pd.Series(present), None)
    decimals = column.scale if column.scale is not None else 6
    return pd.Series(np.round(value, decimals)).astype(object).where(pd.Series(present), None)
