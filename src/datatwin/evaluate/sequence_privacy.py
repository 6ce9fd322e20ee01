"""Privacy of whole sequences: copied sequences, distance to the closest real sequence, and
membership inference per entity (or per window of long series).

A unit (see :mod:`datatwin.evaluate.sequence_data`) is described for distances by its numbers'
paths resampled to a few points (scaled by the real ranges), its labels' shares and its length.
"""

from __future__ import annotations

import numpy as np
from sklearn.metrics import roc_auc_score
from sklearn.neighbors import NearestNeighbors

from datatwin.evaluate.result import MetricResult, Threshold, measured, skipped
from datatwin.evaluate.sequence_data import (
    SequenceSet,
    by_entities,
    number_scale,
    top_labels,
    unit_paths,
    unit_rows,
)

MAX_UNITS = 5000
"""Units per table compared."""


def sequence_copies_metric(
    real: SequenceSet, synthetic: SequenceSet, limits: dict[str, Threshold], *, seed: int
) -> MetricResult:
    """Share of synthetic units whose whole sequence of values (times aside) is a real unit's."""
    rng = np.random.default_rng(seed)
    real_units = unit_rows(real, max_units=10 * MAX_UNITS, rng=rng, entities=by_entities(real))
    synthetic_units = unit_rows(synthetic, max_units=MAX_UNITS, rng=rng, entities=by_entities(real))
    if not synthetic_units or not real_units:
        return skipped("sequence_copies", "No sequences to compare.", limits)
    seen = {_fingerprint(real, u) for u in real_units}
    copies = sum(_fingerprint(synthetic, u) in seen for u in synthetic_units)
    value = copies / len(synthetic_units)
    summary = f"{copies} of {len(synthetic_units)} synthetic sequences repeat a real one value for value."
    return measured("sequence_copies", value, None, summary, limits, {"copies": copies, "units": len(synthetic_units)})


def sequence_privacy_metrics(
    real: SequenceSet, synthetic: SequenceSet, holdout: SequenceSet | None, limits: dict[str, Threshold], *, seed: int
) -> list[MetricResult]:
    """Copied sequences, sequence DCR and membership inference; the units are described for
    distances once, for both distance metrics."""
    copies = sequence_copies_metric(real, synthetic, limits, seed=seed)
    sides = _balanced(real, holdout, synthetic, seed)
    if isinstance(sides, str):
        return [copies, skipped("sequence_dcr", sides, limits), skipped("sequence_membership", sides, limits)]
    return [copies, _dcr(*sides, limits), _membership(*sides, limits)]


def _dcr(
    train_x: np.ndarray, holdout_x: np.ndarray, synthetic_x: np.ndarray, limits: dict[str, Threshold]
) -> MetricResult:
    """Share of synthetic units closer to a training unit than to a holdout unit (as many of
    each): 0.5 when the twin is no closer to the data it learnt from than to unseen data."""
    to_train = NearestNeighbors(n_neighbors=1).fit(train_x).kneighbors(synthetic_x)[0][:, 0]
    to_holdout = NearestNeighbors(n_neighbors=1).fit(holdout_x).kneighbors(synthetic_x)[0][:, 0]
    value = float(np.mean(to_train < to_holdout) + 0.5 * np.mean(to_train == to_holdout))
    summary = (
        f"{100 * value:.1f}% of synthetic sequences are closer to a training sequence than to an unseen one "
        "(50% ideal)."
    )
    return measured("sequence_dcr", value, None, summary, limits, {"units": len(train_x)})


def _membership(
    train_x: np.ndarray, holdout_x: np.ndarray, synthetic_x: np.ndarray, limits: dict[str, Threshold]
) -> MetricResult:
    """AUC of an attacker who calls a real unit a member when a synthetic unit lies close to it
    (training units against holdout units): 0.5 when closeness gives nothing away."""
    n = len(train_x)
    nearest = NearestNeighbors(n_neighbors=1).fit(synthetic_x)
    distances = nearest.kneighbors(np.vstack([train_x, holdout_x]))[0][:, 0]
    auc = float(roc_auc_score(np.r_[np.ones(n), np.zeros(n)], -distances))
    summary = f"Closeness to synthetic sequences tells members from non-members with AUC {auc:.3f} (0.5 ideal)."
    return measured("sequence_membership", auc, None, summary, limits, {"units": n})


def _balanced(
    real: SequenceSet, holdout: SequenceSet | None, synthetic: SequenceSet, seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray] | str:
    """Training and holdout units, as many of each, and the synthetic units, described for
    distances; or why they cannot be compared."""
    if holdout is None:
        return "Needs holdout sequences the twin never saw."
    train_x, holdout_x, synthetic_x = _described(real, holdout, synthetic, seed)
    n = min(len(train_x), len(holdout_x))
    if n < 5 or not len(synthetic_x):
        return "Too few sequences on one side."
    rng = np.random.default_rng(seed)
    return train_x[rng.permutation(len(train_x))[:n]], holdout_x[rng.permutation(len(holdout_x))[:n]], synthetic_x


def _described(
    real: SequenceSet, holdout: SequenceSet, synthetic: SequenceSet, seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    scale = number_scale(real)
    labels = top_labels(real)
    out = []
    for sequences in (real, holdout, synthetic):
        units = unit_rows(sequences, max_units=MAX_UNITS, rng=rng, entities=by_entities(real))
        paths = unit_paths(sequences, units, scale)
        shares = [
            [
                float(np.mean(sequences.frame[c].to_numpy()[u].astype(str) == label))
                for c in labels
                for label in labels[c]
            ]
            for u in units
        ]
        out.append(np.hstack([paths, np.asarray(shares).reshape(len(units), -1)]) if units else np.empty((0, 1)))
    return out[0], out[1], out[2]


def _fingerprint(sequences: SequenceSet, unit: np.ndarray) -> int:
    columns = [*sequences.number_columns, *sequences.label_columns]
    values = sequences.frame[columns].iloc[unit].to_numpy(dtype=object)
    return hash("\x1f".join("\x1e".join(map(str, row)) for row in values))
