"""Training argn's network under differential privacy: DP-SGD (Abadi et al. 2016).

Each step takes a Poisson sample of the rows (each row in with probability ``q``), computes
every sampled row's gradient (``torch.func``: ``vmap`` of ``grad``, which works on argn's fused
heads where hook-based per-sample gradients do not), clips each to L2 norm ``C``, sums them,
adds Gaussian noise of standard deviation ``σ·C`` to every coordinate, and divides by the
expected batch ``q·n`` (``n``: the DP row count). The optimiser only ever sees the noisy sum,
so everything after — the weights, the sampling tables, the rows — is post-processing.

Sampling the rows and drawing the noise use generators seeded from the operating system's
secure randomness, never the user's seed. Training runs a fixed number of epochs: no
validation split, no early stopping, no loss history (each would tell the data).

Accounting (opacus' Rényi-DP analysis of the subsampled Gaussian, Mironov et al. 2019): the
steps cost the smallest ρ whose line ``ρ·α`` bounds their RDP curve at every order ``α`` the
conversion of the ledger to (ε, δ) can use; σ is the smallest noise multiplier within that
share of the budget.
"""

from __future__ import annotations

import math
import secrets
from collections.abc import Callable

import numpy as np
import torch

from datatwin.dp import Budget
from datatwin.errors import ConfigError, PrivacyBudgetError
from datatwin.progress import Progress, advance

MICRO_BATCH = 256
"""Rows whose per-row gradients are computed at once (bounds memory)."""
ORDERS = 160
"""Rényi orders the accounting checks."""


def steps_rho(sample_rate: float, sigma: float, steps: int, orders: np.ndarray) -> float:
    """The zCDP ρ that bounds ``steps`` subsampled-Gaussian steps at ``orders``."""
    try:
        from opacus.accountants.analysis.rdp import compute_rdp
    except ImportError:
        raise ConfigError(
            'Training argn under differential privacy needs the "dp" extra: pip install "datatwin[dp]".'
        ) from None

    rdp = np.asarray(compute_rdp(q=sample_rate, noise_multiplier=sigma, steps=steps, orders=orders.tolist()))
    return float(np.max(rdp / orders))


def noise_multiplier(sample_rate: float, steps: int, rho: float, max_order: float) -> float:
    """The smallest σ whose steps cost at most ``rho`` at orders up to ``max_order``.

    Raises
    ------
    PrivacyBudgetError
        When even very large noise does not fit (a budget far too small for the steps).
    """
    orders = np.geomspace(1.01, max(max_order, 2.0), ORDERS)
    low, high = 0.3, 1e4
    if steps_rho(sample_rate, high, steps, orders) > rho:
        raise PrivacyBudgetError(
            f"The budget left for training (ρ = {rho:.3g}) is too small for {steps:,} gradient steps; "
            "raise epsilon or train fewer epochs (dp_epochs)."
        )
    for _ in range(60):
        middle = math.sqrt(low * high)
        if steps_rho(sample_rate, middle, steps, orders) > rho:
            low = middle
        else:
            high = middle
    return high


def secure_torch_generator() -> torch.Generator:
    """A torch generator seeded from the operating system's secure randomness."""
    return torch.Generator().manual_seed(secrets.randbits(63))


def train_private(
    net: torch.nn.Module,
    tokens: torch.Tensor,
    loss_of: Callable[[dict[str, torch.Tensor], torch.Tensor, torch.Tensor], torch.Tensor],
    orders_of: Callable[[int, torch.Generator], torch.Tensor],
    budget: Budget,
    *,
    rows: int,
    epochs: int,
    batch_size: int,
    clip: float,
    learning_rate: float,
    progress: Progress | None = None,
) -> dict[str, float]:
    """Train ``net`` with DP-SGD, spending ``budget`` (see the module); returns the settings
    written in the ledger. ``loss_of(params, row, order)`` is one row's loss under the
    parameters ``params`` with its column order (``orders_of(b, generator)`` draws ``b`` of
    them); ``rows`` is the DP row count."""
    n = len(tokens)
    expected = max(1.0, min(float(batch_size), rows / 4))
    sample_rate = min(expected / max(rows, 1), 1.0)
    steps = max(1, math.ceil(epochs / sample_rate))
    ledger = budget.ledger
    max_order = 1.5 * ((ledger.epsilon + 1) / (2 * ledger.budget) + 2)  # the conversion's orders, and more
    sigma = noise_multiplier(sample_rate, steps, budget.rho, max_order)
    settings = {"steps": steps, "sample_rate": sample_rate, "noise_multiplier": sigma, "clip": clip}
    ledger.spend("gradient steps: DP-SGD of argn", "subsampled gaussian (RDP)", budget.rho, **settings)
    picker = np.random.Generator(np.random.PCG64DXSM(secrets.randbits(256)))
    noise = secure_torch_generator()
    params = {k: v for k, v in net.named_parameters()}
    optimiser = torch.optim.Adam(params.values(), lr=learning_rate)
    per_row = torch.func.vmap(torch.func.grad(loss_of), in_dims=(None, 0, 0), randomness="different")
    net.train()
    for step in range(steps):
        chosen = torch.from_numpy(np.flatnonzero(picker.random(n) < sample_rate))
        total = {k: torch.zeros_like(v) for k, v in params.items()}
        for start in range(0, len(chosen), MICRO_BATCH):
            batch = tokens[chosen[start : start + MICRO_BATCH]]
            detached = {k: v.detach() for k, v in params.items()}
            grads = per_row(detached, batch, orders_of(len(batch), noise))
            norms = torch.sqrt(sum(g.reshape(len(batch), -1).pow(2).sum(1) for g in grads.values()))
            scale = (clip / (norms + 1e-12)).clamp(max=1.0)
            for k, g in grads.items():
                total[k] += torch.einsum("b,b...->...", scale, g)
        for k, v in params.items():
            v.grad = (total[k] + torch.randn(v.shape, generator=noise) * sigma * clip) / expected
        optimiser.step()
        advance(progress, "training (DP-SGD)", step + 1, steps)
    net.eval()
    return settings
