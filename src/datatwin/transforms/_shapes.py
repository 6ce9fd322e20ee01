"""Strings generated in the *shape* of real ones (``"A/5 21171"`` → ``"K/2 80913"``).

A shape keeps punctuation and spaces and replaces each digit by ``9``, each upper-case letter
by ``A`` and each lower-case letter by ``a``; generation fills those classes at random. Only
shapes are stored, never values.
"""

from __future__ import annotations

import string

import numpy as np
import pandas as pd

_CLASSES = {"9": string.digits, "A": string.ascii_uppercase, "a": string.ascii_lowercase}
_MAX_SHAPES = 50
_UNIQUE_TRIES = 20


def shape_of(value: str) -> str:
    """The shape of one string."""
    return "".join(
        "9" if c.isdigit() else "A" if c.isupper() else "a" if c.isalpha() else c for c in value
    )


def learn_shapes(values: pd.Series) -> tuple[list[str], np.ndarray]:
    """The most common shapes of ``values`` and their weights (summing to 1)."""
    counts = values.astype(str).map(shape_of).value_counts()
    counts = counts.iloc[:_MAX_SHAPES]
    return list(counts.index), (counts.to_numpy() / counts.sum()).astype(np.float64)


def sample_shapes(
    shapes: list[str], weights: np.ndarray, n: int, rng: np.random.Generator, *, unique: bool
) -> np.ndarray:
    """``n`` random strings in the given shapes; all distinct when ``unique``."""
    picks = rng.choice(len(shapes), size=n, p=weights) if n else np.zeros(0, dtype=int)
    out = np.array([_fill(shapes[i], rng) for i in picks], dtype=object)
    if not unique:
        return out
    for _ in range(_UNIQUE_TRIES):
        repeated = pd.Series(out).duplicated().to_numpy()
        if not repeated.any():
            return out
        out[repeated] = [_fill(shapes[i], rng) for i in picks[repeated]]
    repeated = pd.Series(out).duplicated().to_numpy()
    out[repeated] = [f"{v}-{i}" for i, v in zip(np.flatnonzero(repeated), out[repeated], strict=True)]
    return out


def _fill(shape: str, rng: np.random.Generator) -> str:
    slots = [c for c in shape if c in _CLASSES]
    if not slots:
        return shape
    draws = iter(rng.random(len(slots)))
    return "".join(
        _CLASSES[c][int(next(draws) * len(_CLASSES[c]))] if c in _CLASSES else c for c in shape
    )
