"""Sequences made comparable: sorted events, their numbers, gaps, windows and per-unit features.

A *unit* is what sequence-level tests compare: an entity when there are enough of them, else a
window of :data:`WINDOW` consecutive steps of the few long series (a handful of stations gives
no population of entities to test, but thousands of days).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from datatwin.schema import ColumnKind, Schema, SequenceKeys
from datatwin.schema.features import LABEL_KINDS, as_float
from datatwin.transforms.datetime import seconds_since_1970

WINDOW = 24
"""Steps per window (the TimeGAN protocol's length)."""
MIN_UNITS = 20
"""Entities needed to compare entities; fewer are cut into windows."""
PATH_POINTS = 16
"""Points each unit's numeric path is resampled to for distances."""
TOP_LABELS = 5
"""Labels per categorical column whose shares describe a unit."""


@dataclass(frozen=True)
class SequenceSet:
    """Events sorted by entity, then time.

    Attributes
    ----------
    frame
        The events (working form), sorted.
    numbers
        ``(rows, columns)`` floats of :attr:`number_columns` (NaN where missing).
    number_columns, label_columns
        The value columns compared: numbers, and labels (neither keys nor static ones).
    entity_of, starts, lengths
        Each row's entity number; each entity's first row and number of events.
    time
        Each row's time as a number (seconds since 1970 for timestamps).
    """

    frame: pd.DataFrame
    numbers: np.ndarray
    number_columns: list[str]
    label_columns: list[str]
    entity_of: np.ndarray
    starts: np.ndarray
    lengths: np.ndarray
    time: np.ndarray

    @property
    def gaps(self) -> np.ndarray:
        """Time from each event to the next within its entity."""
        inner = np.ones(len(self.time), dtype=bool)
        inner[self.starts] = False
        return np.diff(self.time, prepend=np.nan)[inner]

    def first_mask(self) -> np.ndarray:
        """Booleans marking each entity's first event."""
        mask = np.zeros(len(self.time), dtype=bool)
        mask[self.starts] = True
        return mask


def sequence_set(frame: pd.DataFrame, schema: Schema, keys: SequenceKeys) -> SequenceSet:
    """Sort ``frame`` (working form, described by ``schema``) into entities and time."""
    order_kind = schema[keys.order].kind
    time = seconds_since_1970(frame[keys.order]) if order_kind == ColumnKind.DATETIME else as_float(frame[keys.order])
    if keys.entity is None:
        codes = np.zeros(len(frame), dtype=np.int64)
    else:
        codes = pd.factorize(frame[keys.entity].astype(str), sort=True)[0].astype(np.int64)
    rows = np.lexsort((time, codes))
    frame = frame.iloc[rows].reset_index(drop=True)
    codes, time = codes[rows], time[rows]
    lengths = np.bincount(codes).astype(np.int64) if len(codes) else np.zeros(0, dtype=np.int64)
    keep = lengths > 0
    remap = np.cumsum(keep) - 1
    codes, lengths = remap[codes], lengths[keep]
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
    skip = {keys.entity, keys.order, *(keys.static or ())}
    number_columns = [
        c.name for c in schema.columns if c.name not in skip and c.kind in (ColumnKind.NUMERIC, ColumnKind.INTEGER)
    ]
    label_columns = [c.name for c in schema.columns if c.name not in skip and c.kind in LABEL_KINDS]
    numbers = (
        np.column_stack([as_float(frame[c]) for c in number_columns]) if number_columns else np.empty((len(frame), 0))
    )
    return SequenceSet(frame, numbers, number_columns, label_columns, codes, starts, lengths, time)


def by_entities(sequences: SequenceSet) -> bool:
    """Whether units are entities (else windows), decided on the real sequences and kept for
    every table compared with them."""
    return len(sequences.lengths) >= MIN_UNITS


def unit_rows(sequences: SequenceSet, *, max_units: int, rng: np.random.Generator, entities: bool) -> list[np.ndarray]:
    """The row numbers of at most ``max_units`` units, chosen at random: whole entities, or
    non-overlapping windows of :data:`WINDOW` steps."""
    if entities:
        units = [np.arange(s, s + n) for s, n in zip(sequences.starts, sequences.lengths, strict=True)]
    else:
        units = windows_rows(sequences, WINDOW)
    if len(units) > max_units:
        units = [units[i] for i in np.sort(rng.choice(len(units), max_units, replace=False))]
    return units


def windows_rows(sequences: SequenceSet, length: int) -> list[np.ndarray]:
    """Row numbers of every non-overlapping window of ``length`` steps within an entity."""
    out = []
    for start, n in zip(sequences.starts, sequences.lengths, strict=True):
        for offset in range(0, n - length + 1, length):
            out.append(np.arange(start + offset, start + offset + length))
    return out


def unit_features(sequences: SequenceSet, units: list[np.ndarray], labels: dict[str, list[str]]) -> np.ndarray:
    """Per unit: its length, each number's mean, spread, range, lag-1 autocorrelation and mean
    absolute change, the gaps' mean and spread (log), and the shares of each label column's
    top labels (``labels``, from the real data)."""
    rows = []
    log_gap = np.log1p(np.maximum(np.diff(sequences.time, prepend=np.nan), 0))
    for unit in units:
        x = sequences.numbers[unit]
        features = [float(len(unit))]
        for j in range(x.shape[1]):
            v = x[:, j][~np.isnan(x[:, j])]
            if len(v) == 0:
                features += [np.nan] * 6
                continue
            change = np.abs(np.diff(v)).mean() if len(v) > 1 else np.nan
            features += [v.mean(), v.std(), v.min(), v.max(), _lag1(v), change]
        gaps = log_gap[unit[1:]]
        features += [gaps.mean() if len(gaps) else np.nan, gaps.std() if len(gaps) else np.nan]
        for column, top in labels.items():
            values = sequences.frame[column].to_numpy()[unit].astype(str)
            features += [float(np.mean(values == label)) for label in top]
        rows.append(features)
    return np.asarray(rows, dtype=np.float64)


def top_labels(sequences: SequenceSet) -> dict[str, list[str]]:
    """Each label column's most frequent labels."""
    return {c: list(sequences.frame[c].astype(str).value_counts().index[:TOP_LABELS]) for c in sequences.label_columns}


def unit_paths(sequences: SequenceSet, units: list[np.ndarray], scale: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """Per unit: each number's path resampled to :data:`PATH_POINTS` points, scaled to [0, 1]
    by ``scale`` (real minimum and range), missing as -1, then its log length."""
    low, span = scale
    out = np.empty((len(units), PATH_POINTS * sequences.numbers.shape[1] + 1))
    for i, unit in enumerate(units):
        x = (sequences.numbers[unit] - low) / span
        at = np.linspace(0, len(unit) - 1, PATH_POINTS).round().astype(np.int64)
        out[i, :-1] = np.nan_to_num(x[at], nan=-1.0).T.ravel()
        out[i, -1] = np.log(len(unit))
    return out


def number_scale(sequences: SequenceSet) -> tuple[np.ndarray, np.ndarray]:
    """Each number's minimum and range (1 where constant) in these sequences."""
    if sequences.numbers.shape[1] == 0:
        return np.zeros(0), np.ones(0)
    low = np.nanmin(sequences.numbers, axis=0)
    span = np.nanmax(sequences.numbers, axis=0) - low
    low, span = np.nan_to_num(low), np.nan_to_num(span, nan=1.0)
    return low, np.where(span > 0, span, 1.0)


def _lag1(v: np.ndarray) -> float:
    if len(v) < 3 or v[:-1].std() == 0 or v[1:].std() == 0:
        return np.nan
    return float(np.corrcoef(v[:-1], v[1:])[0, 1])
