"""Seeds: every random path takes one, and the same seed gives the same bytes."""

from __future__ import annotations

import numbers

from datatwin.errors import ConfigError

DEFAULT_SEED = 0
"""Seed used when none is given: results are reproducible by default."""


def check_seed(seed: int) -> None:
    """Refuse a seed that is not a non-negative integer (NumPy integers included)."""
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise ConfigError(f"seed must be a non-negative integer; got {seed!r}.")
