"""Privacy checks against the training rows: closeness and exact copies."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.neighbors import NearestNeighbors

from datatwin.evaluate._features import comparable_columns, distance_matrix
from datatwin.schema import Schema


def dcr_share(
    train: pd.DataFrame,
    holdout: pd.DataFrame,
    synthetic: pd.DataFrame,
    schema: Schema,
    *,
    seed: int = 0,
    max_rows: int = 10_000,
) -> float:
    """Share of synthetic rows closer to a training row than to a holdout row (0.5 ideal).

    Train and holdout are cut to the same size so that a generator that merely draws from the
    population scores 0.5; ties count half.
    """
    rng = np.random.default_rng(seed)
    n = min(len(train), len(holdout))
    train = train.iloc[rng.choice(len(train), n, replace=False)]
    holdout = holdout.iloc[rng.choice(len(holdout), n, replace=False)]
    synthetic = synthetic.iloc[rng.choice(len(synthetic), min(len(synthetic), max_rows), replace=False)]
    columns = comparable_columns(schema)
    x_train, x_holdout, x_synth = distance_matrix([train, holdout, synthetic], schema, columns)
    to_train = NearestNeighbors(n_neighbors=1).fit(x_train).kneighbors(x_synth)[0][:, 0]
    to_holdout = NearestNeighbors(n_neighbors=1).fit(x_holdout).kneighbors(x_synth)[0][:, 0]
    return float(np.mean((to_train < to_holdout) + 0.5 * (to_train == to_holdout)))


def exact_match_rate(train: pd.DataFrame, synthetic: pd.DataFrame, schema: Schema) -> float:
    """Share of synthetic rows identical to some training row on every comparable column."""
    columns = comparable_columns(schema)
    keys = lambda frame: pd.util.hash_pandas_object(frame[columns].astype(str), index=False)  # noqa: E731
    return float(keys(synthetic).isin(set(keys(train))).mean())
