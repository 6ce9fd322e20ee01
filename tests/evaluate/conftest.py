"""Adult cut into the parts an evaluation compares: train, holdout, and a third real sample."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest


@pytest.fixture(scope="session")
def adult_parts(adult: pd.DataFrame) -> dict[str, pd.DataFrame]:
    order = np.random.default_rng(0).permutation(len(adult))
    cuts = {"train": order[:8000], "holdout": order[8000:11000], "unseen": order[11000:14000]}
    return {name: adult.iloc[rows].reset_index(drop=True) for name, rows in cuts.items()}


@pytest.fixture(scope="session")
def leaky(adult_parts: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Training rows passed off as synthetic with ±1 noise on three numbers."""
    rows = adult_parts["train"].sample(3000, random_state=1).reset_index(drop=True)
    rng = np.random.default_rng(2)
    for column in ("age", "fnlwgt", "hours-per-week"):
        numbers = pd.to_numeric(rows[column]) + rng.integers(-1, 2, len(rows))
        rows[column] = numbers.clip(lower=1).astype(int).astype(str)
    return rows
