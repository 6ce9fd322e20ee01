"""Classifier two-sample test: can a gradient-boosting classifier tell synthetic from real rows?

Besides the cross-validated AUC it says which columns give the synthetic rows away: the drop
in held-out AUC when a column's values are shuffled (permutation importance).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from datatwin.pipeline.choose import FOLDS, fitted_folds, two_sample_rows
from datatwin.schema import Schema


@dataclass(frozen=True)
class DetectionResult:
    """The two-sample test's AUC (0.5 ideal) and each column's share in it."""

    auc: float
    giveaways: dict[str, float]
    n_rows: int


def detection_test(
    real: pd.DataFrame,
    synthetic: pd.DataFrame,
    schema: Schema,
    *,
    seed: int = 0,
    max_rows: int = 20_000,
    giveaways: bool = True,
) -> DetectionResult:
    """Cross-validated ROC AUC of a classifier separating real from synthetic rows.

    Both tables are cut to the same number of rows (at most ``max_rows``) so the test is balanced.
    ``giveaways`` maps each column to the mean AUC lost when it is shuffled in held-out folds.
    """
    rng = np.random.default_rng(seed)
    n = min(len(real), len(synthetic), max_rows)
    real = real.iloc[rng.choice(len(real), n, replace=False)]
    synthetic = synthetic.iloc[rng.choice(len(synthetic), n, replace=False)]
    x, y, categorical, columns = two_sample_rows(real, synthetic, schema)
    scores = np.empty(len(y))
    losses = np.zeros(len(columns))
    for classifier, test in fitted_folds(x, y, categorical, seed):
        scores[test] = classifier.predict_proba(x[test])[:, 1]
        if giveaways:
            fold_auc = roc_auc_score(y[test], scores[test])
            for j in range(len(columns)):
                shuffled = x[test].copy()
                shuffled[:, j] = rng.permutation(shuffled[:, j])
                losses[j] += fold_auc - roc_auc_score(y[test], classifier.predict_proba(shuffled)[:, 1])
    importance = {c: round(float(v / FOLDS), 5) for c, v in zip(columns, losses, strict=True)} if giveaways else {}
    return DetectionResult(float(roc_auc_score(y, scores)), importance, n)


def detection_auc(
    real: pd.DataFrame, synthetic: pd.DataFrame, schema: Schema, *, seed: int = 0, max_rows: int = 20_000
) -> float:
    """The AUC of :func:`detection_test` alone (0.5 ideal)."""
    return detection_test(real, synthetic, schema, seed=seed, max_rows=max_rows, giveaways=False).auc
