"""Shared data of the monitoring tests."""

from __future__ import annotations

import numpy as np
import pandas as pd

from tests.conftest import shared_path


def adult_halves(size: int, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Two disjoint random sets of ``size`` Adult rows (the second holds the rest when ``size`` is larger)."""
    data = pd.read_csv(shared_path("adult/adult.csv.gz"))
    order = np.random.default_rng(seed).permutation(len(data))
    return data.iloc[order[:size]].reset_index(drop=True), data.iloc[order[size : 2 * size]].reset_index(drop=True)
