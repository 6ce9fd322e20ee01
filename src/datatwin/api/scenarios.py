"""Simulating a scenario from the public API: read its file, draw its agents from a twin, run it."""

from __future__ import annotations

from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

from datatwin.api.load import load
from datatwin.api.table import Twin
from datatwin.errors import ConfigError
from datatwin.progress import Progress
from datatwin.scenarios import ScenarioRun, ScenarioSpec, read_scenario, run_scenario, scenario_from_mapping
from datatwin.seeds import check_seed

EXAMPLES = ("payments", "network")
"""Scenarios shipped with datatwin, runnable by name."""


def simulate(
    scenario: str | Path | Mapping[str, Any] | ScenarioSpec,
    output: str | Path,
    *,
    twin: str | Path | Twin | None = None,
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
    _check_engine()
    source = twin if twin is not None else spec.population.twin
    if source is None:
        return run_scenario(spec, output, table_format=table_format, replace=replace, progress=progress)
    population_twin = source if isinstance(source, Twin) else load(source)
    if not isinstance(population_twin, Twin):
        raise ConfigError(
            f"The population's twin {str(source)!r} is a {type(population_twin).__name__}; "
            "agents are drawn from a table twin (datatwin fit customers.csv)."
        )
    population = population_twin.sample(spec.population.size, seed=spec.seed)
    where = "twin object" if isinstance(source, Twin) else str(source)
    return run_scenario(
        spec,
        output,
        population=population,
        population_source=f"twin {where}",
        table_format=table_format,
        replace=replace,
        progress=progress,
    )


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


def _check_engine() -> None:
    try:
        import simpy  # noqa: F401
    except ImportError:
        raise ConfigError("Simulating scenarios needs SimPy: pip install 'datatwin[scenarios]'.") from None
