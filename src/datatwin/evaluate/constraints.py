"""Constraint validity: do the synthetic rows keep the rules a declared schema states?

Rules checked per column: numeric and datetime bounds, whole numbers in integer columns, and
the category domain of categorical columns (plus their declared ``other_label``); and every rule
across columns the schema states (:mod:`datatwin.constraints`), a combination against those the
real table holds.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from datatwin.constraints import Combination, parse_rules
from datatwin.evaluate.inputs import EvaluationData
from datatwin.evaluate.result import MetricResult, Threshold, measured
from datatwin.schema import ColumnKind, ColumnSpec
from datatwin.schema.features import as_float


def constraints_metric(data: EvaluationData, thresholds: dict[str, Threshold]) -> MetricResult:
    """Share of synthetic rows breaking at least one declared rule."""
    broken_rows = np.zeros(len(data.synthetic), dtype=bool)
    rules: dict[str, int] = {}
    for spec in data.schema.columns:
        for rule, broken in _breaches(spec, data.synthetic[spec.name]).items():
            if broken.any():
                rules[f"{spec.name}: {rule}"] = int(broken.sum())
            broken_rows |= broken
    for declared in parse_rules(data.schema.rules or ()):
        broken = _unseen(declared, data) if isinstance(declared, Combination) else declared.broken(data.synthetic)
        if broken.any():
            rules[f"rule: {declared}"] = int(broken.sum())
        broken_rows |= broken
    share = float(broken_rows.mean())
    worst = sorted(rules, key=lambda r: -rules[r])[:3]
    return measured(
        "constraints",
        share,
        0.0,
        f"{100 * share:.2f}% of synthetic rows break a rule of the declared schema"
        + (f" (most often {worst})." if worst else "."),
        thresholds,
        {"broken_rules": rules, "rules_across_columns": len(data.schema.rules or ())},
    )


def _unseen(rule: Combination, data: EvaluationData) -> np.ndarray:
    """Synthetic rows whose combination of the rule's columns the real table never has."""
    columns = list(rule.columns())
    seen = set(data.real[columns].astype(str).itertuples(index=False, name=None))
    drawn = data.synthetic[columns].astype(str).itertuples(index=False, name=None)
    return np.array([row not in seen for row in drawn], dtype=bool)


def _breaches(spec: ColumnSpec, values: pd.Series) -> dict[str, np.ndarray]:
    present = values.notna().to_numpy()
    out: dict[str, np.ndarray] = {}
    if spec.kind in (ColumnKind.NUMERIC, ColumnKind.INTEGER, ColumnKind.DATETIME):
        numbers = as_float(values)
        for rule, bound, outside in (
            ("below minimum", spec.minimum, np.less),
            ("above maximum", spec.maximum, np.greater),
        ):
            if bound is not None:
                limit = pd.Timestamp(bound).value if spec.kind is ColumnKind.DATETIME else float(bound)
                out[f"{rule} {bound}"] = present & outside(numbers, limit)
        if spec.kind is ColumnKind.INTEGER:
            out["not a whole number"] = present & (numbers != np.round(numbers))
    elif spec.kind is ColumnKind.CATEGORICAL and spec.categories is not None:
        allowed = {str(c) for c in spec.categories} | (
            {str(spec.other_label)} if spec.other_label is not None else set()
        )
        out["label outside the declared categories"] = present & ~values.astype(str).isin(allowed).to_numpy()
    return out
