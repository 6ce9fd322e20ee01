"""Tokens of continuous columns: bins, values drawn inside them, and the rounding habits kept."""

from __future__ import annotations

import numpy as np
import pytest

from datatwin.encoded import EncodedColumn
from datatwin.models._tokens import UNIT_EXPONENTS, AliasTable, Tokenizer, knot_cdf, knot_quantile


def _payments(n: int = 20_000) -> np.ndarray:
    """Card payments: half rounded to the thousand or hundred, the rest to the unit or cent."""
    rng = np.random.default_rng(3)
    amount = rng.lognormal(8, 1.1, n)
    habit = rng.choice(["thousand", "hundred", "unit", "cent"], n, p=[0.3, 0.25, 0.3, 0.15])
    return np.select(
        [habit == "thousand", habit == "hundred", habit == "unit"],
        [np.round(amount, -3) + 1000, np.round(amount, -2), np.round(amount)],
        np.round(amount, 2),
    )


def _share_multiple(values: np.ndarray, unit: float) -> float:
    scaled = values / unit
    return float(np.mean(np.abs(scaled - np.round(scaled)) < 1e-6))


@pytest.fixture(scope="module")
def payments():
    return _payments()


@pytest.fixture(scope="module")
def tokenizer(payments):
    return Tokenizer.fit(EncodedColumn("paid", "continuous"), payments, max_bins=50, fine=16)


@pytest.mark.parametrize("unit", [1000.0, 100.0, 10.0, 1.0, 0.01])
def test_rounding_habits_are_kept(payments, tokenizer, unit):
    drawn = tokenizer.values_of(tokenizer.tokens(payments), np.random.default_rng(0))
    assert abs(_share_multiple(drawn, unit) - _share_multiple(payments, unit)) < 0.02


def test_large_numbers_keep_their_last_digits():
    """Timestamps in seconds (~1.7e9) were all taken for multiples of 1,000 s: a second-resolution
    column came back with 20 distinct minute:second values of 3,600."""
    rng = np.random.default_rng(5)
    seconds = 1.672e9 + rng.integers(0, 365 * 86_400, 20_000).astype(np.float64)
    tokenizer = Tokenizer.fit(EncodedColumn("ts::seconds", "continuous"), seconds, max_bins=50, fine=16)
    drawn = tokenizer.values_of(tokenizer.tokens(seconds), np.random.default_rng(0))
    assert len(np.unique(drawn % 3600)) > 0.9 * len(np.unique(seconds % 3600))
    for unit in (10.0, 100.0, 1000.0):
        assert abs(_share_multiple(drawn, unit) - _share_multiple(seconds, unit)) < 0.02


def test_rounding_keeps_the_distribution(payments, tokenizer):
    drawn = tokenizer.values_of(tokenizer.tokens(payments), np.random.default_rng(1))
    probs = [0.05, 0.25, 0.5, 0.75, 0.95]
    assert np.allclose(np.quantile(drawn, probs), np.quantile(payments, probs), rtol=0.03)
    assert drawn.min() >= payments.min() and drawn.max() <= payments.max()


def test_rounding_respects_a_condition(tokenizer):
    tokens = np.full(5000, tokenizer.cardinality - 3)  # one bin, conditioned to a slice of it
    low, high = tokenizer.knots[-3, 0], tokenizer.knots[-3, 0] + 0.3 * np.ptp(tokenizer.knots[-3])
    drawn = tokenizer.values_of(tokens, np.random.default_rng(2), (low, high))
    assert drawn.min() >= low and drawn.max() <= high
    assert _share_multiple(drawn, 100.0) > 0.3


def test_saved_state_keeps_units(tokenizer):
    config, arrays = tokenizer.to_state()
    again = Tokenizer.from_state(config, arrays)
    tokens = tokenizer.tokens(np.array([1234.0, 5000.0, 777.77] * 100))
    np.testing.assert_array_equal(
        tokenizer.values_of(tokens, np.random.default_rng(4)), again.values_of(tokens, np.random.default_rng(4))
    )
    assert again.units.shape == tokenizer.units.shape and len(again.units)  # states without units: io/upgrades


def test_tokens_of_point_masses_and_bins(tokenizer, payments):
    """Values equal to a point mass get its token; the others the bin whose range holds them."""
    tokens = tokenizer.tokens(payments)
    atoms = len(tokenizer.values)
    is_atom = np.isin(payments, tokenizer.values)
    assert np.array_equal(tokenizer.values[tokens[is_atom]], payments[is_atom])
    bins = tokens[~is_atom] - atoms
    lows, highs = tokenizer.knots[bins, 0], tokenizer.knots[bins, -1]
    assert np.all(payments[~is_atom] >= lows) and np.all(payments[~is_atom] <= highs)


def test_alias_table_draws_each_row_from_its_own_shares():
    weights = np.array([[3.0, 1.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 1.0, 1.0], [5.0, 0.5, 3.0, 1.5]])
    table = AliasTable(weights)
    rng = np.random.default_rng(0)
    rows = rng.integers(0, 4, 80_000)
    drawn = table.draw(rows, rng.random(len(rows)))
    shares = [np.bincount(drawn[rows == r], minlength=4) / np.sum(rows == r) for r in range(4)]
    np.testing.assert_allclose(shares[0], [0.75, 0.25, 0, 0], atol=0.015)
    np.testing.assert_array_equal(shares[1], [1, 0, 0, 0])  # no weight: category 0, marked empty
    np.testing.assert_allclose(shares[2], [0, 0, 0.5, 0.5], atol=0.015)
    np.testing.assert_allclose(shares[3], [0.5, 0.05, 0.3, 0.15], atol=0.015)
    assert table.empty.tolist() == [False, True, False, False]


def test_knot_cdf_inverts_knot_quantile(tokenizer):
    rng = np.random.default_rng(4)
    rows = rng.integers(0, len(tokenizer.knots), 5000)
    values = knot_quantile(tokenizer.knots, rows, rng.random(5000))
    # round numbers repeat, so some segments are flat: go back to the value, not to u
    np.testing.assert_allclose(knot_quantile(tokenizer.knots, rows, knot_cdf(tokenizer.knots, rows, values)), values)
    lows, highs = tokenizer.knots[rows, 0], tokenizer.knots[rows, -1]
    assert np.all(knot_cdf(tokenizer.knots, rows, lows - 1) == 0)
    assert np.all(knot_cdf(tokenizer.knots, rows, highs + 1) == 1)


def test_values_avoiding_a_band_stay_in_their_bin_outside_it():
    """A redraw for an "unrelated" row: the bin's own distribution with the near band cut out."""
    amounts = np.random.default_rng(6).lognormal(8, 1.0, 20_000)  # hardly rounded: few values move back
    column = Tokenizer.fit(EncodedColumn("amount", "continuous"), amounts, max_bins=50, fine=16)
    rng = np.random.default_rng(5)
    tokens = column.tokens(amounts)
    bins = tokens - len(column.values)
    low, high = column.knots[bins, 0], column.knots[bins, -1]
    centre, band = low + 0.5 * (high - low), 0.2 * (high - low)  # cut out the middle two fifths
    drawn = column.values_avoiding(tokens, centre - band, centre + band, rng)
    assert np.all((drawn >= low) & (drawn <= high))
    assert np.mean(np.abs(drawn - centre) < band) < 0.001  # rounded back into the band: 2 of 20,000
    below = np.mean(drawn < centre)  # both sides keep their own mass
    expected = np.mean(
        knot_cdf(column.knots, bins, centre - band)
        / (1 - knot_cdf(column.knots, bins, centre + band) + knot_cdf(column.knots, bins, centre - band))
    )
    assert abs(below - expected) < 0.02
    limited = column.values_avoiding(tokens, centre - band, centre + band, rng, interval=(0.0, 3000.0))
    assert np.all(limited[low < 3000] <= 3000.0)
    whole = column.values_avoiding(tokens, low - 1, high + 1, rng)  # nothing of the bin left: drawn as usual
    assert np.all((whole >= low) & (whole <= high))


def test_a_unit_too_coarse_for_its_bin_falls_back_to_the_coarsest_that_fits():
    """Values of a bin narrower than its drawn unit take the coarsest finer unit whose rounding
    keeps them inside the bin; a wide bin keeps its unit."""
    fine = 4
    knots = np.array([np.linspace(1001.3, 1004.7, fine + 1), np.linspace(5_000.0, 90_000.0, fine + 1)])
    units = np.zeros((2, len(UNIT_EXPONENTS)))
    units[:, list(UNIT_EXPONENTS).index(3)] = 1.0  # every value of both bins a multiple of 1,000
    tokenizer = Tokenizer("binned", 2, np.zeros(0), knots, units)
    tokens = np.repeat([0, 1], 2000)
    drawn = tokenizer.values_of(tokens, np.random.default_rng(4))
    narrow, wide = drawn[:2000], drawn[2000:]
    assert narrow.min() >= 1001.3 and narrow.max() <= 1004.7
    assert _share_multiple(narrow, 10.0) == 0.0 and _share_multiple(narrow, 1.0) > 0.8  # mostly units of 1,
    assert _share_multiple(narrow, 0.1) == 1.0  # and of 0.1 where the nearest unit of 1 is just outside
    assert _share_multiple(wide, 1000.0) == 1.0 and wide.min() >= 5_000.0 and wide.max() <= 90_000.0
