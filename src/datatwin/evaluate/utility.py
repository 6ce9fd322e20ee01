"""Machine-learning utility: train on one table, test on held-out real rows."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import roc_auc_score

from datatwin.evaluate._features import LABEL_KINDS, comparable_columns, numeric_matrix
from datatwin.schema import Schema


def train_test_auc(train: pd.DataFrame, test: pd.DataFrame, schema: Schema, target: str, *, seed: int = 0) -> float:
    """ROC AUC on ``test`` of a gradient-boosting classifier trained on ``train`` to predict a
    binary ``target`` (its most frequent label in ``test`` is the negative class)."""
    columns = [c for c in comparable_columns(schema) if c != target]
    x_train, x_test = numeric_matrix([train, test], schema, columns)
    positive = test[target].astype(str).value_counts().index[-1]
    y_train = (train[target].astype(str) == positive).to_numpy()
    y_test = (test[target].astype(str) == positive).to_numpy()
    categorical = [schema[c].kind in LABEL_KINDS for c in columns]
    model = HistGradientBoostingClassifier(
        categorical_features=categorical if any(categorical) else None, random_state=seed
    )
    if len(np.unique(y_train)) < 2:
        return 0.5
    model.fit(x_train, y_train)
    return float(roc_auc_score(y_test, model.predict_proba(x_test)[:, 1]))
