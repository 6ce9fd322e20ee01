"""A scenario file (YAML or JSON): the world, its population, how long it runs and which
labelled typologies are injected — read and checked before anything is simulated.

.. code-block:: yaml

    name: payments
    world: payments            # or network
    days: 30
    start: 2026-01-01
    seed: 0
    population:
      size: 5000
      twin: customers.twin     # optional: agents' attributes drawn from a table twin
      roles: {wealth: balance} # which twin column plays each role the world needs
    activity:                  # optional (payments): card payments drawn from a sequence twin
      twin: payments.twin
      roles: {amount: amount}
    settings: {}               # the world's options (see the world's Settings)
    typologies:
      - type: card_testing
        prevalence: 0.004      # share of the table's events
        start: 3               # day the first instance may start
        duration: 20           # days in which instances start
        camouflage: 0.5        # 0: blatant, 1: mimics normal behaviour closely
        params: {attempts: 25}

Every problem is one line naming the file, the line and the key.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from datatwin.errors import ConfigError, SourceError
from datatwin.scenarios.options import checked_number, read_options

TOP_KEYS = ("name", "world", "days", "start", "seed", "population", "activity", "settings", "typologies")
ACTIVITY_KEYS = ("twin", "roles")
POPULATION_KEYS = ("size", "twin", "roles")
TYPOLOGY_KEYS = ("type", "prevalence", "start", "duration", "camouflage", "params")
DEFAULT_CAMOUFLAGE = 0.5


@dataclasses.dataclass(frozen=True)
class PopulationSpec:
    """How many agents, and where their attributes come from (a twin, or the world's rules)."""

    size: int
    twin: Path | None = None
    roles: Mapping[str, str] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(frozen=True)
class ActivitySpec:
    """Where normal activity comes from: a sequence twin (and which of its columns plays each
    role), or the world's rules when ``twin`` is ``None``."""

    twin: Path | None = None
    roles: Mapping[str, str] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(frozen=True)
class TypologySpec:
    """One injected behaviour: its kind, share of events, window, camouflage and parameters."""

    type: str
    prevalence: float
    start: float
    duration: float
    camouflage: float
    params: Any  # the typology's own frozen Params dataclass


@dataclasses.dataclass(frozen=True)
class ScenarioSpec:
    """A whole scenario, checked: see the module's docstring for the file it is read from."""

    name: str
    world: str
    days: int
    start: dt.date
    seed: int
    population: PopulationSpec
    activity: ActivitySpec
    settings: Any  # the world's own frozen Settings dataclass
    typologies: tuple[TypologySpec, ...]

    def replace(self, **changes: Any) -> ScenarioSpec:
        """A copy with some fields changed (``days``, ``seed``, ``population`` …)."""
        return dataclasses.replace(self, **changes)


def read_scenario(path: str | Path) -> ScenarioSpec:
    """Read and check a scenario file.

    Raises
    ------
    SourceError
        When the file is missing or unreadable.
    ConfigError
        When it does not parse (with its line), or a key or value is not allowed (with its line
        and the allowed keys or range).
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SourceError(f"Scenario file {str(path)!r} does not exist.") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SourceError(f"Cannot read scenario file {str(path)!r}: {exc}.") from None
    document, lines = _parse(text, path)
    return scenario_from_mapping(document, _Places(path.name, lines), base=path.parent)


def scenario_from_mapping(document: object, places: _Places | None = None, *, base: Path | None = None) -> ScenarioSpec:
    """Check a scenario given as a mapping (what a file holds); twin paths resolve against ``base``."""
    from datatwin.scenarios.registry import typology_class, world_class

    places = places or _Places("scenario", {})
    if not isinstance(document, Mapping):
        raise ConfigError(f"{places.at()} must be a mapping with keys {', '.join(TOP_KEYS)}.")
    _known(document, TOP_KEYS, places, ())
    world_name = _required(document, "world", places, ())
    world = world_class(world_name, places.at("world"))
    days = _number(document.get("days", 30), places, ("days",), low=1, whole=True)
    population = _population(document.get("population"), places, base, world.default_size)
    typologies = document.get("typologies") or []
    if not isinstance(typologies, list):
        raise ConfigError(f"{places.at('typologies')} must be a list of typologies.")
    specs = []
    for index, item in enumerate(typologies):
        where = ("typologies", index)
        if not isinstance(item, Mapping):
            raise ConfigError(f"{places.at(*where)} must be a mapping with keys {', '.join(TYPOLOGY_KEYS)}.")
        _known(item, TYPOLOGY_KEYS, places, where)
        kind = typology_class(_required(item, "type", places, where), world_name, places.at(*where, "type"))
        start = _number(item.get("start", 0), places, (*where, "start"), low=0, high=days - 1e-9)
        specs.append(
            TypologySpec(
                type=kind.name,
                prevalence=_number(item.get("prevalence"), places, (*where, "prevalence"), low=0, high=1),
                start=start,
                duration=_number(item.get("duration", days - start), places, (*where, "duration"), low=1e-9),
                camouflage=_number(
                    item.get("camouflage", DEFAULT_CAMOUFLAGE), places, (*where, "camouflage"), low=0, high=1
                ),
                params=read_options(kind.Params, item.get("params"), places.naming(*where, "params")),
            )
        )
    return ScenarioSpec(
        name=str(document.get("name", world_name)),
        world=world_name,
        days=int(days),
        start=_date(document.get("start", "2026-01-01"), places),
        seed=int(_number(document.get("seed", 0), places, ("seed",), low=0, whole=True)),
        population=population,
        activity=_activity(document.get("activity"), places, base),
        settings=read_options(world.Settings, document.get("settings"), places.naming("settings")),
        typologies=tuple(specs),
    )


class _Places:
    """Names a key of the file by its line: ``payments.yaml line 14 (typologies[1].prevalence)``."""

    def __init__(self, name: str, lines: dict[tuple[Any, ...], int]) -> None:
        self.name, self.lines = name, lines

    def naming(self, *path: Any) -> Callable[..., str]:
        """Names the mapping at ``path`` (called with no key) or one of its keys."""
        return lambda *key: self.at(*path, *key)

    def at(self, *path: Any) -> str:
        key = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".")
        for end in range(len(path), -1, -1):
            if path[:end] in self.lines:
                return f"{self.name} line {self.lines[path[:end]]}" + (f" ({key})" if key else "")
        return self.name + (f" ({key})" if key else "")


def _parse(text: str, path: Path) -> tuple[object, dict[tuple[Any, ...], int]]:
    try:
        import yaml
    except ImportError:
        if path.suffix.lower() != ".json":
            raise ConfigError(
                "Reading a YAML scenario needs PyYAML: pip install 'datatwin[scenarios]' "
                "(or write the scenario as JSON)."
            ) from None
        try:
            return json.loads(text), {}
        except json.JSONDecodeError as exc:
            raise ConfigError(f"{path.name} line {exc.lineno}: not valid JSON ({exc.msg}).") from None
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(f"{path.name}{line}: does not parse ({problem}).") from None
    lines: dict[tuple[Any, ...], int] = {}
    _collect_lines(node, (), lines)
    return document, lines


def _collect_lines(node: Any, path: tuple[Any, ...], lines: dict[tuple[Any, ...], int]) -> None:
    import yaml

    if node is None:
        return
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            lines[(*path, key.value)] = key.start_mark.line + 1
            _collect_lines(value, (*path, key.value), lines)
    elif isinstance(node, yaml.SequenceNode):
        for index, value in enumerate(node.value):
            _collect_lines(value, (*path, index), lines)


def _known(mapping: Mapping, allowed: tuple[str, ...], places: _Places, where: tuple[Any, ...]) -> None:
    unknown = [str(key) for key in mapping if key not in allowed]
    if unknown:
        raise ConfigError(
            f"{places.at(*where, unknown[0])}: unknown key {unknown[0]!r}; allowed: {', '.join(allowed)}."
        )


def _required(mapping: Mapping, key: str, places: _Places, where: tuple[Any, ...]) -> str:
    value = mapping.get(key)
    if not isinstance(value, str) or not value:
        raise ConfigError(f"{places.at(*where)}: {key!r} is required and must be a name.")
    return value


def _number(
    value: object,
    places: _Places,
    where: tuple[Any, ...],
    *,
    low: float | None = None,
    high: float | None = None,
    whole: bool = False,
) -> float:
    return checked_number(value, places.at(*where), low=low, high=high, whole=whole)


def _date(value: object, places: _Places) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ConfigError(f"{places.at('start')} must be a date like 2026-01-01; got {value!r}.") from None


def _population(value: object, places: _Places, base: Path | None, default_size: int) -> PopulationSpec:
    if value is None:
        return PopulationSpec(size=default_size)
    if not isinstance(value, Mapping):
        raise ConfigError(f"{places.at('population')} must be a mapping with keys {', '.join(POPULATION_KEYS)}.")
    _known(value, POPULATION_KEYS, places, ("population",))
    size = _number(value.get("size", default_size), places, ("population", "size"), low=10, whole=True)
    return PopulationSpec(
        size=int(size),
        twin=_twin_path(value.get("twin"), places, ("population", "twin"), base),
        roles=_roles(value.get("roles"), places, ("population", "roles")),
    )


def _activity(value: object, places: _Places, base: Path | None) -> ActivitySpec:
    if value is None:
        return ActivitySpec()
    if not isinstance(value, Mapping):
        raise ConfigError(f"{places.at('activity')} must be a mapping with keys {', '.join(ACTIVITY_KEYS)}.")
    _known(value, ACTIVITY_KEYS, places, ("activity",))
    return ActivitySpec(
        twin=_twin_path(value.get("twin"), places, ("activity", "twin"), base),
        roles=_roles(value.get("roles"), places, ("activity", "roles")),
    )


def _twin_path(value: object, places: _Places, where: tuple[Any, ...], base: Path | None) -> Path | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ConfigError(f"{places.at(*where)} must be the path of a twin file.")
    return base / value if base is not None and not Path(value).is_absolute() else Path(value)


def _roles(value: object, places: _Places, where: tuple[Any, ...]) -> dict[str, str]:
    roles = value or {}
    if not isinstance(roles, Mapping) or not all(isinstance(v, str) for v in roles.values()):
        raise ConfigError(f"{places.at(*where)} must map each role to a column name.")
    return {str(k): v for k, v in roles.items()}
