"""Key values made comparable across tables: one text per row, numbers as numbers."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from datatwin.schema.relational import ForeignKey


def key_text(frame: pd.DataFrame, columns: tuple[str, ...] | list[str]) -> pd.Series:
    """Each row's key as one text. Numbers are written as floats, value by value, so that 1,
    1.0 and a Python int in an object column agree while the text "1" does not."""
    if len(frame) == 0:
        return pd.Series([], dtype=object)
    as_text = lambda v: repr(float(v)) if isinstance(v, int | float | np.number) else str(v)  # noqa: E731
    parts = [frame[c].map(as_text) for c in columns]
    return parts[0] if len(parts) == 1 else parts[0].astype(object).str.cat(parts[1:], sep="\x1f")


def parent_rows(tables: Mapping[str, pd.DataFrame], key: ForeignKey) -> np.ndarray:
    """For each child row, the row number of its parent through ``key`` (the first parent with
    that key), or -1 when it has none."""
    parent_keys = key_text(tables[key.parent], key.parent_columns)
    lookup = pd.Series(np.arange(len(parent_keys)), index=parent_keys.to_numpy())
    lookup = lookup[~lookup.index.duplicated()]
    rows = key_text(tables[key.table], key.columns).map(lookup)
    return rows.fillna(-1).to_numpy(dtype=np.int64)


def dangling_references(tables: Mapping[str, pd.DataFrame], key: ForeignKey) -> tuple[pd.Series, pd.Series]:
    """The filled references of ``key`` among ``tables`` as key texts (indexed by child row; a
    key with a missing part refers to nothing) and, for each, whether its parent is missing."""
    child = tables[key.table][list(key.columns)]
    child_keys = key_text(child[child.notna().all(axis=1)], key.columns)
    return child_keys, ~child_keys.isin(set(key_text(tables[key.parent], key.parent_columns)))
