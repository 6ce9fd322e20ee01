"""DP mechanisms and estimates: the discrete Gaussian's law, noise from secure randomness, and
bounds, labels and row counts that leave no extreme value or rare label in what is released."""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import pytest

from datatwin.dp import PrivacyLedger
from datatwin.dp.estimates import bin_edges, dp_bounds, dp_labels, dp_row_count, label_threshold
from datatwin.dp.mechanisms import discrete_gaussian, secure_generator
from datatwin.errors import PrivacyBudgetError
from tests.conftest import shared_path


@pytest.mark.parametrize("sigma", [0.7, 2.0, 6.0])
def test_discrete_gaussian_noise_follows_its_law(sigma):
    draws = discrete_gaussian(sigma, 200_000, np.random.default_rng(0))
    support = np.arange(-int(8 * sigma) - 2, int(8 * sigma) + 3)
    law = np.exp(-(support**2) / (2 * sigma**2))
    law /= law.sum()
    seen = pd.Series(draws).value_counts(normalize=True).reindex(support, fill_value=0.0).to_numpy()
    assert np.abs(seen - law).sum() / 2 < 0.01  # total variation distance
    assert draws.dtype == np.int64


def test_noise_comes_from_secure_randomness_not_a_seed():
    first, second = secure_generator(), secure_generator()
    assert not np.array_equal(discrete_gaussian(50.0, 64, first), discrete_gaussian(50.0, 64, second))


@pytest.fixture(scope="module")
def ages() -> np.ndarray:
    return pd.read_csv(shared_path("adult/adult.csv.gz"))["age"].to_numpy(dtype=np.float64)


def test_bounds_come_from_bins_fixed_before_the_data_and_ignore_an_outlier(ages):
    edges = bin_edges("number")
    assert {0.0, 10.0, 100.0, -5e-4, 2e15} <= set(edges.tolist())
    released = []
    for values in (ages, np.append(ages, 1e6)):  # one row's extreme value changed
        ledger = PrivacyLedger(1.0, 1e-6)
        released.append(dp_bounds(values, "number", ledger, 0.01, "age", secure_generator()))
        assert [s.what for s in ledger.spends] == ["bounds: histogram of 'age'"] and ledger.spent == 0.01
    assert released == [(10.0, 100.0), (10.0, 100.0)]
    assert dp_bounds(ages[:5], "number", PrivacyLedger(1.0, 1e-6), 0.0001, "age", secure_generator()) is None
    years = bin_edges("datetime")
    assert years[0] == pd.Timestamp("1900-01-01").timestamp() and len(years) == 201


def test_a_rare_label_stays_out_and_common_ones_are_kept():
    labels = ["private", "self-employed", "never-worked"]
    counts = np.array([22_000, 3_000, 1])  # one row has a label of its own
    kept_rare = 0
    for _ in range(300):
        ledger = PrivacyLedger(1.0, 1e-6, label_releases=1)
        kept = dp_labels(labels, counts, ledger, 0.01, "workclass", secure_generator())
        assert {"private", "self-employed"} <= set(kept)
        kept_rare += "never-worked" in kept
        assert ledger.spends[0].delta == pytest.approx(0.5e-6) and ledger.spends[1].rho == 0.01
    assert kept_rare == 0
    assert label_threshold(1 / math.sqrt(0.02), 1e-6) > 30  # a label needs ~30+ rows at this budget
    ledger = PrivacyLedger(1.0, 1e-6, label_releases=1)
    dp_labels(labels, counts, ledger, 0.01, "workclass", secure_generator())
    with pytest.raises(PrivacyBudgetError, match=re.escape("planned 1 label set(s), all released")):
        dp_labels(labels, counts, ledger, 0.01, "education", secure_generator())


def test_row_count_is_noisy_and_paid_for():
    counts = set()
    ledger = PrivacyLedger(1.0, 1e-6)
    for _ in range(20):
        counts.add(dp_row_count(32_561, ledger, 0.001, secure_generator()))
    assert len(counts) > 10 and all(abs(c - 32_561) < 200 for c in counts)
    assert ledger.spent == pytest.approx(0.02)


def test_a_shape_keeps_its_spikes_and_drops_what_noise_alone_would_make():
    from datatwin.dp.estimates import dp_shape

    hours = np.concatenate([np.full(5000, 40.0), np.full(1500, 50.0), np.arange(1, 100, dtype=float), [np.nan]])
    ledger = PrivacyLedger(1.0, 1e-6)
    weights = dp_shape(hours, np.arange(1.0, 101.0), ledger, 0.001, "hours", secure_generator())
    assert weights[39] > 4000 and weights[49] > 1000  # cells [40, 41) and [50, 51)
    assert (weights > 0).sum() <= 4  # the single rows fall under the threshold
    assert [s.what for s in ledger.spends] == ["shapes: cells of 'hours'"]
