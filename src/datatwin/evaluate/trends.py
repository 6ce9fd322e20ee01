"""Column-pair trends (SDMetrics' ColumnPairTrends): correlation and contingency similarity."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from datatwin.evaluate._features import NUMERIC_KINDS, comparable_columns, numeric_matrix
from datatwin.schema import Schema

_BINS = 10


def pair_trends(real: pd.DataFrame, synthetic: pd.DataFrame, schema: Schema) -> float:
    """Mean over column pairs: 1 − |ρ_real − ρ_synthetic| / 2 (Pearson) for two numeric columns,
    1 − total variation distance of the 2-D contingency table otherwise (numbers cut into ten
    equal-width bins on the real range)."""
    columns = comparable_columns(schema)
    x_real, x_synth = numeric_matrix([real, synthetic], schema, columns)
    numeric = [schema[c].kind in NUMERIC_KINDS for c in columns]
    codes_real, codes_synth = _discretise(x_real, x_synth, numeric)
    scores = []
    for a, b in itertools.combinations(range(len(columns)), 2):
        if numeric[a] and numeric[b]:
            scores.append(_correlation_similarity(x_real[:, [a, b]], x_synth[:, [a, b]]))
        else:
            scores.append(_contingency_similarity(codes_real[:, [a, b]], codes_synth[:, [a, b]]))
    return float(np.nanmean(scores)) if scores else float("nan")


def _discretise(x_real: np.ndarray, x_synth: np.ndarray, numeric: list[bool]) -> tuple[np.ndarray, np.ndarray]:
    codes_real, codes_synth = x_real.copy(), x_synth.copy()
    for j, is_numeric in enumerate(numeric):
        if is_numeric:
            finite = x_real[:, j][~np.isnan(x_real[:, j])]
            edges = np.linspace(finite.min(), finite.max(), _BINS + 1)[1:-1] if len(finite) else np.zeros(0)
            codes_real[:, j] = np.where(np.isnan(x_real[:, j]), -1, np.digitize(x_real[:, j], edges))
            codes_synth[:, j] = np.where(np.isnan(x_synth[:, j]), -1, np.digitize(x_synth[:, j], edges))
    return np.nan_to_num(codes_real, nan=-1), np.nan_to_num(codes_synth, nan=-1)


def _correlation_similarity(real: np.ndarray, synthetic: np.ndarray) -> float:
    real, synthetic = real[~np.isnan(real).any(1)], synthetic[~np.isnan(synthetic).any(1)]
    if len(real) < 2 or len(synthetic) < 2 or real.std(0).min() == 0 or synthetic.std(0).min() == 0:
        return float("nan")
    return 1 - abs(np.corrcoef(real.T)[0, 1] - np.corrcoef(synthetic.T)[0, 1]) / 2


def _contingency_similarity(real: np.ndarray, synthetic: np.ndarray) -> float:
    p = pd.Series(map(tuple, real)).value_counts(normalize=True)
    q = pd.Series(map(tuple, synthetic)).value_counts(normalize=True)
    p, q = p.align(q, fill_value=0.0)
    return 1 - 0.5 * float(np.abs(p - q).sum())
