"""The privacy ledger: conversions between zCDP and (ε, δ) against closed forms, and a budget
that no release can pass."""

from __future__ import annotations

import math
import re

import pytest
from scipy.stats import norm

from datatwin.dp.accountant import (
    PrivacyLedger,
    delta_for,
    epsilon_for,
    exponential_rho,
    gaussian_rho,
    gaussian_sigma,
    rho_for,
)
from datatwin.errors import ConfigError, PrivacyBudgetError


def exact_gaussian_delta(sigma: float, epsilon: float) -> float:
    """The exact δ(ε) of the Gaussian mechanism with sensitivity 1 (Balle & Wang 2018, Theorem 8)."""
    return norm.cdf(1 / (2 * sigma) - epsilon * sigma) - math.exp(epsilon) * norm.cdf(
        -1 / (2 * sigma) - epsilon * sigma
    )


@pytest.mark.parametrize("sigma", [1.0, 2.0, 5.0, 20.0])
@pytest.mark.parametrize("epsilon", [0.5, 1.0, 4.0])
def test_the_conversion_bounds_the_gaussian_mechanisms_exact_delta_and_beats_the_simple_one(sigma, epsilon):
    rho = gaussian_rho(1.0, sigma)
    ours = delta_for(rho, epsilon)
    simple = math.exp(-((epsilon - rho) ** 2) / (4 * rho)) if epsilon > rho else 1.0  # the simple conversion's delta
    assert exact_gaussian_delta(sigma, epsilon) <= ours <= simple


@pytest.mark.parametrize(("epsilon", "delta"), [(0.5, 1e-9), (1.0, 1e-6), (4.0, 1e-5)])
def test_rho_and_epsilon_are_each_others_inverse(epsilon, delta):
    rho = rho_for(epsilon, delta)
    assert delta_for(rho, epsilon) <= delta
    assert epsilon_for(rho, delta) == pytest.approx(epsilon, rel=1e-6)
    assert rho + 2 * math.sqrt(rho * math.log(1 / delta)) > epsilon  # tighter than the simple conversion


def test_mechanism_costs_are_the_closed_forms():
    assert gaussian_rho(2.0, 4.0) == pytest.approx(4 / 32)
    assert gaussian_sigma(2.0, gaussian_rho(2.0, 4.0)) == pytest.approx(4.0)
    assert exponential_rho(0.4) == pytest.approx(0.02)


def test_the_ledger_adds_every_release_and_refuses_one_past_the_budget():
    ledger = PrivacyLedger(1.0, 1e-6)
    assert ledger.budget == pytest.approx(rho_for(1.0, 1e-6))
    ledger.spend("bounds of 'age'", "exponential", ledger.budget * 0.1, column="age")
    ledger.spend("marginal (age, sex)", "gaussian", ledger.budget * 0.6)
    assert ledger.left == pytest.approx(ledger.budget * 0.3)
    with pytest.raises(PrivacyBudgetError, match=re.escape("marginal (sex, race) would cost")):
        ledger.spend("marginal (sex, race)", "gaussian", ledger.budget * 0.31)
    ledger.spend("marginal (sex, race)", "gaussian", ledger.left)
    assert ledger.epsilon_spent() == pytest.approx(1.0, rel=1e-6)
    again = PrivacyLedger.from_dict(ledger.to_dict())
    assert again.to_dict() == ledger.to_dict()
    assert [s.what for s in again.spends] == ["bounds of 'age'", "marginal (age, sex)", "marginal (sex, race)"]


@pytest.mark.parametrize(
    ("epsilon", "delta", "message"),
    [
        (0, 1e-6, "epsilon must be a positive number"),
        (-1, 1e-6, "epsilon must be a positive number"),
        (float("nan"), 1e-6, "epsilon must be a positive number"),
        ("1", 1e-6, "epsilon must be a positive number"),
        (1.0, 1.0, "delta must be a number between 0 and 1"),
        (1.0, 0, "delta must be a number between 0 and 1"),
    ],
)
def test_a_bad_budget_gets_one_clear_line(epsilon, delta, message):
    with pytest.raises(ConfigError, match=re.escape(message)):
        PrivacyLedger(epsilon, delta)


def test_dp_sgd_accounting_matches_the_gaussian_in_closed_form_and_finds_the_least_noise():
    import numpy as np

    from datatwin.models._argn_private import noise_multiplier, steps_rho

    orders = np.geomspace(1.01, 200, 50)
    assert steps_rho(1.0, 2.0, 1, orders) == pytest.approx(1 / (2 * 2.0**2), rel=1e-6)  # unsampled: a/2s^2
    assert steps_rho(1.0, 2.0, 10, orders) == pytest.approx(10 / (2 * 2.0**2), rel=1e-6)  # composition adds
    sigma = noise_multiplier(0.01, 1000, 0.05, 200)
    assert steps_rho(0.01, sigma, 1000, orders) <= 0.05 * (1 + 1e-6)
    assert steps_rho(0.01, sigma * 0.97, 1000, np.geomspace(1.01, 200, 160)) > 0.05  # and no more noise than needed
    assert steps_rho(0.01, sigma, 1000, orders) < 1000 / (2 * sigma**2)  # subsampling amplifies
