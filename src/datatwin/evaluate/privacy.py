"""Distance-based privacy checks: is the synthetic table closer to the training rows than fresh real rows are?

Distances are Gower-like (numbers rank-scaled, labels one-hot; see ``_features``). Each check
puts synthetic rows and holdout rows in the same position (same reference rows, same sizes), so
a generator that merely draws from the population sits exactly at the holdout's own figures.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score
from sklearn.neighbors import NearestNeighbors

from datatwin.schema import Schema
from datatwin.schema.features import comparable_columns, distance_matrix

_NEAR_QUANTILE = 0.05


@dataclass(frozen=True)
class DistanceProfile:
    """Nearest-neighbour distances between the train rows, the holdout and the synthetic rows.

    ``*_to_train`` hold the two nearest distances to all train rows; ``synth_to_train_sample``
    the nearest among a train sample of the holdout's size (for the DCR share).
    """

    synth_to_train: np.ndarray
    synth_to_train_sample: np.ndarray
    synth_to_holdout: np.ndarray
    holdout_to_train: np.ndarray
    train_to_synth: np.ndarray
    holdout_to_synth: np.ndarray

    @property
    def dcr_share(self) -> float:
        """Share of synthetic rows closer to a train row than to a holdout row, among equally many
        of each (ties half; 0.5 ideal)."""
        a, b = self.synth_to_train_sample, self.synth_to_holdout
        return float(np.mean((a < b) + 0.5 * (a == b)))

    @property
    def nndr(self) -> tuple[float, float]:
        """Median nearest/second-nearest train distance ratio of synthetic rows and of holdout rows."""
        return _median_ratio(self.synth_to_train), _median_ratio(self.holdout_to_train)

    @property
    def near_copies(self) -> tuple[float, float]:
        """Shares of synthetic and of holdout rows closer to train than 95% of holdout rows are."""
        limit = np.quantile(self.holdout_to_train[:, 0], _NEAR_QUANTILE)
        return float(np.mean(self.synth_to_train[:, 0] < limit)), float(np.mean(self.holdout_to_train[:, 0] < limit))

    @property
    def membership_auc(self) -> float:
        """AUC of guessing train membership from closeness to the synthetic rows (0.5 ideal)."""
        scores = -np.r_[self.train_to_synth, self.holdout_to_synth]
        members = np.r_[np.ones(len(self.train_to_synth)), np.zeros(len(self.holdout_to_synth))]
        return float(roc_auc_score(members, scores))


def distance_profile(
    train: pd.DataFrame,
    holdout: pd.DataFrame,
    synthetic: pd.DataFrame,
    schema: Schema,
    *,
    seed: int = 0,
    max_rows: int = 10_000,
    max_train_rows: int = 50_000,
) -> DistanceProfile:
    """Nearest-neighbour distances among the train rows (at most ``max_train_rows``), the holdout
    and the synthetic rows (at most ``max_rows`` each)."""
    rng = np.random.default_rng(seed)
    n = min(len(train), len(holdout), max_rows)
    sample = rng.choice(len(train), n, replace=False)
    holdout = holdout.iloc[rng.choice(len(holdout), n, replace=False)]
    synthetic = synthetic.iloc[rng.choice(len(synthetic), min(len(synthetic), max_rows), replace=False)]
    rest = np.setdiff1d(np.arange(len(train)), sample)
    rest = rng.permutation(rest)[: max(0, max_train_rows - n)]
    train = train.iloc[np.r_[sample, rest]]
    x_train, x_holdout, x_synth = distance_matrix([train, holdout, synthetic], schema, comparable_columns(schema))
    by_train = NearestNeighbors(n_neighbors=2).fit(x_train)
    by_synth = NearestNeighbors(n_neighbors=1).fit(x_synth)
    nearest = lambda reference, queries: NearestNeighbors(n_neighbors=1).fit(reference).kneighbors(queries)[0][:, 0]  # noqa: E731
    return DistanceProfile(
        synth_to_train=by_train.kneighbors(x_synth)[0],
        synth_to_train_sample=nearest(x_train[:n], x_synth),
        synth_to_holdout=nearest(x_holdout, x_synth),
        holdout_to_train=by_train.kneighbors(x_holdout)[0],
        train_to_synth=by_synth.kneighbors(x_train[:n])[0][:, 0],
        holdout_to_synth=by_synth.kneighbors(x_holdout)[0][:, 0],
    )


def dcr_share(
    train: pd.DataFrame,
    holdout: pd.DataFrame,
    synthetic: pd.DataFrame,
    schema: Schema,
    *,
    seed: int = 0,
    max_rows: int = 10_000,
) -> float:
    """Share of synthetic rows closer to a training row than to a holdout row (0.5 ideal)."""
    return distance_profile(train, holdout, synthetic, schema, seed=seed, max_rows=max_rows).dcr_share


def exact_match_rate(train: pd.DataFrame, synthetic: pd.DataFrame, schema: Schema) -> float:
    """Share of synthetic rows identical to some training row on every comparable column."""
    return float(_row_keys(synthetic, schema).isin(set(_row_keys(train, schema))).mean())


def duplicate_rate(real: pd.DataFrame, schema: Schema) -> float:
    """Share of real rows identical to another real row: the base rate of copies when no holdout is given."""
    return float(_row_keys(real, schema).duplicated(keep=False).mean())


def _row_keys(frame: pd.DataFrame, schema: Schema) -> pd.Series:
    return pd.util.hash_pandas_object(frame[comparable_columns(schema)].astype(str), index=False)


def _median_ratio(distances: np.ndarray) -> float:
    first, second = distances[:, 0], distances[:, 1]
    ratio = np.where(second > 0, first / np.where(second > 0, second, 1), 1.0)
    return float(np.median(ratio))
