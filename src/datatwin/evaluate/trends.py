"""Column-pair trends (SDMetrics' ColumnPairTrends) and association matrices.

Trend similarity of a pair: 1 − |ρ_real − ρ_synthetic| / 2 (Pearson) for two numeric columns,
1 − the total variation distance of the 2-D contingency table otherwise (numbers cut into ten
equal-width bins on the real range). Association strength (for heatmaps): Pearson ρ for two
numeric columns, Cramér's V of the contingency table for every other pair.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import pandas as pd

from datatwin.schema import Schema
from datatwin.schema.features import NUMERIC_KINDS, comparable_columns, numeric_matrix

_BINS = 10

MEANINGFUL_CORRELATION = 0.5
"""A number pair's real |Pearson ρ| from which its trend counts in the headline (SDMetrics' value)."""

MEANINGFUL_ASSOCIATION = 0.3
"""Any other pair's real Cramér's V from which its trend counts in the headline (SDMetrics' value)."""


@dataclass(frozen=True)
class PairTrend:
    """One column pair: its trend similarity and its association in both tables."""

    left: str
    right: str
    measure: str  # "correlation" or "contingency"
    similarity: float
    real_association: float
    synthetic_association: float


def pair_trend_details(real: pd.DataFrame, synthetic: pd.DataFrame, schema: Schema) -> list[PairTrend]:
    """Every pair of comparable columns, scored."""
    columns = comparable_columns(schema)
    x_real, x_synth = numeric_matrix([real, synthetic], schema, columns)
    numeric = [schema[c].kind in NUMERIC_KINDS for c in columns]
    codes_real, codes_synth = _discretise(x_real, x_synth, numeric)
    pairs = []
    for a, b in itertools.combinations(range(len(columns)), 2):
        if numeric[a] and numeric[b]:
            rho_real, rho_synth = _pearson(x_real[:, [a, b]]), _pearson(x_synth[:, [a, b]])
            similarity = 1 - abs(rho_real - rho_synth) / 2
            pairs.append(PairTrend(columns[a], columns[b], "correlation", similarity, rho_real, rho_synth))
        else:
            joint_real, joint_synth = _joint_counts(codes_real[:, [a, b]], codes_synth[:, [a, b]])
            p, q = joint_real.ravel() / joint_real.sum(), joint_synth.ravel() / max(joint_synth.sum(), 1)
            similarity = 1 - 0.5 * float(np.abs(p - q).sum())
            pairs.append(
                PairTrend(
                    columns[a], columns[b], "contingency", similarity, _cramers_v(joint_real), _cramers_v(joint_synth)
                )
            )
    return pairs


def is_meaningful(pair: PairTrend) -> bool:
    """Whether the pair's real association is strong enough for its trend to tell anything: a
    weak model scores well on pairs that are independent anyway."""
    if np.isnan(pair.real_association):
        return False
    if pair.measure == "correlation":
        return abs(pair.real_association) >= MEANINGFUL_CORRELATION
    return pair.real_association >= MEANINGFUL_ASSOCIATION


def pair_trends(real: pd.DataFrame, synthetic: pd.DataFrame, schema: Schema, *, meaningful: bool = True) -> float:
    """Mean trend similarity over the column pairs whose real association is meaningful (see
    :func:`is_meaningful`; every pair when none is, or with ``meaningful=False``); pairs without
    a defined correlation are left out."""
    pairs = [p for p in pair_trend_details(real, synthetic, schema) if not np.isnan(p.similarity)]
    chosen = [p for p in pairs if is_meaningful(p)] if meaningful else []
    scores = [p.similarity for p in (chosen or pairs)]
    return float(np.mean(scores)) if scores else float("nan")


def _discretise(x_real: np.ndarray, x_synth: np.ndarray, numeric: list[bool]) -> tuple[np.ndarray, np.ndarray]:
    """Non-negative integer codes: labels' codes + 1, numbers' bin + 1, missing 0."""
    codes_real, codes_synth = np.zeros(x_real.shape, np.int64), np.zeros(x_synth.shape, np.int64)
    for j, is_numeric in enumerate(numeric):
        for x, codes in ((x_real, codes_real), (x_synth, codes_synth)):
            present = ~np.isnan(x[:, j])
            if is_numeric:
                finite = x_real[:, j][~np.isnan(x_real[:, j])]
                edges = np.linspace(finite.min(), finite.max(), _BINS + 1)[1:-1] if len(finite) else np.zeros(0)
                codes[present, j] = np.digitize(x[present, j], edges) + 1
            else:
                codes[present, j] = x[present, j].astype(np.int64) + 1
    return codes_real, codes_synth


def _joint_counts(real: np.ndarray, synthetic: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """2-D count tables of two code columns over the same cells."""
    shape = (
        int(max(real[:, 0].max(), synthetic[:, 0].max(initial=0))) + 1,
        int(max(real[:, 1].max(), synthetic[:, 1].max(initial=0))) + 1,
    )
    tables = []
    for codes in (real, synthetic):
        flat = np.bincount(codes[:, 0] * shape[1] + codes[:, 1], minlength=shape[0] * shape[1])
        tables.append(flat.reshape(shape).astype(np.float64))
    return tables[0], tables[1]


def _pearson(x: np.ndarray) -> float:
    x = x[~np.isnan(x).any(axis=1)]
    if len(x) < 2 or x.std(axis=0).min() == 0:
        return float("nan")
    return float(np.corrcoef(x.T)[0, 1])


def _cramers_v(table: np.ndarray) -> float:
    """Cramér's V of a count table, over its non-empty rows and columns."""
    table = table[table.sum(axis=1) > 0][:, table.sum(axis=0) > 0]
    n = table.sum()
    if n == 0 or min(table.shape) < 2:
        return 0.0
    expected = np.outer(table.sum(axis=1), table.sum(axis=0)) / n
    chi2 = float(((table - expected) ** 2 / expected).sum())
    return float(np.sqrt(chi2 / (n * (min(table.shape) - 1))))
