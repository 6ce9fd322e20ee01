"""Values that break software, mixed in on request — every one still valid for the schema.

``--edge-cases SHARE`` replaces that share of the cells of each column that is no key with an
awkward value its type, length, bounds, categories and NOT NULL allow: empty strings, strings
of the column's whole length, characters beyond Unicode's basic plane, leading and trailing
spaces, quotes; a number's bounds, zero and the type's limits; dates at month ends, on 29
February and at the turn of a year; a timestamp a microsecond before midnight or in the hour a
clock skips; NULL wherever allowed.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from datatwin.errors import ConfigError
from datatwin.testdata.spec import ColumnPlan, TablePlan
from datatwin.testdata.values import INTEGER_LIMITS, _bounds

TEXT = ("", " leading", "trailing ", 'O\'Brien "quoted"', "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 😀", "Ünïcödé ß", "line\nbreak", "a,b;c|d\t")
DATES = ("2024-02-29", "2023-12-31", "2024-01-01", "2023-02-28", "2024-04-30", "2000-02-29", "1970-01-01")
STAMPS = ("2024-03-31 02:30:00", "2023-12-31 23:59:59.999999", "2024-02-29 00:00:00", "2024-10-27 02:30:00")


def with_edge_cases(
    frame: pd.DataFrame, table: TablePlan, keys: set[str], share: float, rng: np.random.Generator
) -> pd.DataFrame:
    """``frame`` with ``share`` of each non-key column's cells swapped for edge values."""
    if not 0 <= share <= 1:
        raise ConfigError(f"--edge-cases is a share between 0 and 1, not {share}.")
    if share == 0:
        return frame
    for column in table.columns:
        if column.name in keys or column.name in {c for low_high in table.orders for c in low_high[:2]}:
            continue
        values = edge_values(column)
        hit = rng.random(len(frame)) < share
        if values and hit.any():
            picks = rng.integers(0, len(values), int(hit.sum()))
            frame[column.name] = frame[column.name].astype(object)
            frame.loc[hit, column.name] = pd.Series([values[i] for i in picks], dtype=object).to_numpy()
    return frame


def edge_values(column: ColumnPlan) -> list[Any]:
    """The awkward values a column allows."""
    values: list[Any] = [] if column.not_null else [None]
    excluded = (column.generator or {}).get("excluded", [])
    least = int((column.generator or {}).get("min_length", 0))
    if column.categories is not None:
        return values + [c for c in column.categories if isinstance(c, str) and c != c.strip()]
    if column.type == "text":
        longest = "Ω" * (column.length or 255)
        texts = [t for t in (*TEXT, longest) if column.length is None or len(t) <= column.length]
        values += [t for t in texts if len(t) >= least and t not in excluded]
    elif column.type in ("integer", "decimal", "float"):
        low, high = _bounds(column, whole=column.type == "integer")
        if column.type == "integer" and column.bits in INTEGER_LIMITS:
            low, high = max(low, -INTEGER_LIMITS[column.bits] - 1), min(high, INTEGER_LIMITS[column.bits])
        candidates = [low, high, 0, 1, -1] if np.isfinite(low) and np.isfinite(high) else [0, 1, -1, 999_999]
        values += [
            (int(v) if column.type == "integer" else v)
            for v in dict.fromkeys(candidates)
            if np.isfinite(v) and low <= v <= high and v not in excluded
        ]
    elif column.type == "date":
        values += [pd.Timestamp(d).date() for d in DATES if _within(column, d)]
    elif column.type == "timestamp":
        values += [pd.Timestamp(s) for s in STAMPS if _within(column, s)]
    elif column.type == "time":
        values += ["00:00:00", "23:59:59", "12:00:00"]
    return values


def _within(column: ColumnPlan, value: str) -> bool:
    stamp = pd.Timestamp(value)
    low = None if column.minimum is None else pd.Timestamp(column.minimum)
    high = None if column.maximum is None else pd.Timestamp(column.maximum)
    if low is not None and (stamp < low or (column.strict_minimum and stamp == low)):
        return False
    return not (high is not None and (stamp > high or (column.strict_maximum and stamp == high)))
