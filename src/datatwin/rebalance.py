"""How many rows of each label to draw when rebalancing a categorical column."""

from __future__ import annotations

import numpy as np

from datatwin.errors import ConfigError


def rebalanced_counts(shares: dict[object, float], n: int, ratio: float | None) -> dict[object, int]:
    """Rows per label: labels rarer than ``ratio`` raised to it, the others shrunk in proportion."""
    ratio = 1.0 / len(shares) if ratio is None else ratio
    if not 0 < ratio < 1 or isinstance(ratio, bool):
        raise ConfigError(f"ratio must be a share between 0 and 1; got {ratio!r}.")
    rare = [label for label, share in shares.items() if share < ratio]
    left = 1.0 - ratio * len(rare)
    if left < -1e-9:
        raise ConfigError(f"{len(rare)} labels at a share of {ratio} each add up to more than all rows.")
    common_total = sum(share for label, share in shares.items() if label not in rare)
    targets = {
        label: ratio if label in rare else (share / common_total * left if common_total else 0.0)
        for label, share in shares.items()
    }
    counts = {label: int(np.floor(t * n)) for label, t in targets.items()}
    by_remainder = sorted(targets, key=lambda label: targets[label] * n - counts[label], reverse=True)
    for label in by_remainder[: n - sum(counts.values())]:
        counts[label] += 1
    return counts
