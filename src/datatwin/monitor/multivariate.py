"""How well a classifier tells two sets of rows apart (two-sample ROC AUC), reading values leniently."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from datatwin.monitor.binning import NUMBER_KINDS, label_values, number_values
from datatwin.pipeline.choose import fitted_folds
from datatwin.schema import ColumnKind, Schema
from datatwin.schema.features import MAX_CATEGORIES, comparable_columns

MULTIVARIATE_ROWS = 2_000
"""Rows of each side the classifier sees: the AUC's standard error is then about 0.0065."""
NULL_SPLITS = 4
"""Random splits :func:`null_auc_spread` measures the classifier's spread on."""


def auc_standard_error(rows: int) -> float:
    """Hanley and McNeil's standard error of the AUC between two samples of ``rows`` rows from one
    distribution."""
    return float(np.sqrt((2 * rows + 1) / (12 * rows**2)))


def null_auc_spread(first: pd.DataFrame, second: pd.DataFrame, schema: Schema, *, seed: int) -> float:
    """How far from 0.5 :func:`classifier_auc` strays between two sets of these sizes drawn from one
    distribution: the root mean square over :data:`NULL_SPLITS` random splits of both sets pooled
    (at least Hanley and McNeil's standard error). Cross-validated AUCs of a flexible classifier
    stray further than that formula says: on few, discrete columns, which folds a row falls in
    moves the AUC by several hundredths."""
    pooled = pd.concat([first, second], ignore_index=True)
    rng = np.random.default_rng(seed)
    deviations = []
    for draw in range(NULL_SPLITS):
        order = rng.permutation(len(pooled))
        auc = classifier_auc(
            pooled.iloc[order[: len(first)]], pooled.iloc[order[len(first) :]], schema, seed=seed + draw
        )
        deviations.append(auc - 0.5)
    rows = min(len(first), len(second))
    return max(auc_standard_error(rows), float(np.sqrt(np.mean(np.square(deviations)))))


def classifier_auc(first: pd.DataFrame, second: pd.DataFrame, schema: Schema, *, seed: int) -> float:
    """Cross-validated ROC AUC of gradient boosting telling ``second``'s rows from ``first``'s
    over the schema's comparable columns present in both (0.5: it cannot tell them apart)."""
    columns = [c for c in comparable_columns(schema) if c in first.columns and c in second.columns]
    if not columns or not len(first) or not len(second):
        return 0.5
    x = np.empty((len(first) + len(second), len(columns)))
    categorical = []
    for j, name in enumerate(columns):
        kind = ColumnKind(schema[name].kind)
        if kind in NUMBER_KINDS:
            x[:, j] = np.concatenate([number_values(frame[name], kind)[0] for frame in (first, second)])
            categorical.append(False)
        else:
            labels = np.concatenate([label_values(frame[name]) for frame in (first, second)])
            present = labels != None  # noqa: E711 (elementwise on an object array)
            codes = np.full(len(labels), np.nan)
            codes[present] = pd.factorize(labels[present].astype(str))[0]
            x[:, j] = codes
            categorical.append(bool(np.nanmax(codes, initial=0) < MAX_CATEGORIES))
    y = np.r_[np.zeros(len(first)), np.ones(len(second))]
    scores = np.empty(len(y))
    for classifier, test in fitted_folds(x, y, categorical, seed):
        scores[test] = classifier.predict_proba(x[test])[:, 1]
    return round(float(roc_auc_score(y, scores)), 4)
