"""Strings generated in the *shape* of real ones (``"C100234"`` → ``"C583910"``).

A shape keeps punctuation and spaces and marks each digit, upper-case and lower-case letter as
a slot to fill at random. Where every one of at least ``min_group`` values of a shape has the
same character at a position (the ``C`` of customer numbers), that character is kept. Only
shapes are stored, never values.
"""

from __future__ import annotations

import string

import numpy as np
import pandas as pd

DIGIT, UPPER, LOWER = "\ue000", "\ue001", "\ue002"
_ALPHABETS = {DIGIT: string.digits, UPPER: string.ascii_uppercase, LOWER: string.ascii_lowercase}
_MAX_SHAPES = 50
_MAX_PROBE = 10_000
_UNIQUE_TRIES = 20


def shape_of(value: str) -> str:
    """The shape of one string: slots for letters and digits, other characters kept."""
    return "".join(DIGIT if c.isdigit() else UPPER if c.isupper() else LOWER if c.isalpha() else c for c in value)


def learn_shapes(values: pd.Series, *, min_group: int = 5) -> tuple[list[str], np.ndarray]:
    """The most common shapes of ``values`` (with shared characters kept) and their weights."""
    text = values.astype(str)
    shapes = text.map(shape_of)
    counts = shapes.value_counts().iloc[:_MAX_SHAPES]
    templates = [
        _keep_shared(shape, text[shapes == shape].iloc[:_MAX_PROBE]) if count >= min_group else shape
        for shape, count in counts.items()
    ]
    return templates, (counts.to_numpy() / counts.sum()).astype(np.float64)


def _keep_shared(shape: str, group: pd.Series) -> str:
    chars = np.array([list(v) for v in group])
    shared = (chars == chars[0]).all(axis=0)
    return "".join(chars[0][i] if shared[i] else c for i, c in enumerate(shape))


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
    number_repeats(out, pd.Series(out).duplicated().to_numpy())
    return out


def number_repeats(values: np.ndarray, repeated: np.ndarray, offset: int = 0) -> None:
    """Make the ``repeated`` strings of ``values`` unique, in place, by their row number
    (``offset`` + position): the last resort when a shape runs out of values."""
    rows = np.flatnonzero(repeated)
    values[rows] = [f"{v}-{offset + i}" for i, v in zip(rows, values[rows], strict=True)]


def _fill(shape: str, rng: np.random.Generator) -> str:
    draws = iter(rng.random(len(shape)))
    return "".join(_ALPHABETS[c][int(next(draws) * len(_ALPHABETS[c]))] if c in _ALPHABETS else c for c in shape)
