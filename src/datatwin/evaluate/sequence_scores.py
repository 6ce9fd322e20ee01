"""The TimeGAN protocol's scores on windows of consecutive steps.

*Discriminative score*: a recurrent classifier (two-layer GRU) learns to tell real from synthetic
windows on 80% of them; ``|accuracy − 0.5|`` on the other 20% (0: it cannot tell).
*Predictive score*: a GRU trained on synthetic windows to predict each next step is tested on
real windows the generator never saw; its mean absolute error is compared with the same GRU
trained on real windows (train synthetic, test real). Numbers are scaled to [0, 1] by the real
ranges; where gaps between events vary, the log gap is a feature too.
"""

from __future__ import annotations

import numpy as np

from datatwin.evaluate.result import MetricResult, Threshold, measured, skipped
from datatwin.evaluate.sequence_data import WINDOW, SequenceSet, number_scale, windows_rows

MAX_WINDOWS = 2000
"""Windows per side."""
STEPS = 600
"""Optimiser steps of each recurrent network (batches of :data:`BATCH` windows)."""
BATCH = 128


def window_length(real: SequenceSet) -> int:
    """Steps per window: :data:`WINDOW`, or the median sequence length if shorter (at least 3)."""
    return int(max(3, min(WINDOW, np.median(real.lengths))))


def windows(sequences: SequenceSet, real: SequenceSet, length: int, rng: np.random.Generator) -> np.ndarray:
    """``(windows, length, features)`` of at most :data:`MAX_WINDOWS` windows, scaled by ``real``."""
    rows = windows_rows(sequences, length)
    if len(rows) > MAX_WINDOWS:
        rows = [rows[i] for i in np.sort(rng.choice(len(rows), MAX_WINDOWS, replace=False))]
    if not rows:
        return np.empty((0, length, 0), dtype=np.float32)
    low, span = number_scale(real)
    x = (sequences.numbers - low) / span
    features = [np.nan_to_num(x, nan=0.0)]
    real_gaps = real.gaps
    if len(real_gaps) and not np.all(real_gaps == real_gaps[0]):
        top = np.log1p(max(float(np.nanmax(real_gaps)), 1.0))
        gap = np.log1p(np.maximum(np.nan_to_num(np.diff(sequences.time, prepend=sequences.time[:1])), 0)) / top
        gap[sequences.first_mask()] = 0.0
        features.append(gap[:, None])
    table = np.hstack(features).astype(np.float32)
    return np.stack([table[r] for r in rows])


def discriminative_metric(
    real: SequenceSet, synthetic: SequenceSet, limits: dict[str, Threshold], *, seed: int
) -> MetricResult:
    """|accuracy − 0.5| of a GRU telling real windows from synthetic ones."""
    rng = np.random.default_rng(seed)
    length = window_length(real)
    a, b = windows(real, real, length, rng), windows(synthetic, real, length, rng)
    n = min(len(a), len(b))
    if n < 20 or a.shape[2] == 0:
        return skipped("discriminative_score", f"Too few windows of {length} steps ({n}; 20 needed).", limits)
    a, b = a[rng.permutation(len(a))[:n]], b[rng.permutation(len(b))[:n]]
    x = np.concatenate([a, b])
    y = np.r_[np.zeros(n), np.ones(n)].astype(np.float32)
    order = rng.permutation(len(x))
    cut = int(0.8 * len(x))
    train, test = order[:cut], order[cut:]
    accuracy = _classifier_accuracy(x[train], y[train], x[test], y[test], seed)
    value = abs(accuracy - 0.5)
    summary = (
        f"A recurrent classifier tells windows of {length} steps apart with accuracy {accuracy:.3f} "
        f"(score {value:.3f}; 0 is ideal)."
    )
    return measured("discriminative_score", value, None, summary, limits, {"windows": n, "length": length})


def predictive_metric(
    real: SequenceSet,
    synthetic: SequenceSet,
    holdout: SequenceSet | None,
    limits: dict[str, Threshold],
    *,
    seed: int,
) -> MetricResult:
    """Next-step MAE on real test windows of a GRU trained on synthetic windows, over the MAE
    of the same GRU trained on real ones (1: as useful as the real data)."""
    rng = np.random.default_rng(seed)
    length = window_length(real)
    real_windows = windows(real, real, length, rng)
    synthetic_windows = windows(synthetic, real, length, rng)
    if holdout is not None:
        test = windows(holdout, real, length, rng)
        train_real = real_windows
    else:
        order = rng.permutation(len(real_windows))
        cut = int(0.8 * len(order))
        train_real, test = real_windows[order[:cut]], real_windows[order[cut:]]
    if min(len(train_real), len(synthetic_windows), len(test)) < 10 or real_windows.shape[2] == 0:
        return skipped("predictive_score", f"Too few windows of {length} steps to train and test on.", limits)
    mae_real = _predictor_mae(train_real, test, seed)
    mae_synthetic = _predictor_mae(synthetic_windows, test, seed)
    value = mae_synthetic / mae_real if mae_real > 0 else float("nan")
    details = {"mae_synthetic": mae_synthetic, "mae_real": mae_real, "length": length}
    summary = (
        f"Next-step error on real windows: {mae_synthetic:.4f} trained on synthetic vs {mae_real:.4f} trained on "
        f"real ({value:.2f}×)."
    )
    return measured("predictive_score", value, None, summary, limits, details)


def _classifier_accuracy(x: np.ndarray, y: np.ndarray, x_test: np.ndarray, y_test: np.ndarray, seed: int) -> float:
    import torch
    from torch import nn

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        hidden = max(8, x.shape[2])
        gru = nn.GRU(x.shape[2], hidden, num_layers=2, batch_first=True)
        head = nn.Linear(hidden, 1)
        optimiser = torch.optim.Adam([*gru.parameters(), *head.parameters()], lr=1e-3)
        xs, ys = torch.from_numpy(x), torch.from_numpy(y)
        generator = torch.Generator().manual_seed(seed)
        for _ in range(STEPS):
            batch = torch.randint(0, len(xs), (min(BATCH, len(xs)),), generator=generator)
            _, state = gru(xs[batch])
            loss = nn.functional.binary_cross_entropy_with_logits(head(state[-1]).squeeze(1), ys[batch])
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
        with torch.no_grad():
            _, state = gru(torch.from_numpy(x_test))
            predicted = (head(state[-1]).squeeze(1) > 0).float().numpy()
    return float(np.mean(predicted == y_test))


def _predictor_mae(train: np.ndarray, test: np.ndarray, seed: int) -> float:
    import torch
    from torch import nn

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        features = train.shape[2]
        gru = nn.GRU(features, max(8, features), batch_first=True)
        head = nn.Linear(max(8, features), features)
        optimiser = torch.optim.Adam([*gru.parameters(), *head.parameters()], lr=1e-3)
        xs = torch.from_numpy(train)
        generator = torch.Generator().manual_seed(seed)
        for _ in range(STEPS):
            batch = xs[torch.randint(0, len(xs), (min(BATCH, len(xs)),), generator=generator)]
            out, _ = gru(batch[:, :-1])
            loss = (head(out) - batch[:, 1:]).abs().mean()
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
        with torch.no_grad():
            test_tensor = torch.from_numpy(test)
            out, _ = gru(test_tensor[:, :-1])
            return float((head(out) - test_tensor[:, 1:]).abs().mean())
