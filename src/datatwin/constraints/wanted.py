"""Whether values are what a condition wants: a value, a list of values, a range or missing."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from datatwin.conditions import Range


def is_wanted(values: pd.Series, wanted: Any) -> np.ndarray:
    """Per value, whether it is ``wanted`` (see :data:`datatwin.conditions.Wanted`)."""
    present = values.notna().to_numpy()
    if wanted is None:
        return ~present
    if isinstance(wanted, Range):
        numbers = _comparable(values)
        out = present.copy()
        if wanted.low is not None:
            low = _comparable(pd.Series([wanted.low]))[0]
            out &= (numbers >= low) if wanted.low_inclusive else (numbers > low)
        if wanted.high is not None:
            high = _comparable(pd.Series([wanted.high]))[0]
            out &= (numbers <= high) if wanted.high_inclusive else (numbers < high)
        return out
    allowed = list(wanted) if isinstance(wanted, list | tuple | set) else [wanted]
    text = values.astype(object).map(_text)
    return present & text.isin([_text(v) for v in allowed if v is not None]).to_numpy() | (
        ~present & any(v is None for v in allowed)
    )


def _text(value: Any) -> str:
    """A value as text, whole floats without ".0" (an integer column read as floats)."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _comparable(values: pd.Series) -> np.ndarray:
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        return values.astype("datetime64[us]").astype("int64").to_numpy().astype(float)
    numbers = pd.to_numeric(values, errors="coerce")
    if numbers.notna().sum() == values.notna().sum():
        return numbers.astype("float64").to_numpy()
    stamps = pd.to_datetime(values, errors="coerce")
    return stamps.astype("datetime64[us]").astype("int64").to_numpy().astype(float)
