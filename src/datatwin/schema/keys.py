"""Key values made comparable across tables: one text per row, numbers as numbers."""

from __future__ import annotations

import numpy as np
import pandas as pd


def key_text(frame: pd.DataFrame, columns: tuple[str, ...] | list[str]) -> pd.Series:
    """Each row's key as one text. Numbers are written as floats, value by value, so that 1,
    1.0 and a Python int in an object column agree while the text "1" does not."""
    if len(frame) == 0:
        return pd.Series([], dtype=object)
    as_text = lambda v: repr(float(v)) if isinstance(v, int | float | np.number) else str(v)  # noqa: E731
    parts = [frame[c].map(as_text) for c in columns]
    return parts[0] if len(parts) == 1 else parts[0].astype(object).str.cat(parts[1:], sep="\x1f")
