"""Fairness: does the synthetic table keep, reduce or amplify the real table's gaps between groups?

For a sensitive column, each group's target rate (share of the rarer target label, or the mean
of a numeric target) is compared in both tables. The disparity is the gap between the highest
and lowest rate among groups with enough real rows; the metric is how far that gap moved.
Numeric sensitive columns are cut into quartiles of the real values.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pandas as pd

from datatwin.evaluate.inputs import EvaluationData
from datatwin.evaluate.result import MetricResult, Threshold, measured
from datatwin.schema.features import NUMERIC_KINDS, as_float

_MIN_GROUP_ROWS = 20
_QUARTILES = 4


def fairness_metric(data: EvaluationData, column: str, thresholds: dict[str, Threshold]) -> MetricResult:
    """Group rates of the target in both tables for one sensitive column."""
    assert data.target is not None
    groups_real, groups_synth = _groups(data, column)
    outcome_real, outcome_synth, outcome = _outcomes(data)
    shares_real = groups_real.value_counts(normalize=True)
    shares_synth = groups_synth.value_counts(normalize=True)
    rates_real = outcome_real.groupby(groups_real).mean()
    rates_synth = outcome_synth.groupby(groups_synth).mean()
    counted = [g for g in shares_real.index if (groups_real == g).sum() >= _MIN_GROUP_ROWS and g in rates_synth.index]
    gap_real = float(rates_real[counted].max() - rates_real[counted].min()) if counted else 0.0
    gap_synth = float(rates_synth[counted].max() - rates_synth[counted].min()) if counted else 0.0
    scale = float(np.nanstd(outcome_real)) if data.schema[data.target].kind in NUMERIC_KINDS else 1.0
    moved = abs(gap_synth - gap_real) / (scale or 1.0)
    coverage = float(np.mean([g in shares_synth.index for g in shares_real.index]))
    verdict = (
        "kept" if moved <= thresholds["fairness"].passing else ("amplified" if gap_synth > gap_real else "reduced")
    )
    groups = [
        {
            "group": str(g),
            "real_share": round(float(shares_real.get(g, 0.0)), 5),
            "synthetic_share": round(float(shares_synth.get(g, 0.0)), 5),
            "real_rate": _rounded(rates_real.get(g)),
            "synthetic_rate": _rounded(rates_synth.get(g)),
        }
        for g in shares_real.index
    ]
    return measured(
        "fairness",
        moved,
        0.0,
        f"The gap in {outcome} between {column!r} groups is {gap_real:.3f} in the real table and "
        f"{gap_synth:.3f} in the synthetic one: bias {verdict}; {100 * coverage:.0f}% of groups present.",
        thresholds,
        {
            "outcome": outcome,
            "real_gap": round(gap_real, 5),
            "synthetic_gap": round(gap_synth, 5),
            "verdict": verdict,
            "group_coverage": coverage,
            "groups": groups,
        },
        subject=column,
    )


def _groups(data: EvaluationData, column: str) -> tuple[pd.Series, pd.Series]:
    real, synth = data.real[column], data.synthetic[column]
    if data.schema[column].kind in NUMERIC_KINDS:
        values = as_float(real)
        edges = np.unique(np.nanquantile(values, np.linspace(0, 1, _QUARTILES + 1)))
        labels = [f"{lo:g}–{hi:g}" for lo, hi in itertools.pairwise(edges)]
        cut = lambda x: pd.Series(  # noqa: E731
            pd.cut(np.clip(as_float(x), edges[0], edges[-1]), edges, labels=labels, include_lowest=True)
        ).astype(object)
        return cut(real), cut(synth)
    text = lambda s: s.astype(str).where(s.notna(), "(missing)")  # noqa: E731
    return text(real), text(synth)


def _outcomes(data: EvaluationData) -> tuple[pd.Series, pd.Series, str]:
    target = data.target
    assert target is not None
    if data.schema[target].kind in NUMERIC_KINDS:
        return (pd.Series(as_float(data.real[target])), pd.Series(as_float(data.synthetic[target])), f"mean {target!r}")
    labels = data.real[target].dropna().astype(str).value_counts()
    positive = labels.index[-1]
    rate = lambda s: (s.astype(str) == positive).where(s.notna()).astype(float)  # noqa: E731
    return rate(data.real[target]), rate(data.synthetic[target]), f"share of {target} = {positive!r}"


def _rounded(value: Any) -> float | None:
    return None if value is None or pd.isna(value) else round(float(value), 5)
