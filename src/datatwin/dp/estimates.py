"""DP estimates of what a schema needs from the data — a column's bounds, a column's labels,
the number of rows — each paid from the ledger, so no minimum, rare label or row count escapes.

- **Bounds**: the column's histogram over bins fixed before the data is seen
  (:func:`bin_edges`: edges at 0 and ±{1, 2, 5}·10^k for numbers, at each new year from 1900
  to 2100 for dates), each count with discrete Gaussian noise (one row changes one count by
  one); the bounds are the outer edges of the outermost bins whose noisy count reaches a
  threshold that noise alone passes in any bin with probability below :data:`FALSE_BIN` —
  thresholding is post-processing, so it costs nothing more, and a few outlying rows never
  move a bound.
- **Labels**: every label's count plus discrete Gaussian noise; a label is kept when its noisy
  count reaches a threshold that a label seen in one row passes with probability at most the
  δ set aside for labels (a stability histogram): rare labels stay out, and so does whether a
  row with a unique label took part.
- **Rows**: the count plus discrete Gaussian noise (at least 1).
- **Shapes**: a number column's histogram over fine cells laid between its bounds, plus
  discrete Gaussian noise; cells whose noisy count stays under :data:`SHAPE_SIGMAS` noise
  deviations get no weight (noise alone would otherwise spread mass everywhere).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from datatwin.dp.accountant import PrivacyLedger, gaussian_sigma
from datatwin.dp.mechanisms import noisy_counts

FALSE_BIN = 1e-3
"""Chance that noise alone lifts some empty bin over the bounds' threshold."""
DECADES = range(-4, 16)
"""Powers of ten the number bins span."""


def bin_edges(kind: str) -> np.ndarray:
    """Bin edges fixed before the data is seen: for ``"number"``, 0 and ±{1, 2, 5}·10^k; for
    ``"datetime"``, each 1 January from 1900 to 2100 (seconds since 1970)."""
    if kind == "datetime":
        years = pd.date_range("1900-01-01", "2100-01-01", freq="YS")
        return (years - pd.Timestamp("1970-01-01")).total_seconds().to_numpy()
    steps = np.array([m * 10.0**k for k in DECADES for m in (1, 2, 5)])
    return np.unique(np.concatenate([-steps, [0.0], steps]))


def dp_bounds(
    values: np.ndarray, kind: str, ledger: PrivacyLedger, rho: float, column: str, rng: np.random.Generator
) -> tuple[float, float] | None:
    """A column's DP bounds (numbers, or datetimes as seconds), costing ``rho``; ``None`` when
    no bin's noisy count reaches the threshold (too few rows for this budget)."""
    edges = bin_edges(kind)
    present = values[~np.isnan(values)]
    counts = np.bincount(
        np.clip(np.searchsorted(edges, present, side="right") - 1, 0, len(edges) - 2), minlength=len(edges) - 1
    )
    noisy = noisy_counts(counts, ledger, rho, f"bounds: histogram of {column!r}", rng)
    threshold = gaussian_sigma(1.0, rho) * math.sqrt(2 * math.log(len(counts) / FALSE_BIN))
    populated = np.flatnonzero(noisy >= threshold)
    if not len(populated):
        return None
    return float(edges[populated[0]]), float(edges[populated[-1] + 1])


def label_threshold(sigma: float, delta: float) -> float:
    """The noisy count a label must reach so that a label seen in one row passes with
    probability at most ``delta`` (a sub-Gaussian tail bound, which the discrete Gaussian meets)."""
    return 1.0 + sigma * math.sqrt(2 * math.log(1 / delta))


def dp_labels(
    labels: list[str],
    counts: np.ndarray,
    ledger: PrivacyLedger,
    rho: float,
    column: str,
    rng: np.random.Generator,
) -> dict[str, int]:
    """The labels kept, with their noisy counts (a stability histogram; see the module)."""
    delta = ledger.take_label_delta(f"labels: which of {column!r} to keep")
    noisy = noisy_counts(counts, ledger, rho, f"labels: counts of {column!r}", rng)
    threshold = label_threshold(gaussian_sigma(1.0, rho), delta)
    return {label: int(n) for label, n in zip(labels, noisy, strict=True) if n >= threshold}


def dp_row_count(n: int, ledger: PrivacyLedger, rho: float, rng: np.random.Generator) -> int:
    """The number of rows, with noise (at least 1)."""
    return max(int(noisy_counts(np.array([n]), ledger, rho, "row count: the number of rows", rng)[0]), 1)


SHAPE_SIGMAS = 3.0
"""Noise deviations a fine cell's noisy count must pass to keep its weight."""


def dp_shape(
    values: np.ndarray, edges: np.ndarray, ledger: PrivacyLedger, rho: float, column: str, rng: np.random.Generator
) -> np.ndarray:
    """The weights of a column's fine cells (see the module); values beyond the edges count in
    the outer cells."""
    present = values[~np.isnan(values)]
    cells = np.clip(np.searchsorted(edges, present, side="right") - 1, 0, len(edges) - 2)
    noisy = noisy_counts(np.bincount(cells, minlength=len(edges) - 1), ledger, rho, f"shapes: cells of {column!r}", rng)
    return np.where(noisy >= SHAPE_SIGMAS * gaussian_sigma(1.0, rho), noisy, 0).astype(np.float64)
