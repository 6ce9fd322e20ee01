"""Turning mixed tables into numeric matrices by their schema, for classifiers and distances."""

from __future__ import annotations

import numpy as np
import pandas as pd

from datatwin.schema import ColumnKind, Schema

NUMERIC_KINDS = (ColumnKind.NUMERIC, ColumnKind.INTEGER, ColumnKind.DATETIME)
LABEL_KINDS = (ColumnKind.CATEGORICAL, ColumnKind.BOOLEAN)


def comparable_columns(schema: Schema) -> list[str]:
    """Columns whose values carry information (not keys, personal data or free text)."""
    return [c.name for c in schema.columns if c.kind in (*NUMERIC_KINDS, *LABEL_KINDS)]


MAX_CATEGORIES = 255
"""Gradient boosting splits at most this many labels as categories; more are ordered codes."""


def categorical_mask(matrices: list[np.ndarray], schema: Schema, columns: list[str]) -> list[bool]:
    """Which columns of :func:`numeric_matrix`'s matrices gradient boosting may treat as
    categories: label columns whose codes stay under :data:`MAX_CATEGORIES`."""
    highest = np.nanmax(np.vstack(matrices), axis=0, initial=0) if columns else np.zeros(0)
    return [schema[c].kind in LABEL_KINDS and highest[j] < MAX_CATEGORIES for j, c in enumerate(columns)]


def numeric_matrix(frames: list[pd.DataFrame], schema: Schema, columns: list[str]) -> list[np.ndarray]:
    """Each frame as floats: numbers as they are, labels as shared integer codes, NaN for missing."""
    out = [np.empty((len(f), len(columns))) for f in frames]
    for j, name in enumerate(columns):
        kind = schema[name].kind
        if kind in NUMERIC_KINDS:
            for i, frame in enumerate(frames):
                out[i][:, j] = as_float(frame[name])
        else:
            labels = pd.Index(
                pd.unique(pd.concat([f[name].astype(str).where(f[name].notna()) for f in frames]).dropna())
            )
            for i, frame in enumerate(frames):
                codes = labels.get_indexer(frame[name].astype(str).where(frame[name].notna())).astype(float)
                codes[codes < 0] = np.nan
                out[i][:, j] = codes
    return out


def distance_matrix(
    frames: list[pd.DataFrame], schema: Schema, columns: list[str], reference: int = 0
) -> list[np.ndarray]:
    """Each frame for Gower-like distances: numbers rank-scaled to [0, 1] on the reference frame,
    labels one-hot scaled by 1/√2 (so a mismatch costs 1), missing as its own value."""
    blocks: list[list[np.ndarray]] = [[] for _ in frames]
    for name in columns:
        kind = schema[name].kind
        if kind in NUMERIC_KINDS:
            ref = np.sort(as_float(frames[reference][name]))
            ref = ref[~np.isnan(ref)]
            for i, frame in enumerate(frames):
                values = as_float(frame[name])
                scaled = np.searchsorted(ref, values) / max(len(ref), 1)
                blocks[i].append(np.where(np.isnan(values), -1.0, scaled)[:, None])
        else:
            texts = [f[name].astype(str).where(f[name].notna(), "<NA>") for f in frames]
            labels = pd.Index(pd.unique(pd.concat(texts)))
            for i, text in enumerate(texts):
                onehot = np.zeros((len(text), len(labels)))
                onehot[np.arange(len(text)), labels.get_indexer(text)] = 1 / np.sqrt(2)
                blocks[i].append(onehot)
    return [np.hstack(b).astype(np.float32) for b in blocks]


def as_float(values: pd.Series) -> np.ndarray:
    if pd.api.types.is_datetime64_any_dtype(values.dtype):  # nanoseconds, whatever unit the values are held in
        if getattr(values.dt, "tz", None) is not None:
            values = values.dt.tz_convert("UTC").dt.tz_localize(None)
        out = values.astype("datetime64[ns]").astype("int64").to_numpy(dtype=np.float64)
        out[values.isna().to_numpy()] = np.nan
        return out
    return pd.to_numeric(values, errors="coerce").to_numpy(dtype=np.float64)
