"""Simulating a scenario from the public API: read its file, draw its agents from a twin, run it."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd

from datatwin.api.load import load
from datatwin.api.sequences import SequenceTwin
from datatwin.api.table import Twin
from datatwin.errors import ConfigError
from datatwin.progress import Progress
from datatwin.scenarios import WORLDS, ScenarioRun, ScenarioSpec, read_scenario, run_scenario, scenario_from_mapping
from datatwin.scenarios.activity import Activity, activity_from_sequences
from datatwin.scenarios.engine import require_simpy
from datatwin.seeds import check_seed

EXAMPLES = ("payments", "network")
"""Scenarios shipped with datatwin, runnable by name."""


def simulate(
    scenario: str | Path | Mapping[str, Any] | ScenarioSpec,
    output: str | Path,
    *,
    twin: str | Path | Twin | None = None,
    roles: Mapping[str, str] | None = None,
    activity_twin: str | Path | SequenceTwin | None = None,
    days: int | None = None,
    seed: int | None = None,
    table_format: str = ".parquet",
    replace: bool = False,
    progress: Progress | None = None,
) -> ScenarioRun:
    """Run a scenario and write its world: event tables with per-event labels, the agents'
    tables, a ground-truth table of every injected instance and a manifest.

    Parameters
    ----------
    scenario
        A scenario file (YAML or JSON), the name of a shipped example (``"payments"``,
        ``"network"``), a mapping with the file's content, or a checked :class:`ScenarioSpec`.
    output
        A folder (one file per table and ``scenario.json``) or a database URL.
    twin
        A table twin (file or object) whose plain sample becomes the population, in place of the
        scenario's ``population.twin`` or the world's rules.
    roles
        Which population column plays each role of the world (``{"wealth": "balance"}``), over
        the scenario's ``population.roles``.
    activity_twin
        A sequence twin of real activity (events with an entity and a time) whose drawn histories
        become the agents' normal card payments, in place of the scenario's ``activity.twin`` or
        the world's rules.
    days, seed
        Override the scenario's length and seed.
    table_format
        ``".parquet"`` or ``".csv"`` for a folder.
    replace
        Overwrite an output that already holds data.
    progress
        Told of each simulated day.

    Returns
    -------
    ScenarioRun
        Rows, labelled rows, instances and realised prevalence, and the run's manifest.

    Raises
    ------
    ConfigError
        For a scenario that does not parse or names an unknown world, typology or parameter, or
        a twin whose columns do not fit the world's roles (each one line naming the place).
    SourceError
        When the output cannot be written (checked before simulating).
    """
    spec = _spec(scenario)
    if days is not None:
        if days < 1:
            raise ConfigError(f"days must be at least 1; got {days}.")
        spec = spec.replace(days=int(days))
    if seed is not None:
        check_seed(seed)
        spec = spec.replace(seed=int(seed))
    if roles:
        allowed = WORLDS[spec.world].roles
        if unknown := sorted(set(roles) - set(allowed)):
            raise ConfigError(
                f"The {spec.world} world has no role {', '.join(unknown)}; its roles: {', '.join(allowed)}."
            )
        spec = spec.replace(population=dataclasses.replace(spec.population, roles={**spec.population.roles, **roles}))
    require_simpy()
    population, population_source = _population(spec, twin if twin is not None else spec.population.twin)
    activity_source = activity_twin if activity_twin is not None else spec.activity.twin
    activity, reference = _activity(spec, activity_source)
    return run_scenario(
        spec,
        output,
        population=population,
        population_source=population_source,
        activity=activity,
        activity_reference=reference,
        activity_source="rules" if activity_source is None else f"twin {_named(activity_source)}",
        table_format=table_format,
        replace=replace,
        progress=progress,
    )


def _population(spec: ScenarioSpec, source: str | Path | Twin | None) -> tuple[pd.DataFrame | None, str]:
    """The agents: a plain sample of a table twin, or ``None`` for the world's rules."""
    if source is None:
        return None, "rules"
    population_twin = source if isinstance(source, Twin) else load(source)
    if not isinstance(population_twin, Twin):
        raise ConfigError(
            f"The population's twin {_named(source)} is a {type(population_twin).__name__}; "
            "agents are drawn from a table twin (datatwin fit customers.csv)."
        )
    return population_twin.sample(spec.population.size, seed=spec.seed), f"twin {_named(source)}"


def _activity(
    spec: ScenarioSpec, source: str | Path | SequenceTwin | None
) -> tuple[Activity | None, dict[str, Any] | None]:
    """The agents' activity drawn from an event twin, and the profile of a second, plain sample
    of it to check the run against."""
    if source is None:
        return None, None
    activity_twin = source if isinstance(source, SequenceTwin) else load(source)
    if not isinstance(activity_twin, SequenceTwin) or activity_twin.mode != "events":
        raise ConfigError(
            f"The activity twin {_named(source)} must be a sequence twin of events "
            "(datatwin fit payments.csv --entity customer --order time)."
        )
    size, keys = spec.population.size, activity_twin.keys

    def draw(seed: int) -> Activity:
        frame = activity_twin.sample(size, seed=seed)
        assert keys.entity is not None  # an event twin has entities
        return activity_from_sequences(
            frame, entity=keys.entity, order=keys.order, roles=dict(spec.activity.roles), agents=size, days=spec.days
        )

    return draw(spec.seed), draw(spec.seed + 1).profile(size)


def _named(source: object) -> str:
    return "object" if not isinstance(source, str | Path) else repr(str(source))


def example_path(name: str) -> Path:
    """The file of a shipped example scenario."""
    return Path(str(resources.files("datatwin.scenarios") / "examples" / f"{name}.yaml"))


def _spec(scenario: str | Path | Mapping[str, Any] | ScenarioSpec) -> ScenarioSpec:
    if isinstance(scenario, ScenarioSpec):
        return scenario
    if isinstance(scenario, Mapping):
        return scenario_from_mapping(scenario)
    if str(scenario) in EXAMPLES and not Path(scenario).exists():
        return read_scenario(example_path(str(scenario)))
    return read_scenario(scenario)
