"""The mechanisms a DP fit spends its budget through, each writing its cost in the ledger first.

Noise never comes from the user's seed (a known seed would let anyone subtract it): every fit
draws its noise from a generator seeded with 256 bits of the operating system's secure
randomness (:func:`secure_generator`). Counts get *integer* noise from the discrete Gaussian
(Canonne, Kamath & Steinke 2020): an integer plus integer noise carries no floating-point
trace of the true value (the attack on floating-point Laplace and Gaussian samplers, Mironov
2012), and its cost in zCDP is the continuous Gaussian's, ρ = Δ² / 2σ². Choices among
candidates (a quantile among grid values) use the exponential mechanism (ρ = ε₀² / 8).
"""

from __future__ import annotations

import math
import secrets

import numpy as np

from datatwin.dp.accountant import PrivacyLedger, gaussian_sigma


def secure_generator() -> np.random.Generator:
    """A generator seeded from the operating system's secure randomness (never reproducible)."""
    return np.random.Generator(np.random.PCG64DXSM(secrets.randbits(256)))


def discrete_gaussian(sigma: float, size: int, rng: np.random.Generator) -> np.ndarray:
    """``size`` integers with P(x) ∝ exp(−x² / 2σ²): discrete Laplace proposals (the difference
    of two geometric counts) kept with the rejection probability of Canonne, Kamath & Steinke
    (2020, Algorithm 3), in vectorised rounds."""
    if size == 0:
        return np.zeros(0, dtype=np.int64)
    scale = math.floor(sigma) + 1
    success = -math.expm1(-1.0 / scale)  # discrete Laplace of scale t: G1 - G2, G geometric
    out: list[np.ndarray] = []
    left = size
    while left > 0:
        batch = max(2 * left, 64)
        proposal = rng.geometric(success, batch) - rng.geometric(success, batch)
        keep = np.exp(-((np.abs(proposal) - sigma**2 / scale) ** 2) / (2 * sigma**2))
        accepted = proposal[rng.random(batch) < keep][:left]
        out.append(accepted)
        left -= len(accepted)
    return np.concatenate(out).astype(np.int64)


def noisy_counts(
    counts: np.ndarray,
    ledger: PrivacyLedger,
    rho: float,
    what: str,
    rng: np.random.Generator,
    *,
    sensitivity: float = 1.0,
) -> np.ndarray:
    """Counts (a histogram, a marginal: one row changes one cell by one) with discrete Gaussian
    noise costing ``rho``, written in the ledger first."""
    ledger.spend(what, "discrete gaussian", rho, cells=int(np.size(counts)), sensitivity=sensitivity)
    sigma = gaussian_sigma(sensitivity, rho)
    flat = np.asarray(counts, dtype=np.int64).ravel()
    return (flat + discrete_gaussian(sigma, len(flat), rng)).reshape(np.shape(counts))


def exponential_choice(
    utilities: np.ndarray, ledger: PrivacyLedger, rho: float, what: str, rng: np.random.Generator
) -> int:
    """The index of one candidate, chosen with probability ∝ exp(ε₀ u / 2) for utilities of
    sensitivity 1, where ρ = ε₀² / 8; written in the ledger first."""
    ledger.spend(what, "exponential", rho, candidates=len(utilities))
    epsilon = math.sqrt(8 * rho)  # the inverse of exponential_rho
    scores = epsilon * np.asarray(utilities, dtype=np.float64) / 2
    gumbel = rng.gumbel(size=len(scores))  # the Gumbel-max trick: argmax of score + Gumbel noise
    return int(np.argmax(scores + gumbel))
