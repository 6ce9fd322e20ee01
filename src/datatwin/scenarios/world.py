"""What every simulated world provides to the engine: its agents, its normal day, its tables.

A world is vectorised: :meth:`World.background` draws a whole day of normal events for every
agent at once as NumPy columns, so the engine's discrete-event scheduler (SimPy) only steps the
injected typology instances, which are few. Identifiers stay integer indices inside the run and
become text (``C483920175``) only when a day is written, all drawn from one scrambled range per
kind so that no identifier format tells a labelled actor from a normal one.
"""

from __future__ import annotations

import dataclasses
from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from datatwin.errors import ConfigError

DAY = 86_400.0
"""Seconds in a simulated day; event times are seconds since the scenario's start."""

Columns = dict[str, np.ndarray]
"""A batch of events: one array per column, all the same length."""


@dataclasses.dataclass(frozen=True)
class TableLayout:
    """An event table: its columns (name → NumPy dtype) besides ``time`` and the labels, and the
    column giving each event's size (an amount, bytes; written under the same name), which the
    realism check compares with the rules' and a detector measures against the actor's usual."""

    columns: Mapping[str, str]
    size: str | None = None


class World(ABC):
    """A simulated world: agents drawn from a twin or from rules, and their normal activity.

    Parameters
    ----------
    settings
        The world's frozen ``Settings``.
    population
        One row per agent: a plain sample of the twin, or drawn by the world's rules.
    roles
        Which population column plays each role the world needs (``{"wealth": "balance"}``).
    rng
        Draws everything fixed for the run (merchants, hosts, favourites, rates).
    activity
        Normal events drawn from a sequence twin (:class:`~datatwin.scenarios.activity.Activity`),
        for a world that takes them; ``None`` follows the world's rules.
    """

    name: ClassVar[str]
    Settings: ClassVar[type]
    default_size: ClassVar[int]
    roles: ClassVar[Mapping[str, str]]
    """Role → what it drives; a twin used for the population needs a numeric column for each."""
    tables: ClassVar[Mapping[str, TableLayout]]

    takes_activity: ClassVar[bool] = False

    def __init__(
        self,
        settings: Any,
        population: pd.DataFrame,
        roles: Mapping[str, str],
        rng: np.random.Generator,
        activity: Any = None,
    ):
        if activity is not None and not self.takes_activity:
            raise ConfigError(f"The {self.name} world follows its rules: it takes no activity twin.")
        self.activity = activity
        self.settings = settings
        self.population = population
        self.role_values = {role: role_column(population, roles, role, self.roles) for role in self.roles}

    @classmethod
    @abstractmethod
    def rules_population(cls, size: int, rng: np.random.Generator) -> pd.DataFrame:
        """Agents' attributes drawn by the world's declared rules, when no twin is given."""

    @abstractmethod
    def background(self, day: int, weekday: int, rng: np.random.Generator) -> dict[str, Columns]:
        """Every normal event of ``day`` (0-based; ``weekday`` 0 is Monday), by table, unsorted."""

    @abstractmethod
    def expected_on(self, table: str, weekday: int) -> float:
        """The mean number of normal events in ``table`` on a day of the week (0 is Monday)."""

    def expected_per_day(self, table: str) -> float:
        """The mean number of normal events a day in ``table`` over a week (sizes the typologies' instances)."""
        return float(np.mean([self.expected_on(table, weekday) for weekday in range(7)]))

    def settle(self, table: str, columns: Columns) -> None:  # noqa: B027 - most worlds have nothing to settle
        """Fill columns that depend on the order of a day's events (running balances), in place."""

    def events(self, table: str, size: int, **values: Any) -> Columns:
        """``size`` events of ``table``: every column in the table's type (scalars repeated), and
        their ``time``."""
        layout = self.tables[table].columns
        out = {name: np.broadcast_to(np.asarray(values[name]), (size,)).astype(dtype) for name, dtype in layout.items()}
        out["time"] = np.broadcast_to(np.asarray(values["time"], dtype=np.float64), (size,)).copy()
        return out

    @abstractmethod
    def entities(self) -> dict[str, pd.DataFrame]:
        """The agents' tables (customers, merchants, users, hosts), as written."""

    @abstractmethod
    def decode(self, table: str, columns: Columns) -> dict[str, Any]:
        """Turn a day's integer columns into what is written (identifiers and categories as text)."""

    @abstractmethod
    def actor_name(self, kind: str, index: int) -> str:
        """The written identifier of agent ``index`` of ``kind`` (``account``, ``host`` …)."""


def role_column(population: pd.DataFrame, roles: Mapping[str, str], role: str, needed: Mapping[str, str]) -> np.ndarray:
    """The numeric values of the column playing ``role``, checked.

    Raises
    ------
    ConfigError
        When the role names no column of the population, or one that is not numeric.
    """
    column = roles.get(role, role)
    if column not in population.columns:
        numeric = [c for c in population.columns if pd.api.types.is_numeric_dtype(population[c])]
        raise ConfigError(
            f"The population has no column {column!r} for the role {role!r} ({needed[role]}); "
            f"map one with population.roles.{role}: <column> "
            f"(numeric columns: {', '.join(map(str, numeric)) or 'none'})."
        )
    values = population[column]
    if not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
        raise ConfigError(
            f"The population's column {column!r} plays the role {role!r} ({needed[role]}) but is not numeric; "
            "map a numeric column with population.roles."
        )
    numbers = values.to_numpy(dtype="float64", na_value=np.nan)
    fill = np.nanmedian(numbers) if np.isfinite(numbers).any() else 0.0
    return np.where(np.isfinite(numbers), numbers, fill)


def scrambled_ids(count: int, width: int, salt: int) -> np.ndarray:
    """``count`` distinct identifiers of ``width`` digits that look random (see :func:`scramble`),
    so every agent of a kind — normal or recruited by a typology — comes from the same range."""
    if count > 10**width // 10:
        raise ConfigError(f"{count:,} agents do not fit identifiers of {width} digits.")
    return scramble(np.arange(count, dtype=np.int64), width, salt)


def scramble(index: np.ndarray, width: int, salt: int) -> np.ndarray:
    """Numbers of ``width`` digits from indices: index × a multiplier + an offset, modulo
    10**width — a bijection, since the multiplier is odd and not a multiple of 5. Each ``salt``
    gives its own multiplier and offset, so the numbers of one kind say nothing about another's."""
    space = 10**width
    mixer = np.random.default_rng(salt)
    multiplier = int(mixer.integers(space // 10, space)) | 1
    while multiplier % 5 == 0:
        multiplier += 2
    offset = int(mixer.integers(0, space))
    index = np.asarray(index, dtype=np.int64) % space
    return (_mulmod(index, multiplier, space) + offset) % space


def _mulmod(index: np.ndarray, multiplier: int, space: int) -> np.ndarray:
    """``index × multiplier mod space`` without passing 2**63 (spaces up to 10**12): the
    multiplier is taken 20 bits at a time, each partial product shifted up modulo ``space``."""
    out = np.zeros(index.shape, dtype=np.int64)
    shift = 0
    while multiplier >> shift:
        term = (index * ((multiplier >> shift) & 0xFFFFF)) % space
        for _ in range(shift // 20):
            term = (term * (1 << 20)) % space
        out = (out + term) % space
        shift += 20
    return out


def draw_hours(profile: np.ndarray, rows: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Seconds into the day for each event, its hour drawn from ``profile[rows]`` (one 24-hour
    profile per row kind; rows index the profiles) and the rest uniform within the hour."""
    cumulative = np.cumsum(profile, axis=1)
    cumulative /= cumulative[:, -1:]
    u = rng.random(len(rows))
    hours = np.empty(len(rows), dtype=np.int64)
    for kind in np.unique(rows):
        chosen = rows == kind
        hours[chosen] = np.searchsorted(cumulative[kind], u[chosen], side="right")
    return np.minimum(hours, 23) * 3600.0 + rng.random(len(rows)) * 3600.0


def pick(weights: np.ndarray, size: int, rng: np.random.Generator) -> np.ndarray:
    """``size`` indices drawn with the given (unnormalised) weights."""
    cumulative = np.cumsum(weights, dtype=np.float64)
    return np.minimum(np.searchsorted(cumulative, rng.random(size) * cumulative[-1], side="right"), len(weights) - 1)
