"""Running a scenario: SimPy schedules the typology instances, the world draws the normal days.

The run advances a day at a time. SimPy runs every instance's process up to the day's end
(instances emit events, possibly a little ahead of the clock), then the world draws the day's
normal events for every agent at once; the two are merged in time order, the world settles what
depends on order (running balances), and the day is written. Memory stays at about one day of
events whatever the length of the run.

Each random stream is seeded from ``(seed, purpose, index)`` — the world's set-up, each day's
background, each instance — so the same seed gives the same bytes, and adding a typology does
not change the normal world.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Generator
from typing import Any

import numpy as np

from datatwin.errors import ConfigError
from datatwin.progress import Progress, advance
from datatwin.scenarios.typology import ROLES, Typology
from datatwin.scenarios.world import DAY, Columns, World

NORMAL = -1
"""Instance id (and typology code) of an unlabelled, normal event."""

SETUP, DAYS, INSTANCES, PLAN, REFERENCE = range(5)
"""What a random stream is for: the world's set-up, a day's background, an instance, the plan of
instances, the rules' reference days drawn apart from the run."""


def require_simpy() -> None:
    """Fail with one clear line when the scenarios extra is not installed.

    Raises
    ------
    ConfigError
        Saying how to install it.
    """
    try:
        import simpy  # noqa: F401
    except ImportError:
        raise ConfigError("Simulating scenarios needs SimPy: pip install 'datatwin[scenarios]'.") from None


def stream(seed: int, purpose: int, *index: int) -> np.random.Generator:
    """The random stream for one purpose of the run (set-up, a day, an instance)."""
    return np.random.default_rng(np.random.SeedSequence([seed, purpose, *index]))


@dataclasses.dataclass
class Truth:
    """One injected instance, as the ground-truth table reports it."""

    instance_id: int
    typology: int
    actors: list[tuple[str, int]] = dataclasses.field(default_factory=list)
    events: int = 0
    first: float = float("inf")
    last: float = float("-inf")


class Instance:
    """One running instance of a typology: labels and buffers what it emits."""

    def __init__(self, truth: Truth, recorder: Recorder, typology: Typology) -> None:
        self.truth, self.recorder, self.typology = truth, recorder, typology

    @property
    def id(self) -> int:
        return self.truth.instance_id

    def involve(self, kind: str, index: int) -> None:
        """Record an agent taking part (it goes to the ground truth's ``actors``)."""
        if (kind, int(index)) not in self.truth.actors:
            self.truth.actors.append((kind, int(index)))

    def emit(self, table: str, at: np.ndarray | float, role: str, **columns: Any) -> None:
        """Record events of this instance at times ``at`` (seconds since the start); scalars are
        repeated to its length, and a ``time`` column among ``columns`` is replaced by it."""
        times = np.atleast_1d(np.asarray(at, dtype=np.float64))
        batch = {
            name: np.broadcast_to(np.asarray(value), times.shape).copy()
            for name, value in columns.items()
            if name != "time"
        }
        batch["time"] = times
        batch["_typology"] = np.full(times.shape, self.truth.typology, dtype=np.int32)
        batch["_instance"] = np.full(times.shape, self.truth.instance_id, dtype=np.int64)
        batch["_role"] = np.full(times.shape, ROLES.index(role), dtype=np.int8)
        self.recorder.add(table, batch)


class Recorder:
    """Labelled events waiting for the day they fall in."""

    def __init__(self, layouts: dict[str, Any]) -> None:
        self.layouts = layouts
        self.pending: dict[str, list[Columns]] = {table: [] for table in layouts}

    def add(self, table: str, batch: Columns) -> None:
        missing = set(self.layouts[table].columns) - set(batch)
        if missing:
            raise AssertionError(f"typology events for {table} lack {sorted(missing)}")  # a typology's bug
        self.pending[table].append(batch)

    def take(self, table: str, until: float) -> Columns | None:
        """The buffered events before ``until``; later ones stay for a later day."""
        batches = self.pending[table]
        if not batches:
            return None
        merged = {name: np.concatenate([b[name] for b in batches]) for name in batches[0]}
        due = merged["time"] < until
        self.pending[table] = [{name: values[~due] for name, values in merged.items()}] if not due.all() else []
        return {name: values[due] for name, values in merged.items()} if due.any() else None


@dataclasses.dataclass
class Plan:
    """How many instances of each typology start, and when (seconds since the start)."""

    typologies: list[Typology]
    starts: list[np.ndarray]


def plan_instances(typologies: list[Typology], world: World, days: int, seed: int) -> Plan:
    """Size each typology from its prevalence: labelled events = p/(1−p) × the table's expected
    normal events over the run, divided by one instance's mean events (at least one instance
    when the prevalence is above zero); start times uniform in the typology's window."""
    starts = []
    for index, typology in enumerate(typologies):
        spec = typology.spec
        normal = world.expected_per_day(typology.table) * days
        wanted = spec.prevalence / max(1.0 - spec.prevalence, 1e-9) * normal
        count = 0 if spec.prevalence == 0 else max(1, round(wanted / typology.events_per_instance()))
        window_end = min(spec.start + spec.duration, days)
        rng = stream(seed, PLAN, index)
        starts.append(np.sort(rng.uniform(spec.start * DAY, window_end * DAY, size=count)))
    return Plan(typologies, starts)


def run_world(
    world: World,
    plan: Plan,
    *,
    days: int,
    start: dt.date,
    seed: int,
    write: Callable[[str, Columns], None],
    progress: Progress | None = None,
) -> list[Truth]:
    """Simulate ``days`` days, handing each table's day of events (sorted, labelled) to ``write``.

    Returns
    -------
    list of Truth
        Every planned instance with the events it wrote (an instance may write none when its
        behaviour would fall after the run's end).
    """
    require_simpy()
    import simpy

    env = simpy.Environment()
    recorder = Recorder(dict(world.tables))
    truths: list[Truth] = []
    for code, (typology, starts) in enumerate(zip(plan.typologies, plan.starts, strict=True)):
        for at in starts:
            truth = Truth(instance_id=len(truths), typology=code)
            truths.append(truth)
            rng = stream(seed, INSTANCES, truth.instance_id)
            env.process(_delayed(env, float(at), typology, world, Instance(truth, recorder, typology), rng))
    end = days * DAY
    for day in range(days):
        until = (day + 1) * DAY
        env.run(until=until)
        normal = world.background(day, weekday_of(start, day), stream(seed, DAYS, day))
        for table in world.tables:
            columns = _merge(normal[table], recorder.take(table, min(until, end)), day)
            world.settle(table, columns)
            _count(columns, truths)
            write(table, columns)
        advance(progress, "Simulating days", day + 1, days)
    return truths


def weekday_of(start: dt.date, day: int) -> int:
    """The day of the week (0 is Monday) of a run's day."""
    return (start + dt.timedelta(days=day)).weekday()


def _delayed(
    env: Any, at: float, typology: Typology, world: World, instance: Instance, rng: np.random.Generator
) -> Generator[Any, Any, None]:
    yield env.timeout(at)
    yield from typology.run(env, world, instance, rng)


def _merge(normal: Columns, labelled: Columns | None, day: int) -> Columns:
    size = len(normal["time"])
    normal = {
        **normal,
        "time": normal["time"] + day * DAY,
        "_typology": np.full(size, NORMAL, dtype=np.int32),
        "_instance": np.full(size, NORMAL, dtype=np.int64),
        "_role": np.full(size, NORMAL, dtype=np.int8),
    }
    if labelled is not None:
        normal = {
            name: np.concatenate([values, labelled[name].astype(values.dtype)]) for name, values in normal.items()
        }
    order = np.argsort(normal["time"], kind="stable")
    return {name: values[order] for name, values in normal.items()}


def _count(columns: Columns, truths: list[Truth]) -> None:
    instances = columns["_instance"]
    labelled = instances != NORMAL
    if not labelled.any():
        return
    ids, first = np.unique(instances[labelled], return_index=True)
    counts = np.bincount(instances[labelled], minlength=len(truths))
    times = columns["time"][labelled]
    last_index = len(times) - 1 - np.unique(instances[labelled][::-1], return_index=True)[1]
    for instance, first_at, last_at in zip(ids, first, last_index, strict=True):
        truth = truths[instance]
        truth.events += int(counts[instance])
        truth.first = min(truth.first, float(times[first_at]))
        truth.last = max(truth.last, float(times[last_at]))
