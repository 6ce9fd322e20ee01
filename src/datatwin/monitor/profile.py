"""The profile a twin carries of the rows it learnt from: enough to measure drift without them.

Per column, counts in bins (numbers and dates: up to :data:`NUMBER_BINS` quantile bins whose
edges are rounded to three significant digits; labels: the most common ones); for the
:data:`MAX_PAIRS` most associated pairs of columns, their joint counts on coarse bins; the row
count; and how well a classifier told the twin's rows from the training rows when it was fitted
(the baseline the multivariate check compares with). It is coarsened so that it describes no
individual: a bin holding fewer than :data:`MIN_CELL` rows is merged with its neighbour, a label
seen in fewer is counted only in ``other``, any other cell that small (missing values, joint
cells) is published as zero. A differentially private twin carries no profile (its drift is
measured against its own rows instead).
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import chi2_contingency

from datatwin.errors import ConstraintError
from datatwin.monitor.binning import NUMBER_KINDS, Bins, label_values, number_values
from datatwin.monitor.multivariate import MULTIVARIATE_ROWS, classifier_auc
from datatwin.pipeline import FittedTable, sample_table
from datatwin.relational import FittedDatabase
from datatwin.schema import ColumnKind, Schema
from datatwin.schema.features import comparable_columns

PROFILE_VERSION = 1
MIN_CELL = 20
"""Fewest rows a published cell may count (fewer: merged or published as zero)."""
NUMBER_BINS = 20
MAX_LABELS = 50
PAIR_NUMBER_BINS, PAIR_LABELS = 5, 8
MAX_PAIRS = 10
MIN_ASSOCIATION = 0.1
"""Pairs less associated than this (Cramér's V) are not watched: there is no relation to lose."""
MAX_PAIR_P_VALUE = 1e-3
"""Nor pairs whose association a chi-squared test could put down to chance (small tables)."""
MAX_HELD_BACK = 0.1
"""Nor pairs whose cells under :data:`MIN_CELL` rows, held back, hold more than this share of the
rows: the published table would no longer show the relation."""
MIN_BASELINE_COLUMNS = 3
"""Tables with fewer comparable columns get no multivariate baseline: their watched pair already
covers the rows as a whole, and a twin that mirrors so few columns' counts closely makes the
classifier's AUC against its training rows fall below chance, an unfair baseline."""
PAIR_SAMPLE = 20_000
MIN_BASELINE_ROWS = 1_000
"""Tables of fewer rows get no multivariate baseline: it compares the twin with the rows it learnt
from, and a twin of few rows mirrors them more closely than it mirrors new rows from the same
source (docs/monitoring.md has the measurement)."""


def attach_profile(table: FittedTable, frame: pd.DataFrame, *, seed: int) -> FittedTable:
    """``table`` with the profile of ``frame``, the rows it was fitted on (its baseline drawn with
    ``seed``; none when the twin's rules allow fewer distinct rows than the baseline needs)."""
    try:
        drawn = sample_table(table, min(MULTIVARIATE_ROWS, len(frame)), seed=seed)
    except ConstraintError:  # a unique rule over few combinations: the rows as a whole are not compared
        drawn = None
    table.profile = build_profile(frame, table.schema, drawn, seed=seed)
    return table


def attach_table_profiles(database: FittedDatabase, tables: Mapping[str, pd.DataFrame], *, seed: int) -> None:
    """Give each table ``database`` learnt the profile of its rows in ``tables`` (without a
    multivariate baseline: a child table is drawn given its parents, not on its own)."""
    for name, model in database.tables.items():
        if model.fitted is not None:
            model.fitted.profile = build_profile(tables[name], model.fitted.schema, None, seed=seed)


def build_profile(frame: pd.DataFrame, schema: Schema, drawn: pd.DataFrame | None, *, seed: int) -> dict[str, Any]:
    """The profile of ``frame`` (the training rows as read) under ``schema``; ``drawn``: rows of
    the fitted twin, for the multivariate baseline (``None``: no baseline)."""
    columns = [c for c in comparable_columns(schema) if c in frame.columns]
    profiled: dict[str, Any] = {}
    for name in columns:
        bins = column_bins(frame[name], ColumnKind(schema[name].kind), NUMBER_BINS, MAX_LABELS)
        profiled[name] = {"bins": bins.to_dict(), "counts": suppressed(bins.counts(frame[name])).tolist()}
    rng = np.random.default_rng(seed)
    sample = frame.iloc[np.sort(rng.permutation(len(frame))[:PAIR_SAMPLE])] if len(frame) > PAIR_SAMPLE else frame
    baseline = None
    if drawn is not None and len(frame) >= MIN_BASELINE_ROWS and len(columns) >= MIN_BASELINE_COLUMNS:
        rows = min(MULTIVARIATE_ROWS, len(frame), len(drawn))
        real = frame.iloc[np.sort(rng.permutation(len(frame))[:rows])]
        baseline = {"auc": classifier_auc(real, drawn.iloc[:rows], schema, seed=seed), "rows": rows}
    return {
        "version": PROFILE_VERSION,
        "rows": len(frame),
        "min_cell": MIN_CELL,
        "columns": profiled,
        "pairs": _associated_pairs(sample, schema, columns),
        "baseline": baseline,
    }


def column_bins(values: pd.Series, kind: ColumnKind, number_bins: int, max_labels: int) -> Bins:
    """Bins of one column: quantile edges merged until each bin holds :data:`MIN_CELL` rows, or
    the labels seen at least that often (at most ``max_labels``, most common first)."""
    if kind in NUMBER_KINDS:
        numbers = number_values(values, kind)[0]
        numbers = numbers[~np.isnan(numbers)]
        if not len(numbers):
            return Bins(kind.value)
        quantiles = np.quantile(numbers, np.arange(1, number_bins) / number_bins)
        edges = np.unique([float(f"{q:.3g}") for q in quantiles])
        return Bins(kind.value, edges=tuple(_merged(edges, numbers)))
    counts = pd.Series(label_values(values)).value_counts()
    kept = counts[counts >= MIN_CELL].index[:max_labels]
    return Bins(kind.value, labels=tuple(sorted(map(str, kept))))


def _merged(quantiles: np.ndarray, numbers: np.ndarray) -> list[float]:
    """The edges left when the smallest bin under :data:`MIN_CELL` rows is merged into its smaller
    neighbour, again and again."""
    edges = [float(q) for q in quantiles]
    while edges:
        counts = np.bincount(np.searchsorted(np.asarray(edges), numbers, side="left"), minlength=len(edges) + 1)
        smallest = int(np.argmin(counts))
        if counts[smallest] >= MIN_CELL:
            break
        if smallest == 0:
            edges.pop(0)
        elif smallest == len(edges) or counts[smallest - 1] <= counts[smallest + 1]:
            edges.pop(smallest - 1)
        else:
            edges.pop(smallest)
    return edges


def suppressed(counts: np.ndarray) -> np.ndarray:
    """Counts with every cell under :data:`MIN_CELL` rows published as zero."""
    return np.where(counts >= MIN_CELL, counts, 0)


def cramers_v(table: np.ndarray) -> float:
    """Cramér's V of a contingency table (rows and columns without counts left out)."""
    return float(cramers_v_each(table[None])[0])


def cramers_v_each(tables: np.ndarray) -> np.ndarray:
    """Cramér's V of each of a stack of tables."""
    tables = tables.astype(np.float64)
    rows, columns = tables.sum(axis=2), tables.sum(axis=1)
    total = tables.sum(axis=(1, 2))
    expected = rows[:, :, None] * columns[:, None, :] / np.maximum(total, 1)[:, None, None]
    cells = np.divide((tables - expected) ** 2, expected, out=np.zeros_like(tables), where=expected > 0)
    smaller = np.minimum((rows > 0).sum(axis=1), (columns > 0).sum(axis=1)) - 1
    return np.sqrt(cells.sum(axis=(1, 2)) / np.maximum(total * smaller, 1e-12)) * (smaller > 0)


def _associated_pairs(sample: pd.DataFrame, schema: Schema, columns: list[str]) -> list[dict[str, Any]]:
    """The :data:`MAX_PAIRS` most associated pairs (Cramér's V on coarse bins, on ``sample``), with
    their joint counts in it, suppressed."""
    coarse = {c: column_bins(sample[c], ColumnKind(schema[c].kind), PAIR_NUMBER_BINS, PAIR_LABELS) for c in columns}
    codes = {c: coarse[c].codes(sample[c]) for c in columns}
    found = []
    for a, b in itertools.combinations(columns, 2):
        table = joint_counts(codes[a], codes[b], coarse[a].cells, coarse[b].cells)
        association = cramers_v(table)
        if association >= MIN_ASSOCIATION and _watchable(table):
            found.append((association, a, b, table))
    found.sort(key=lambda item: -item[0])
    pairs = []
    for _, a, b, table in found[:MAX_PAIRS]:
        published = suppressed(table)
        pairs.append(
            {
                "columns": [a, b],
                "bins": [coarse[a].to_dict(), coarse[b].to_dict()],
                "counts": published.tolist(),
                "rows": len(sample),
                "association": round(cramers_v(published), 4),
            }
        )
    return pairs


def _watchable(table: np.ndarray) -> bool:
    """Whether a pair's relation is beyond chance and survives holding back its small cells."""
    if table[table < MIN_CELL].sum() > MAX_HELD_BACK * table.sum():
        return False
    kept = table[table.sum(axis=1) > 0][:, table.sum(axis=0) > 0]
    return min(kept.shape) > 1 and float(chi2_contingency(kept, correction=False).pvalue) < MAX_PAIR_P_VALUE


def joint_counts(first: np.ndarray, second: np.ndarray, first_cells: int, second_cells: int) -> np.ndarray:
    """The contingency table of two columns' cells."""
    flat = np.bincount(first * second_cells + second, minlength=first_cells * second_cells)
    return flat.reshape(first_cells, second_cells)
