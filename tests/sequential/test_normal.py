"""Normal levels of long series: learnt from seasonal data, and what drawing towards them does."""

from __future__ import annotations

import numpy as np

from datatwin.encoded import EncodedColumn
from datatwin.sequential.history import History, HistorySpec
from datatwin.sequential.normal import FADES_WITHIN, Normal, learn_normals

HOURS = 24 * 200


def _hourly(rng: np.random.Generator, levels: list[float], phi: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Stations' hourly readings: a level each, a daily cycle, and departures that fade by ``phi``."""
    hour = np.tile(np.arange(HOURS) % 24, len(levels))
    entity = np.repeat(np.arange(len(levels)), HOURS)
    cycle = 4.0 * np.sin(2 * np.pi * hour / 24)
    departure = np.zeros(len(hour))
    for i in range(len(hour)):
        departure[i] = (phi * departure[i - 1] if i % HOURS else 0.0) + rng.normal(0, 1.0)
    return np.asarray(levels)[entity] + cycle + departure, entity, hour


def test_normal_levels_and_persistence_are_learnt_from_seasonal_series():
    rng = np.random.default_rng(0)
    values, entity, hour = _hourly(rng, [10.0, 25.0], phi=0.9)
    first = np.r_[True, np.diff(entity) != 0]
    normals = learn_normals(
        {"t": values}, {"t": np.ones(len(values), dtype=bool)}, first, entity, {"__hour__": hour}, HOURS
    )
    normal = normals["t"]
    assert abs(normal.persistence - 0.9) < 0.02
    at_noon = normal.at(np.array([0, 1]), {"__hour__": np.array([6, 6])})  # the cycle's top
    np.testing.assert_allclose(at_noon, [14.0, 29.0], atol=0.5)
    assert Normal.from_dict(normal.to_dict()) == normal


def test_a_walk_has_no_normal_level():
    rng = np.random.default_rng(1)
    walk = np.cumsum(rng.normal(0, 1.0, HOURS))
    first = np.zeros(HOURS, dtype=bool)
    first[0] = True
    found = learn_normals(
        {"price": walk}, {"price": np.ones(HOURS, dtype=bool)}, first, np.zeros(HOURS, dtype=np.int64), {}, HOURS
    )
    assert found == {}  # its departures last longer than a share FADES_WITHIN of the series
    assert FADES_WITHIN * HOURS < 1000


def _spec(normal: Normal | None) -> HistorySpec:
    targets = (EncodedColumn("t", "continuous"),)
    normals = {} if normal is None else {"t": normal}
    return HistorySpec(targets, ("t",), {"t": 0.0}, {"t": (-1e3, 1e3)}, None, False, (), {}, normals)


def test_changes_from_the_forecast_give_back_the_real_levels():
    rng = np.random.default_rng(2)
    values, _, hour = _hourly(rng, [10.0], phi=0.9)
    normal = Normal(0.9, (10.0,), {"__hour__": tuple(4.0 * np.sin(2 * np.pi * np.arange(24) / 24))})
    spec = _spec(normal)
    learning, sampling = (History(spec, np.array([HOURS]), {"t": values[:1]}) for _ in range(2))
    who = np.array([0])
    changes = []
    for step in range(HOURS):
        normal_now = learning.normals(who, {"__hour__": hour[[step]]})
        real = {"t": values[[step]]}
        change = learning.changes(who, real, normal_now)
        changes.append(change["t"][0])
        learning.push(who, step, real, normal_now)
        drawn = sampling.levels(who, change, normal_now)
        np.testing.assert_allclose(drawn["t"], real["t"], rtol=1e-9)
        sampling.push(who, step, drawn, normal_now)
    assert np.std(changes) < 1.1  # the forecast leaves only the fresh noise (sd 1) to learn


def test_drawing_towards_the_normal_bounds_what_biased_changes_do():
    """Changes a little too high every step walk a plain level off; the forecast's pull holds it."""
    hours = np.arange(20_000) % 24
    normal = Normal(0.95, (10.0,), {"__hour__": tuple(np.zeros(24))})
    ends = {}
    for name, chosen in (("plain", None), ("towards normal", normal)):
        history = History(_spec(chosen), np.array([len(hours)]), {"t": np.array([10.0])})
        who, level = np.array([0]), 10.0
        for step, hour in enumerate(hours):
            normal_now = history.normals(who, {"__hour__": np.array([hour])})
            level = history.levels(who, {"t": np.array([0.05])}, normal_now)["t"]
            history.push(who, step, {"t": level}, normal_now)
        ends[name] = float(level[0])
    assert ends["plain"] == 1e3  # walked to the edge of the levels seen
    assert abs(ends["towards normal"] - (10.0 + 0.05 / (1 - 0.95))) < 1e-6
