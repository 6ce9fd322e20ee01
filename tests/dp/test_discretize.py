"""Codes laid down by a DP schema alone: every value back in its own bin, labels as they were,
missing values kept, a label the schema does not hold written as one it does."""

from __future__ import annotations

import numpy as np
import pandas as pd

from datatwin.dp.discretize import BINS, Discretizer
from datatwin.schema import ColumnKind, ColumnSpec, Schema

SCHEMA = Schema(
    (
        ColumnSpec("age", ColumnKind.INTEGER, minimum=17, maximum=90),
        ColumnSpec("children", ColumnKind.INTEGER, minimum=0, maximum=6),
        ColumnSpec("gain", ColumnKind.NUMERIC, minimum=0.0, maximum=20_000.0, decimals=2),
        ColumnSpec("joined", ColumnKind.DATETIME, minimum="2020-01-01T00:00:00", maximum="2024-12-31T00:00:00"),
        ColumnSpec("plan", ColumnKind.CATEGORICAL, categories=("basic", "plus")),
        ColumnSpec("active", ColumnKind.BOOLEAN, true_label=True, false_label=False),
    )
)


def people(n: int = 2_000) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {
            "age": rng.integers(17, 91, n),
            "children": rng.integers(0, 7, n),
            "gain": np.where(rng.random(n) < 0.8, 0.0, rng.gamma(2, 3_000, n).round(2)),
            "joined": pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 1_800, n), unit="D"),
            "plan": rng.choice(["basic", "plus", "gold"], n, p=[0.6, 0.35, 0.05]),
            "active": rng.random(n) < 0.7,
        }
    )
    frame.loc[::17, "plan"] = None
    frame.loc[::23, "gain"] = np.nan
    return frame


def test_decoded_values_fall_back_in_their_own_bins_and_labels_stay():
    discretizer = Discretizer(SCHEMA)
    real = people()
    codes = discretizer.encode(real)
    sizes = discretizer.sizes()
    assert sizes["children"] == 8 and sizes["age"] == BINS + 1 and sizes["plan"] == 4 and sizes["active"] == 3
    assert sizes["gain"] == BINS + 2  # and a bin of its own for zero
    assert all(codes[c].max() < sizes[c] for c in codes)
    drawn = discretizer.decode(codes, np.random.default_rng(1))
    again = discretizer.encode(drawn)
    for column in ("age", "children", "gain", "joined", "active"):
        assert np.array_equal(again[column], codes[column]), column
    assert (drawn.loc[real["gain"] == 0, "gain"] == 0).all()
    assert drawn["gain"].isna().sum() == real["gain"].isna().sum()
    kept = real["plan"].isin(["basic", "plus"])
    assert (drawn.loc[kept, "plan"] == real.loc[kept, "plan"]).all()
    gold = real["plan"] == "gold"
    assert (
        drawn.loc[gold, "plan"].isin(["basic", "plus"]).all()
        and drawn["plan"].isna().sum() == real["plan"].isna().sum()
    )
    assert drawn["children"].between(0, 6).all() and drawn["age"].between(17, 90).all()
