"""``auto`` on a small table: which candidate model's rows a classifier tells least well from
real rows the candidate was not fitted on.

Which model makes the better twin of a small table is not known in advance: the autoregressive
network is ahead on most tables, the Gaussian copula on some small ones (measured in
``docs/throughput.md``). Below :data:`MEASURE_BELOW_ROWS` rows both fits cost seconds, so
``auto`` measures instead of guessing (:func:`datatwin.pipeline.fit.fit_table` fits the
candidates on part of the rows; this module splits the rows and scores what they draw). Rows are
compared as the user sees them, decoded and with the rules held: in the encoded space a model
that draws 12.37 for a whole number that decoding rounds to 12 would be told apart for nothing.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold

from datatwin.schema import Schema
from datatwin.schema.features import categorical_mask, comparable_columns, numeric_matrix

MEASURE_BELOW_ROWS = 5_000
"""``auto`` measures the candidates on tables with fewer rows than this; larger tables get the
autoregressive network, ahead on every large table measured."""
CANDIDATES = ("argn", "copula")
"""Measured in this order; a later candidate replaces the first only when measurably better
(see :func:`best_candidate`): the first can sample conditionally and is ahead on larger tables."""
HOLDOUT_SHARE = 0.25
MIN_HOLDOUT_ROWS = 25
"""Fewer held-out rows than this score nothing reliably: such a table keeps the size rule."""
FOLDS = 5


def should_measure(rows: int) -> bool:
    """Whether ``auto`` measures the candidates on a table of ``rows`` rows."""
    return int(rows * HOLDOUT_SHARE) >= MIN_HOLDOUT_ROWS and rows < MEASURE_BELOW_ROWS


def holdout_split(table: pd.DataFrame, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The rows the candidates are fitted on, and the :data:`HOLDOUT_SHARE` they are scored against."""
    order = np.random.default_rng(seed).permutation(len(table))
    cut = len(table) - holdout_rows(len(table))
    return table.iloc[order[:cut]].reset_index(drop=True), table.iloc[order[cut:]].reset_index(drop=True)


def holdout_rows(rows: int) -> int:
    """How many of a table's ``rows`` are held out (and drawn from each candidate)."""
    return int(rows * HOLDOUT_SHARE)


def best_candidate(scores: dict[str, float], held_out: int) -> str:
    """The first of :data:`CANDIDATES`, unless another's AUC is lower by more than the AUC's
    standard error between two samples of ``held_out`` rows from one distribution (Hanley and
    McNeil: √((2n + 1) / 12n²), 0.041 at 100 rows): then the lowest of those. A difference
    within that error is chance, and would let the random streams pick the model."""
    noise = math.sqrt((2 * held_out + 1) / (12 * held_out**2))
    first, *others = CANDIDATES
    better = [name for name in others if scores[name] < scores[first] - noise]
    return min(better, key=lambda name: scores[name]) if better else first


def two_sample_auc(real: pd.DataFrame, drawn: pd.DataFrame, schema: Schema, *, seed: int) -> float:
    """Cross-validated ROC AUC of a gradient-boosting classifier telling ``drawn`` rows from
    ``real`` ones, over the columns that carry information (0.5: it cannot tell them apart)."""
    x, y, categorical, columns = two_sample_rows(real, drawn, schema)
    if not columns:
        return 0.5
    scores = np.empty(len(y))
    for classifier, test in fitted_folds(x, y, categorical, seed):
        scores[test] = classifier.predict_proba(x[test])[:, 1]
    return round(float(roc_auc_score(y, scores)), 4)


def two_sample_rows(
    real: pd.DataFrame, drawn: pd.DataFrame, schema: Schema
) -> tuple[np.ndarray, np.ndarray, list[bool], list[str]]:
    """Real then drawn rows as one numeric matrix over the columns that carry information, their
    labels (0 real, 1 drawn), which columns are categories, and the columns."""
    columns = comparable_columns(schema)
    x = np.vstack(numeric_matrix([real, drawn], schema, columns))
    y = np.r_[np.zeros(len(real)), np.ones(len(drawn))]
    return x, y, categorical_mask([x], schema, columns), columns


def fitted_folds(
    x: np.ndarray, y: np.ndarray, categorical: list[bool], seed: int
) -> Iterator[tuple[HistGradientBoostingClassifier, np.ndarray]]:
    """For each of :data:`FOLDS` stratified folds, a gradient-boosting classifier fitted on the
    other folds, and the fold's rows."""
    for train, test in StratifiedKFold(n_splits=FOLDS, shuffle=True, random_state=seed).split(x, y):
        classifier = HistGradientBoostingClassifier(
            categorical_features=categorical if any(categorical) else None, random_state=seed
        )
        yield classifier.fit(x[train], y[train]), test
