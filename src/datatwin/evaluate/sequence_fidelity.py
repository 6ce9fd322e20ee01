"""Do the synthetic sequences move like the real ones? Lengths, time between events,
autocorrelation, cross-correlation and a two-sample test on whole entities.

Autocorrelations are pooled over entities with each entity's own mean removed, so a panel of
short sequences is measured as well as one long series. Lags 1–48 for long series (a day or two
of hourly readings), 1–3 for short event sequences.
"""

from __future__ import annotations

import numpy as np
from scipy.stats import ks_2samp
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold, cross_val_predict

from datatwin.evaluate.result import MetricResult, Threshold, measured, skipped
from datatwin.evaluate.sequence_data import SequenceSet, by_entities, top_labels, unit_features, unit_rows

LONG_SERIES = 200
"""Median length from which sequences are long series (autocorrelation lags 1–48)."""
MAX_UNITS = 2000
"""Units per side in the two-sample test."""


def autocorrelation_lags(real: SequenceSet) -> int:
    """How many lags the autocorrelation is compared over."""
    return 48 if np.median(real.lengths) >= LONG_SERIES else 3


def sequence_lengths_metric(real: SequenceSet, synthetic: SequenceSet, limits: dict[str, Threshold]) -> MetricResult:
    """1 − the Kolmogorov–Smirnov distance between the numbers of events per entity."""
    value = 1.0 - float(ks_2samp(real.lengths, synthetic.lengths).statistic)
    details = {"real_median": float(np.median(real.lengths)), "synthetic_median": float(np.median(synthetic.lengths))}
    summary = (
        f"Events per entity: median {details['synthetic_median']:g} synthetic vs {details['real_median']:g} real "
        f"(similarity {value:.3f})."
    )
    return measured("sequence_lengths", value, None, summary, limits, details)


def inter_event_times_metric(real: SequenceSet, synthetic: SequenceSet, limits: dict[str, Threshold]) -> MetricResult:
    """1 − the Kolmogorov–Smirnov distance between the times from one event to the next."""
    a, b = real.gaps, synthetic.gaps
    if len(a) < 2 or len(b) < 2:
        return skipped("inter_event_times", "Too few consecutive events to compare.", limits)
    if np.all(a == a[0]) and np.all(b == b[0]):
        value = 1.0 if a[0] == b[0] else 0.0
    else:
        value = 1.0 - float(ks_2samp(a, b).statistic)
    details = {"real_median": float(np.median(a)), "synthetic_median": float(np.median(b))}
    summary = (
        f"Time between events: median {details['synthetic_median']:g} synthetic vs {details['real_median']:g} real."
    )
    return measured("inter_event_times", value, None, summary, limits, details)


def autocorrelations(sequences: SequenceSet, lags: int) -> np.ndarray:
    """``(columns, lags)`` autocorrelation of each number at lags 1..``lags``, pooled over
    entities after removing each entity's mean (NaN where no pair exists)."""
    x = _demeaned(sequences)
    out = np.full((x.shape[1], lags), np.nan)
    for lag in range(1, lags + 1):
        a, b = _pairs(sequences, x, lag)
        for j in range(x.shape[1]):
            out[j, lag - 1] = _correlation(a[:, j], b[:, j])
    return out


def autocorrelation_metrics(
    real: SequenceSet, synthetic: SequenceSet, limits: dict[str, Threshold]
) -> list[MetricResult]:
    """Per number: the mean absolute difference of its autocorrelations over the lags."""
    lags = autocorrelation_lags(real)
    acf_real, acf_synth = autocorrelations(real, lags), autocorrelations(synthetic, lags)
    results = []
    for j, column in enumerate(real.number_columns):
        diff = np.abs(acf_real[j] - acf_synth[j])
        if np.all(np.isnan(diff)):
            results.append(
                skipped("autocorrelation", f"{column!r} has no consecutive values to compare.", limits, column)
            )
            continue
        value = float(np.nanmean(diff))
        lag1 = float(acf_synth[j, 0] - acf_real[j, 0])
        details = {
            "lags": lags,
            "real": _listed(acf_real[j]),
            "synthetic": _listed(acf_synth[j]),
            "lag1_difference": None if np.isnan(lag1) else lag1,
        }
        summary = (
            f"{column}: autocorrelation off by {value:.3f} on average over lags 1–{lags} "
            f"(lag 1: {acf_synth[j, 0]:.3f} synthetic vs {acf_real[j, 0]:.3f} real)."
        )
        results.append(measured("autocorrelation", value, None, summary, limits, details, subject=column))
    return results


def cross_correlation_metric(real: SequenceSet, synthetic: SequenceSet, limits: dict[str, Threshold]) -> MetricResult:
    """Mean absolute difference of the correlations between numbers, at the same step and one
    step apart (within entities, means removed)."""
    if len(real.number_columns) < 2:
        return skipped("cross_correlation", "Needs two numeric columns.", limits)
    a, b = _cross(real), _cross(synthetic)
    value = float(np.nanmean(np.abs(a - b)))
    if np.isnan(value):
        return skipped("cross_correlation", "No pairs of values to correlate.", limits)
    summary = f"Correlations between numeric columns (same step and one step apart) off by {value:.3f} on average."
    return measured("cross_correlation", value, None, summary, limits, {"columns": real.number_columns})


def entity_detection_metric(
    real: SequenceSet, synthetic: SequenceSet, limits: dict[str, Threshold], *, seed: int
) -> MetricResult:
    """Cross-validated AUC of gradient boosting telling real from synthetic units (entities, or
    windows of long series) by their aggregates and lag-1 behaviour."""
    rng = np.random.default_rng(seed)
    units_real = unit_rows(real, max_units=MAX_UNITS, rng=rng, entities=by_entities(real))
    units_synth = unit_rows(synthetic, max_units=MAX_UNITS, rng=rng, entities=by_entities(real))
    n = min(len(units_real), len(units_synth))
    if n < 10:
        return skipped("entity_detection", f"Too few units to test ({n} on the smaller side; 10 needed).", limits)
    units_real = [units_real[i] for i in rng.choice(len(units_real), n, replace=False)]
    units_synth = [units_synth[i] for i in rng.choice(len(units_synth), n, replace=False)]
    labels = top_labels(real)
    x = np.vstack([unit_features(real, units_real, labels), unit_features(synthetic, units_synth, labels)])
    x = x[:, ~np.isnan(x).all(axis=0)]  # a feature no unit has (a constant's autocorrelation) says nothing
    y = np.r_[np.zeros(n), np.ones(n)]
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=seed)
    classifier = HistGradientBoostingClassifier(random_state=seed, max_iter=100)
    scores = cross_val_predict(classifier, x, y, cv=folds, method="predict_proba")[:, 1]
    auc = float(roc_auc_score(y, scores))
    unit = "entities" if by_entities(real) else f"windows of {len(units_real[0])} steps"
    summary = f"A classifier tells real from synthetic {unit} with AUC {auc:.3f} (0.5: it cannot)."
    return measured("entity_detection", auc, None, summary, limits, {"units": n, "unit": unit})


def _demeaned(sequences: SequenceSet) -> np.ndarray:
    x = sequences.numbers
    if x.shape[1] == 0:
        return x
    sums = np.zeros((len(sequences.lengths), x.shape[1]))
    counts = np.zeros_like(sums)
    observed = ~np.isnan(x)
    np.add.at(sums, sequences.entity_of, np.nan_to_num(x))
    np.add.at(counts, sequences.entity_of, observed)
    means = sums / np.maximum(counts, 1)
    return x - means[sequences.entity_of]


def _pairs(sequences: SequenceSet, x: np.ndarray, lag: int) -> tuple[np.ndarray, np.ndarray]:
    """Rows ``t`` and ``t + lag`` of the same entity."""
    if lag >= len(x):
        return x[:0], x[:0]
    same = sequences.entity_of[lag:] == sequences.entity_of[:-lag]
    return x[:-lag][same], x[lag:][same]


def _correlation(a: np.ndarray, b: np.ndarray) -> float:
    ok = ~np.isnan(a) & ~np.isnan(b)
    a, b = a[ok], b[ok]
    if len(a) < 3 or a.std() == 0 or b.std() == 0:
        return np.nan
    return float(np.corrcoef(a, b)[0, 1])


def _cross(sequences: SequenceSet) -> np.ndarray:
    x = _demeaned(sequences)
    k = x.shape[1]
    out = []
    for lag in (0, 1):
        a, b = (x, x) if lag == 0 else _pairs(sequences, x, 1)
        for i in range(k):
            for j in range(k):
                if lag == 0 and j <= i:
                    continue
                out.append(_correlation(a[:, i], b[:, j]))
    return np.asarray(out)


def _listed(values: np.ndarray) -> list[float | None]:
    return [None if np.isnan(v) else round(float(v), 6) for v in values]
