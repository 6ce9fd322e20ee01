"""History features: drawing a real sequence's own changes gives back its levels, step by step,
so a step is given at sampling exactly what it was given in training."""

from __future__ import annotations

import numpy as np

from datatwin.encoded import EncodedColumn
from datatwin.sequential.history import History, HistorySpec, anchors_of, positive_columns, smooth_columns


def _prices(steps: int = 200, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    close = 50 * np.exp(np.cumsum(rng.normal(0, 0.02, steps)))
    high = close * (1 + rng.uniform(0, 0.02, steps))
    volume = rng.lognormal(10, 1, steps)
    missing = (rng.random(steps) < 0.1).astype(np.int64)
    return {"close::value": close, "high::value": high, "volume::value": volume, "high::null": missing}


def test_changes_and_levels_invert_each_other_with_anchors_logs_and_gaps():
    values = _prices()
    first = np.zeros(200, dtype=bool)
    first[[0, 100]] = True  # two entities of 100 steps
    deltas = smooth_columns(values, first, ["close::value", "high::value", "volume::value"])
    assert deltas == ("close::value", "high::value")  # volume is noise, not a smooth level
    logs = positive_columns(values, deltas)
    anchors = anchors_of(values, first, deltas, logs)
    assert set(anchors) == {"close::value", "high::value"} and len(set(anchors.values())) == 1
    targets = tuple(
        EncodedColumn(n, "discrete" if n.endswith("::null") else "continuous", 2 * n.endswith("::null")) for n in values
    )
    bounds = {c: (0.0, 1e9) for c in deltas}
    spec = HistorySpec(targets, deltas, {n: 0.0 for n in values}, bounds, None, True, logs, anchors)
    lengths = np.array([100, 100])
    firsts = {c: values[c][[0, 100]] for c in deltas}
    learning, sampling = History(spec, lengths, firsts), History(spec, lengths, firsts)
    who = np.array([0, 1])
    for step in range(100):
        rows = np.array([step, 100 + step])
        real = {n: v[rows] for n, v in values.items()}
        given_learning, given_sampling = learning.context(who, step), sampling.context(who, step)
        for name in given_learning:
            np.testing.assert_allclose(given_sampling[name], given_learning[name], rtol=1e-9)
        changes = learning.changes(who, real, {})
        learning.push(who, step, real, {})
        levels = sampling.levels(who, changes, {})
        observed = real["high::null"] == 0
        np.testing.assert_allclose(levels["close::value"], real["close::value"], rtol=1e-9)
        np.testing.assert_allclose(levels["high::value"][observed], real["high::value"][observed], rtol=1e-9)
        sampling.push(who, step, levels, {})
