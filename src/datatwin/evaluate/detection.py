"""Classifier two-sample test: can a gradient-boosting classifier tell synthetic from real rows?"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold, cross_val_predict

from datatwin.evaluate._features import LABEL_KINDS, comparable_columns, numeric_matrix
from datatwin.schema import Schema


def detection_auc(
    real: pd.DataFrame, synthetic: pd.DataFrame, schema: Schema, *, seed: int = 0, max_rows: int = 20_000
) -> float:
    """Cross-validated ROC AUC of a classifier separating real from synthetic rows (0.5 ideal).

    Both tables are cut to the same number of rows (at most ``max_rows``) so the test is balanced.
    """
    rng = np.random.default_rng(seed)
    n = min(len(real), len(synthetic), max_rows)
    real = real.iloc[rng.choice(len(real), n, replace=False)]
    synthetic = synthetic.iloc[rng.choice(len(synthetic), n, replace=False)]
    columns = comparable_columns(schema)
    x_real, x_synth = numeric_matrix([real, synthetic], schema, columns)
    x = np.vstack([x_real, x_synth])
    y = np.r_[np.zeros(n), np.ones(n)]
    categorical = [schema[c].kind in LABEL_KINDS for c in columns]
    classifier = HistGradientBoostingClassifier(
        categorical_features=categorical if any(categorical) else None, random_state=seed
    )
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=seed)
    scores = cross_val_predict(classifier, x, y, cv=folds, method="predict_proba")[:, 1]
    return float(roc_auc_score(y, scores))
