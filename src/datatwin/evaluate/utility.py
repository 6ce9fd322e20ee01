"""Machine-learning utility: train on one table, test on held-out real rows.

A gradient-boosting model predicts the target — ROC AUC for a label target (one-vs-rest
macro AUC for more than two labels), R² for a numeric one. Feature importances are the score
lost on the test rows when a feature is shuffled.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import spearmanr
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.metrics import r2_score, roc_auc_score

from datatwin.schema import Schema
from datatwin.schema.features import (
    NUMERIC_KINDS,
    as_float,
    categorical_mask,
    comparable_columns,
    numeric_matrix,
)


@dataclass(frozen=True)
class TrainTestScore:
    """A model's score on the test rows and how much each feature mattered to it."""

    task: str  # "classification" or "regression"
    metric: str  # "roc_auc" or "r2"
    score: float
    importances: dict[str, float]


def train_test_score(
    train: pd.DataFrame,
    test: pd.DataFrame,
    schema: Schema,
    target: str,
    *,
    seed: int = 0,
    importances: bool = False,
) -> TrainTestScore:
    """Fit on ``train``, score on ``test`` (rows missing the target are left out of both)."""
    train, test = train[train[target].notna()], test[test[target].notna()]
    columns = [c for c in comparable_columns(schema) if c != target]
    x_train, x_test = numeric_matrix([train, test], schema, columns)
    categorical = categorical_mask([x_train, x_test], schema, columns)
    rng = np.random.default_rng(seed)
    if schema[target].kind in NUMERIC_KINDS:
        task, metric = "regression", "r2"
        y_train, y_test = as_float(train[target]), as_float(test[target])
        model = HistGradientBoostingRegressor(
            categorical_features=categorical if any(categorical) else None, random_state=seed
        ).fit(x_train, y_train)
        scorer = lambda x: float(r2_score(y_test, model.predict(x)))  # noqa: E731
    else:
        task, metric = "classification", "roc_auc"
        y_train, y_test = train[target].astype(str).to_numpy(), test[target].astype(str).to_numpy()
        if len(np.unique(y_train)) < 2:
            return TrainTestScore(task, metric, 0.5, dict.fromkeys(columns, 0.0) if importances else {})
        model = HistGradientBoostingClassifier(
            categorical_features=categorical if any(categorical) else None, random_state=seed
        ).fit(x_train, y_train)
        scorer = lambda x: _auc(y_test, model.classes_, model.predict_proba(x))  # noqa: E731
    score = scorer(x_test)
    lost = {}
    if importances:
        for j, name in enumerate(columns):
            shuffled = x_test.copy()
            shuffled[:, j] = rng.permutation(shuffled[:, j])
            lost[name] = round(score - scorer(shuffled), 5)
    return TrainTestScore(task, metric, score, lost)


def train_test_auc(train: pd.DataFrame, test: pd.DataFrame, schema: Schema, target: str, *, seed: int = 0) -> float:
    """ROC AUC on ``test`` of a classifier trained on ``train`` to predict a label ``target``."""
    return train_test_score(train, test, schema, target, seed=seed).score


def importance_agreement(real: dict[str, float], synthetic: dict[str, float]) -> float:
    """Spearman rank correlation of two feature-importance tables (NaN if either is constant)."""
    names = list(real)
    a, b = np.array([real[n] for n in names]), np.array([synthetic.get(n, 0.0) for n in names])
    if len(names) < 2 or a.std() == 0 or b.std() == 0:
        return float("nan")
    return float(spearmanr(a, b).statistic)


def _auc(y_test: np.ndarray, classes: np.ndarray, proba: np.ndarray) -> float:
    """AUC over the test rows' labels; labels the model never saw get probability 0."""
    labels, counts = np.unique(y_test, return_counts=True)
    if len(labels) < 2:
        return float("nan")
    aligned = np.zeros((len(y_test), len(labels)))
    known = {c: i for i, c in enumerate(classes)}
    for j, label in enumerate(labels):
        if label in known:
            aligned[:, j] = proba[:, known[label]]
    if len(labels) == 2:
        positive = int(np.argmin(counts))  # the rarer label is the positive class
        return float(roc_auc_score(y_test == labels[positive], aligned[:, positive]))
    totals = aligned.sum(axis=1, keepdims=True)
    aligned = np.where(totals > 0, aligned / np.where(totals > 0, totals, 1), 1 / len(labels))
    return float(roc_auc_score(y_test, aligned, multi_class="ovr", labels=labels))
