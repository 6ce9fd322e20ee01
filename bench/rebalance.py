"""Rebalancing an imbalanced target: real rows alone vs + SMOTE rows vs + datatwin minority rows.

Bank marketing (``y`` = yes in 11.7% of rows) is split 70/30 (stratified, seeded). A gradient-
boosting classifier is trained on (a) the real training rows, (b) those plus SMOTE-NC rows up to
balance (imbalanced-learn, bench extra), (c) those plus as many new minority rows drawn from a
datatwin twin of the training rows (``twin.sample(k, conditions={"y": "yes"})``), and scored on
the untouched real test rows.

Usage: ``python bench/rebalance.py``; writes ``bench/results/rebalance.json``.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import average_precision_score, f1_score, recall_score, roc_auc_score
from sklearn.model_selection import train_test_split

import datatwin
from datatwin.io import read_table
from datatwin.schema import coerce_table
from datatwin.schema.features import LABEL_KINDS, comparable_columns, numeric_matrix

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "datasets"
TARGET = "y"


def fit_and_score(x_train, y_train, x_test, y_test, categorical: list[bool], seed: int) -> dict[str, float]:
    model = HistGradientBoostingClassifier(categorical_features=categorical, random_state=seed).fit(x_train, y_train)
    scores = model.predict_proba(x_test)[:, 1]
    predicted = scores >= 0.5
    return {
        "roc_auc": round(roc_auc_score(y_test, scores), 4),
        "pr_auc": round(average_precision_score(y_test, scores), 4),
        "f1": round(f1_score(y_test, predicted), 4),
        "recall": round(recall_score(y_test, predicted), 4),
    }


def main(seed: int = 0) -> None:
    from imblearn.over_sampling import SMOTENC  # bench extra only

    data = read_table(SHARED / "bank_marketing" / "bank_marketing.csv.gz").data
    train_raw, test_raw = train_test_split(data, test_size=0.3, stratify=data[TARGET], random_state=seed)
    schema = datatwin.infer_schema(train_raw)
    train, test = coerce_table(train_raw, schema), coerce_table(test_raw, schema)
    columns = [c for c in comparable_columns(schema) if c != TARGET]
    categorical = [schema[c].kind in LABEL_KINDS for c in columns]
    y_train, y_test = train[TARGET].astype(bool).to_numpy(), test[TARGET].astype(bool).to_numpy()
    deficit = int((~y_train).sum() - y_train.sum())

    x_train, x_test = numeric_matrix([train, test], schema, columns)
    rows = [
        {
            "method": "real only",
            "added_rows": 0,
            "seconds": 0.0,
            **fit_and_score(x_train, y_train, x_test, y_test, categorical, seed),
        }
    ]

    started = time.perf_counter()
    smote = SMOTENC(categorical_features=[i for i, c in enumerate(categorical) if c], random_state=seed)
    x_smote, y_smote = smote.fit_resample(x_train, y_train)
    rows.append(
        {
            "method": "real + SMOTE-NC",
            "added_rows": len(x_smote) - len(x_train),
            "seconds": round(time.perf_counter() - started, 1),
            **fit_and_score(x_smote, y_smote, x_test, y_test, categorical, seed),
        }
    )

    started = time.perf_counter()
    twin = datatwin.fit(train_raw, seed=seed)
    minority = twin.sample(deficit, seed=seed, conditions={TARGET: True})
    seconds = round(time.perf_counter() - started, 1)
    augmented = pd.concat([train, coerce_table(minority, schema)], ignore_index=True)
    x_aug, x_test_aug = numeric_matrix([augmented, test], schema, columns)
    y_aug = augmented[TARGET].astype(bool).to_numpy()
    rows.append(
        {
            "method": "real + datatwin minority",
            "added_rows": deficit,
            "seconds": seconds,
            **fit_and_score(x_aug, y_aug, x_test_aug, y_test, categorical, seed),
        }
    )

    table = pd.DataFrame(rows)
    print(table.to_string(index=False))
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    (out / "rebalance.json").write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
