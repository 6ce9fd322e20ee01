"""Fidelity metrics: does the synthetic table look like the real one, column by column and pair by pair?"""

from __future__ import annotations

import numpy as np
import pandas as pd

from datatwin.evaluate.detection import detection_test
from datatwin.evaluate.inputs import EvaluationData
from datatwin.evaluate.result import MetricResult, Threshold, measured
from datatwin.evaluate.shapes import column_shape_similarity
from datatwin.evaluate.trends import MEANINGFUL_ASSOCIATION, MEANINGFUL_CORRELATION, is_meaningful, pair_trend_details
from datatwin.schema.features import NUMERIC_KINDS, as_float

_HISTOGRAM_BINS = 30
_TOP_LABELS = 12


def column_shapes_metric(data: EvaluationData, thresholds: dict[str, Threshold]) -> MetricResult:
    """Mean column-shape similarity, with each column's score and distributions for plotting."""
    per_column = {}
    for name in data.columns:
        kind = data.schema[name].kind
        score = column_shape_similarity(data.real[name], data.synthetic[name], kind)
        per_column[name] = {"score": score, "kind": kind.value, **_distribution(data, name)}
    scores = [c["score"] for c in per_column.values() if c["score"] is not None]
    worst = min(per_column, key=lambda n: per_column[n]["score"] if per_column[n]["score"] is not None else 2)
    return measured(
        "column_shapes",
        float(np.mean(scores)) if scores else float("nan"),
        1.0,
        f"Mean similarity of {len(scores)} column distributions (KS / total variation); least alike: {worst!r}.",
        thresholds,
        {"columns": per_column},
    )


def missing_values_metric(data: EvaluationData, thresholds: dict[str, Threshold]) -> MetricResult:
    """1 − the mean absolute difference of per-column missing rates."""
    rates = {
        name: {"real": float(data.real[name].isna().mean()), "synthetic": float(data.synthetic[name].isna().mean())}
        for name in data.schema.names
    }
    gaps = {name: abs(r["real"] - r["synthetic"]) for name, r in rates.items()}
    worst = max(gaps, key=gaps.__getitem__)
    return measured(
        "missing_values",
        1 - float(np.mean(list(gaps.values()))),
        1.0,
        f"Missing-value rates match to {100 * np.mean(list(gaps.values())):.2f} points on average; "
        f"largest gap {100 * gaps[worst]:.2f} points in {worst!r}.",
        thresholds,
        {"columns": rates},
    )


def coverage_metric(data: EvaluationData, thresholds: dict[str, Threshold]) -> MetricResult:
    """Mean over columns of the share of the real range (numbers) or labels (others) the synthetic rows reach."""
    per_column = {}
    for name in data.columns:
        real, synth = data.real[name].dropna(), data.synthetic[name].dropna()
        if data.schema[name].kind in NUMERIC_KINDS:
            per_column[name] = _range_coverage(as_float(real), as_float(synth))
        else:
            labels = set(real.astype(str))
            per_column[name] = len(labels & set(synth.astype(str))) / len(labels) if labels else 1.0
    worst = min(per_column, key=per_column.__getitem__)
    return measured(
        "coverage",
        float(np.mean(list(per_column.values()))),
        1.0,
        f"The synthetic rows reach {100 * np.mean(list(per_column.values())):.1f}% of the real ranges and "
        f"labels on average; least covered: {worst!r} ({100 * per_column[worst]:.1f}%).",
        thresholds,
        {"columns": per_column},
    )


def invented_values_metric(data: EvaluationData, thresholds: dict[str, Threshold]) -> MetricResult:
    """Share of synthetic cells holding a label the real column never has, or a number outside its range."""
    per_column, invented, cells = {}, 0, 0
    for name in data.columns:
        real, synth = data.real[name].dropna(), data.synthetic[name].dropna()
        if data.schema[name].kind in NUMERIC_KINDS:
            values, bounds = as_float(synth), as_float(real)
            outside = int(((values < bounds.min()) | (values > bounds.max())).sum()) if len(bounds) else len(values)
        else:
            outside = int((~synth.astype(str).isin(set(real.astype(str)))).sum())
        per_column[name] = outside / len(synth) if len(synth) else 0.0
        invented, cells = invented + outside, cells + len(synth)
    share = invented / cells if cells else 0.0
    offenders = [n for n, s in sorted(per_column.items(), key=lambda kv: -kv[1]) if s > 0][:3]
    return measured(
        "invented_values",
        share,
        0.0,
        f"{100 * share:.2f}% of synthetic cells hold labels or numbers the real table never has"
        + (f" (most in {offenders})." if offenders else "."),
        thresholds,
        {"columns": per_column},
    )


def pair_trends_metric(data: EvaluationData, thresholds: dict[str, Threshold]) -> MetricResult:
    """Mean pair-trend similarity over the pairs whose real association is meaningful (all pairs
    when none is), the all-pairs mean in the details, and both association matrices for heatmaps."""
    pairs = pair_trend_details(data.real, data.synthetic, data.schema)
    scores = [p.similarity for p in pairs if not np.isnan(p.similarity)]
    meaningful = [p.similarity for p in pairs if not np.isnan(p.similarity) and is_meaningful(p)]
    headline = meaningful or scores
    index = {name: i for i, name in enumerate(data.columns)}
    size = len(data.columns)
    matrices: dict[str, list[list[float | None]]] = {
        side: [[float(i == j) for j in range(size)] for i in range(size)] for side in ("real", "synthetic")
    }
    for p in pairs:
        for side, value in (("real", p.real_association), ("synthetic", p.synthetic_association)):
            shown: float | None = None if np.isnan(value) else round(value, 4)
            matrices[side][index[p.left]][index[p.right]] = matrices[side][index[p.right]][index[p.left]] = shown
    worst = sorted((p for p in pairs if not np.isnan(p.similarity)), key=lambda p: p.similarity)[:5]
    return measured(
        "pair_trends",
        float(np.mean(headline)) if headline else float("nan"),
        1.0,
        f"Mean similarity of the {len(meaningful)} column pairs with a meaningful real association "
        f"(|Pearson ρ| ≥ {MEANINGFUL_CORRELATION} or Cramér's V ≥ {MEANINGFUL_ASSOCIATION}); "
        f"over all {len(scores)} pairs: {np.mean(scores) if scores else float('nan'):.4f}."
        if meaningful
        else f"Mean similarity of all {len(scores)} column pairs (none has a meaningful real association).",
        thresholds,
        {
            "columns": data.columns,
            "meaningful_pairs": len(meaningful),
            "all_pairs_mean": round(float(np.mean(scores)), 6) if scores else None,
            "association_real": matrices["real"],
            "association_synthetic": matrices["synthetic"],
            "least_alike": [{"pair": [p.left, p.right], "similarity": round(p.similarity, 4)} for p in worst],
        },
    )


def detection_metric(data: EvaluationData, thresholds: dict[str, Threshold], *, seed: int) -> MetricResult:
    """The two-sample classifier test against the holdout (or the real rows when there is none)."""
    reference = data.holdout if data.holdout is not None else data.real
    result = detection_test(reference, data.synthetic, data.schema, seed=seed)
    giveaways = dict(sorted(result.giveaways.items(), key=lambda kv: -kv[1]))
    top = [n for n, v in giveaways.items() if v > 0.005][:3]
    against = "holdout" if data.holdout is not None else "real"
    return measured(
        "detection",
        result.auc,
        0.5,
        f"A gradient-boosting classifier tells synthetic from {against} rows with AUC {result.auc:.3f} "
        f"(0.5 = indistinguishable)" + (f"; the columns that give them away most: {top}." if top else "."),
        thresholds,
        {"giveaways": giveaways, "rows_per_side": result.n_rows, "against": against},
    )


def _range_coverage(real: np.ndarray, synthetic: np.ndarray) -> float:
    """SDMetrics' RangeCoverage: the part of [real min, real max] inside [synthetic min, synthetic max]."""
    if len(real) == 0:
        return 1.0
    if len(synthetic) == 0:
        return 0.0
    lo, hi = real.min(), real.max()
    if hi == lo:
        return 1.0 if synthetic.min() <= lo <= synthetic.max() else 0.0
    missed = max(0.0, synthetic.min() - lo) + max(0.0, hi - synthetic.max())
    return float(np.clip(1 - missed / (hi - lo), 0.0, 1.0))


def _distribution(data: EvaluationData, name: str) -> dict:
    """What a real-vs-synthetic plot of one column needs: histogram densities or label shares."""
    real, synth = data.real[name].dropna(), data.synthetic[name].dropna()
    if data.schema[name].kind in NUMERIC_KINDS:
        r, s = as_float(real), as_float(synth)
        if len(r) == 0:
            return {}
        edges = np.unique(np.linspace(r.min(), r.max(), _HISTOGRAM_BINS + 1))  # a tiny range of times: fewer
        if len(edges) < 2:  # one value
            edges = np.array([r.min() - 0.5, r.min() + 0.5])
        density = lambda x: (np.histogram(np.clip(x, edges[0], edges[-1]), edges)[0] / max(len(x), 1)).round(5)  # noqa: E731
        return {
            "edges": edges.tolist(),
            "datetime": bool(pd.api.types.is_datetime64_any_dtype(real.dtype)),
            "real": density(r).tolist(),
            "synthetic": density(s).tolist(),
        }
    p = real.astype(str).value_counts(normalize=True)
    q = synth.astype(str).value_counts(normalize=True)
    labels = list(p.index[:_TOP_LABELS])
    shares = {
        "labels": labels,
        "real": [round(float(p.get(label, 0.0)), 5) for label in labels],
        "synthetic": [round(float(q.get(label, 0.0)), 5) for label in labels],
    }
    if len(p) > _TOP_LABELS:
        shares["labels"].append("(others)")
        shares["real"].append(round(1 - sum(shares["real"]), 5))
        shares["synthetic"].append(round(1 - sum(shares["synthetic"]), 5))
    return shares
