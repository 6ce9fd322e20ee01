"""Run a checked scenario: build its world, plan its typologies, simulate, write, reconcile."""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from datatwin._version import __version__
from datatwin.progress import Progress
from datatwin.scenarios.activity import Activity, describe
from datatwin.scenarios.engine import (
    NORMAL,
    REFERENCE,
    SETUP,
    Truth,
    plan_instances,
    run_world,
    stream,
    weekday_of,
)
from datatwin.scenarios.options import as_dict
from datatwin.scenarios.output import Sink
from datatwin.scenarios.registry import TYPOLOGIES, WORLDS
from datatwin.scenarios.spec import ScenarioSpec
from datatwin.scenarios.typology import ROLES
from datatwin.scenarios.world import Columns, World

RUN_FORMAT = "datatwin-scenario-run"
RUN_VERSION = 1


@dataclasses.dataclass(frozen=True)
class ScenarioRun:
    """What a run wrote: rows and labelled rows per event table, instances, realised prevalence
    per typology, and how long it took."""

    target: str
    rows: dict[str, int]
    labelled: dict[str, int]
    instances: int
    prevalence: dict[str, float]
    seconds: float
    manifest: dict[str, Any]


def run_scenario(
    spec: ScenarioSpec,
    target: str | Path,
    *,
    population: pd.DataFrame | None = None,
    population_source: str = "rules",
    activity: Activity | None = None,
    activity_reference: dict[str, Any] | None = None,
    activity_source: str = "rules",
    table_format: str = ".parquet",
    replace: bool = False,
    progress: Progress | None = None,
) -> ScenarioRun:
    """Simulate ``spec`` and write its world to ``target`` (a folder or a database URL).

    Parameters
    ----------
    spec
        The checked scenario.
    target
        A folder (one file per table, plus ``scenario.json``) or a SQLAlchemy URL.
    population
        The agents' attributes (a plain sample of a twin); drawn by the world's rules when ``None``.
    population_source
        Where the population came from, for the manifest.
    activity
        Normal activity drawn from a sequence twin, for a world that takes one; rules otherwise.
    activity_reference
        The profile of a plain sample of that twin (:meth:`Activity.profile`), which the run's
        realism is checked against.
    activity_source
        Where the activity came from, for the manifest.
    table_format
        ``".parquet"`` or ``".csv"`` for a folder target.
    replace
        Overwrite a target that already holds data.
    progress
        Told of each simulated day.

    Raises
    ------
    SourceError
        When the target cannot be written (checked before anything is simulated).
    ConfigError
        When the population lacks a column a role of the world needs.
    """
    began = time.perf_counter()
    world_class = WORLDS[spec.world]
    setup = stream(spec.seed, SETUP)
    with Sink(target, table_format=table_format, replace=replace) as sink:
        if population is None:
            population = world_class.rules_population(spec.population.size, setup)
        world = world_class(spec.settings, population, spec.population.roles, setup, activity)
        typologies = [TYPOLOGIES[t.type](t) for t in spec.typologies]
        plan = plan_instances(typologies, world, spec.days, spec.seed)
        rows = {table: 0 for table in world.tables}
        labelled = {table: 0 for table in world.tables}
        names = np.array([t.type for t in spec.typologies] + [None], dtype=object)
        start = np.datetime64(spec.start, "ms")

        def write(table: str, columns: Columns) -> None:
            frame = _events(world, table, columns, names, start)
            rows[table] += len(frame)
            labelled[table] += int((columns["_instance"] != NORMAL).sum())
            sink.write(table, frame, key=frame.columns[0])

        truths = run_world(
            world, plan, days=spec.days, start=spec.start, seed=spec.seed, write=write, progress=progress
        )
        for name, frame in world.entities().items():
            sink.write(name, frame, key=frame.columns[0])
        truths = [truth for truth in truths if truth.events]  # an instance due after the run's end is not injected
        sink.write("ground_truth", _ground_truth(truths, typologies, world, start), key="instance_id")
        prevalence = _prevalence(truths, typologies, rows)
        rules = _rules_profile(world, spec)
        seconds = time.perf_counter() - began
        manifest = {
            "format": RUN_FORMAT,
            "version": RUN_VERSION,
            "datatwin": __version__,
            "scenario": scenario_document(spec),
            "population": {"source": population_source, "size": len(population)},
            "activity": {"source": activity_source, "reference": activity_reference},
            "rows": rows,
            "labelled": labelled,
            "instances": len(truths),
            "prevalence": prevalence,
            "expected_events": {table: round(_expected(world, spec, table), 1) for table in world.tables},
            "rules_profile": rules,
            "seconds": round(seconds, 3),
        }
        sink.commit(manifest)
    return ScenarioRun(str(target), rows, labelled, len(truths), prevalence, seconds, manifest)


def scenario_document(spec: ScenarioSpec) -> dict[str, Any]:
    """The checked scenario as a plain mapping (what the file said, with every default filled in)."""
    return {
        "name": spec.name,
        "world": spec.world,
        "days": spec.days,
        "start": spec.start.isoformat(),
        "seed": spec.seed,
        "population": {
            "size": spec.population.size,
            "twin": None if spec.population.twin is None else str(spec.population.twin),
            "roles": dict(spec.population.roles),
        },
        "activity": {
            "twin": None if spec.activity.twin is None else str(spec.activity.twin),
            "roles": dict(spec.activity.roles),
        },
        "settings": as_dict(spec.settings),
        "typologies": [
            {
                "type": t.type,
                "prevalence": t.prevalence,
                "start": t.start,
                "duration": t.duration,
                "camouflage": t.camouflage,
                "params": as_dict(t.params),
            }
            for t in spec.typologies
        ],
    }


def _events(world: World, table: str, columns: Columns, names: np.ndarray, start: np.datetime64) -> pd.DataFrame:
    decoded = world.decode(table, columns)
    first = next(iter(decoded))
    frame = {first: decoded.pop(first)}
    frame["time"] = start + np.round(columns["time"] * 1000).astype("int64").astype("timedelta64[ms]")
    frame.update(decoded)
    instance = columns["_instance"]
    normal = instance == NORMAL
    frame["scenario"] = names[columns["_typology"]]
    frame["instance_id"] = pd.array(np.where(normal, 0, instance), dtype="Int64")
    frame["instance_id"][normal] = pd.NA
    role = np.array(ROLES, dtype=object)[np.maximum(columns["_role"], 0)]
    role[normal] = None
    frame["role"] = role
    return pd.DataFrame(frame)


def _ground_truth(truths: list[Truth], typologies: list[Any], world: World, start: np.datetime64) -> pd.DataFrame:
    def moment(seconds: float) -> Any:
        return start + np.timedelta64(round(seconds * 1000), "ms") if np.isfinite(seconds) else pd.NaT

    return pd.DataFrame(
        {
            "instance_id": pd.array([t.instance_id for t in truths], dtype="Int64"),
            "scenario": pd.array([typologies[t.typology].spec.type for t in truths], dtype=object),
            "table": pd.array([typologies[t.typology].table for t in truths], dtype=object),
            "camouflage": [typologies[t.typology].camouflage for t in truths],
            "first_event": pd.to_datetime([moment(t.first) for t in truths]).astype("datetime64[ms]"),
            "last_event": pd.to_datetime([moment(t.last) for t in truths]).astype("datetime64[ms]"),
            "events": pd.array([t.events for t in truths], dtype="Int64"),
            "actors": pd.array(
                [" ".join(world.actor_name(kind, index) for kind, index in t.actors) for t in truths], dtype=object
            ),
        }
    )


def _prevalence(truths: list[Truth], typologies: list[Any], rows: dict[str, int]) -> dict[str, float]:
    counts: dict[str, int] = {}
    for truth in truths:
        typology = typologies[truth.typology]
        counts[typology.spec.type] = counts.get(typology.spec.type, 0) + truth.events
    return {name: round(count / max(rows[TYPOLOGIES[name].table], 1), 6) for name, count in sorted(counts.items())}


def _expected(world: World, spec: ScenarioSpec, table: str) -> float:
    """Normal events the declared rules expect in ``table`` over the run's calendar days."""
    return sum(world.expected_on(table, weekday_of(spec.start, day)) for day in range(spec.days))


REFERENCE_DAYS = 7
"""Days of normal activity drawn again, apart from the run, as the rules' own profile."""


def _rules_profile(world: World, spec: ScenarioSpec) -> dict[str, Any]:
    """What the world's rules draw when nothing is injected: a week of normal days from streams
    of their own, summarised per table (hour-of-day profile, sizes) for the realism check."""
    days = min(spec.days, REFERENCE_DAYS)
    drawn = [
        world.background(day, weekday_of(spec.start, day), stream(spec.seed, REFERENCE, day)) for day in range(days)
    ]
    profile = {}
    for table, layout in world.tables.items():
        seconds = np.concatenate([d[table]["time"] + day * 86_400.0 for day, d in enumerate(drawn)])
        sizes = np.concatenate([d[table][layout.size] for d in drawn]) if layout.size else np.zeros(len(seconds))
        summary = describe(seconds, sizes.astype(np.float64), agents=1, days=days)
        profile[table] = {"hours": summary["hours"], "sizes": summary["amounts"] if layout.size else []}
    return profile
