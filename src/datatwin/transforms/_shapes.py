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


def sample_shapes(shapes: list[str], weights: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` random strings in the given shapes (repeats allowed)."""
    picks = rng.choice(len(shapes), size=n, p=weights) if n else np.zeros(0, dtype=int)
    return np.array([_fill(shapes[i], rng) for i in picks], dtype=object)


def unique_in_shapes(
    shapes: list[str],
    weights: np.ndarray,
    n: int,
    rng: np.random.Generator,
    *,
    share: int = 0,
    shares: int = 1,
    offset: int = 0,
) -> np.ndarray:
    """``n`` distinct random strings in the given shapes, from share ``share`` of ``shares``.

    A shape's strings are numbered (its slots read as the digits of one number, the last slots
    the lowest); share ``i`` takes only the numbers ``≡ i (mod shares)`` of the lowest slots,
    so strings drawn for different shares never meet — rows drawn apart (partitions of one
    sample, on other processes or machines) are unique together without seeing each other.
    Within a share they are drawn without replacement; a shape too small for its rows numbers the
    rest with their row number (``offset`` + position), as a last resort."""
    picks = rng.choice(len(shapes), size=n, p=weights) if n else np.zeros(0, dtype=int)
    out = np.empty(n, dtype=object)
    for shape in np.unique(picks):
        rows = np.flatnonzero(picks == shape)
        out[rows] = _fill_numbered(shapes[shape], len(rows), share, shares, rng)
    number_repeats(out, pd.Series(out).duplicated().to_numpy(), offset)
    return out


def _fill_numbered(shape: str, n: int, share: int, shares: int, rng: np.random.Generator) -> list[str]:
    """``n`` strings of ``shape`` whose lowest slots hold distinct numbers ``≡ share (mod shares)``
    (repeating only when the shape has fewer such numbers than ``n``) and whose other slots are
    random."""
    slots = [i for i, c in enumerate(shape) if c in _ALPHABETS]
    bases = [len(_ALPHABETS[shape[i]]) for i in slots]
    low = 0  # the lowest slots whose numbers fit in 62 bits
    space = 1
    while low < len(slots) and space * bases[-1 - low] < 2**62:
        space *= bases[-1 - low]
        low += 1
    numbers_in_share = max(0, -(-(space - share) // shares))
    drawn = min(n, numbers_in_share)
    numbers = (
        share + shares * rng.choice(numbers_in_share, size=drawn, replace=False) if drawn else np.zeros(0, np.int64)
    )
    numbers = np.concatenate([numbers, np.resize(numbers if drawn else np.zeros(1, np.int64), n - drawn)])
    chars = np.array([list(shape)] * n, dtype=object).reshape(n, len(shape))
    for place, slot in enumerate(reversed(slots)):
        alphabet = np.array(list(_ALPHABETS[shape[slot]]), dtype=object)
        if place < low:
            digits, numbers = numbers % bases[-1 - place], numbers // bases[-1 - place]
        else:
            digits = rng.integers(0, len(alphabet), size=n)
        chars[:, slot] = alphabet[digits]
    return ["".join(row) for row in chars]


def number_repeats(values: np.ndarray, repeated: np.ndarray, offset: int = 0) -> None:
    """Make the ``repeated`` strings of ``values`` unique, in place, by their row number
    (``offset`` + position): the last resort when a shape runs out of values."""
    rows = np.flatnonzero(repeated)
    values[rows] = [f"{v}-{offset + i}" for i, v in zip(rows, values[rows], strict=True)]


def _fill(shape: str, rng: np.random.Generator) -> str:
    draws = iter(rng.random(len(shape)))
    return "".join(_ALPHABETS[c][int(next(draws) * len(_ALPHABETS[c]))] if c in _ALPHABETS else c for c in shape)
