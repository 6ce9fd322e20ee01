"""Shared data of the monitoring tests."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import datatwin
from datatwin.io.database import read_database
from tests.conftest import shared_path
from tests.relational.test_synthesize import sqlite_url


def adult_halves(size: int, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Two disjoint random sets of ``size`` Adult rows (the second holds the rest when ``size`` is larger)."""
    data = pd.read_csv(shared_path("adult/adult.csv.gz"))
    order = np.random.default_rng(seed).permutation(len(data))
    return data.iloc[order[:size]].reset_index(drop=True), data.iloc[order[size : 2 * size]].reset_index(drop=True)


@pytest.fixture(scope="module")
def chinook():
    """Chinook as read, and a database twin of it (a short fit)."""
    database = read_database(sqlite_url("chinook"))
    return database, datatwin.fit_database(database, seed=0, max_time=3)
