"""Identifiers as written: a prefix and zero-padded digits, and dotted IPv4 addresses."""

from __future__ import annotations

import numpy as np


def labelled(
    prefix: str | np.ndarray, numbers: np.ndarray, width: int, missing: np.ndarray | None = None
) -> np.ndarray:
    """``prefix`` (one, or one per number) followed by each number padded to ``width`` digits;
    ``None`` where ``missing``."""
    text = np.char.add(prefix, np.char.zfill(np.asarray(numbers).astype(str), width)).astype(object)
    if missing is not None:
        text[missing] = None
    return text


def dotted_quad(numbers: np.ndarray) -> np.ndarray:
    """32-bit numbers written as IPv4 addresses (``10.3.122.231``)."""
    octets = [((numbers >> shift) & 255).astype(str) for shift in (24, 16, 8, 0)]
    text = octets[0]
    for octet in octets[1:]:
        text = np.char.add(np.char.add(text, "."), octet)
    return text.astype(object)
