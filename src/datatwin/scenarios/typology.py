"""The shape every typology shares: parameters, a size per instance, and a SimPy process.

A typology is a small parameterised behaviour that writes labelled events into one of its
world's tables. The engine starts ``instances`` of it at random times in its window; each is
a SimPy process that waits (``yield env.timeout(...)``) between the steps of the behaviour and
emits every event it makes through its :class:`Instance`, which labels them with the typology's
name, the instance's id and the role the event's actor plays.

``camouflage`` (0 to 1) is how closely the behaviour mimics normal activity: each telling trait
(amounts, hours, pacing, protocols) is drawn from the actor's normal distribution with that
probability, else from the typology's blatant one.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Generator
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

if TYPE_CHECKING:
    import simpy

ROLES = ("victim", "attacker", "mule", "launderer", "compromised_host")
"""The part an event's acting account, user or host plays in its instance."""


class Typology(ABC):
    """A labelled behaviour; subclasses set the class attributes and implement two methods."""

    name: ClassVar[str]
    world: ClassVar[str]
    table: ClassVar[str]
    Params: ClassVar[type]
    summary: ClassVar[str]

    def __init__(self, spec: Any) -> None:
        """``spec``: the checked :class:`~datatwin.scenarios.spec.TypologySpec` of this typology."""
        self.spec = spec
        self.params: Any = spec.params
        self.camouflage = spec.camouflage

    @abstractmethod
    def events_per_instance(self) -> float:
        """The mean number of events one instance writes (turns a prevalence into instances)."""

    @abstractmethod
    def run(
        self, env: simpy.Environment, world: Any, instance: Any, rng: np.random.Generator
    ) -> Generator[Any, Any, None]:
        """The instance's behaviour, started at its start time."""


NIGHT = (0.0, 5.0)
"""Hours (from, to) in which blatant behaviour happens."""


def later_at(now: float, seconds_into_day: float) -> float:
    """The first moment at or after ``now`` that is ``seconds_into_day`` into a day."""
    day_start = np.floor(now / 86_400.0) * 86_400.0
    at = day_start + seconds_into_day
    return float(at if at >= now else at + 86_400.0)


def start_hour(camouflage: float, rng: np.random.Generator, normal_seconds: float) -> float:
    """Seconds into the day a behaviour starts: at night (blatant), or at a normal hour with
    probability ``camouflage``."""
    if rng.random() < camouflage:
        return normal_seconds
    return float(rng.uniform(NIGHT[0], NIGHT[1]) * 3600.0)


OFFICE = (8.0, 18.0)
"""Office hours (from, to) that camouflaged intruders keep to."""


def office_hours(camouflage: float, rng: np.random.Generator, times: np.ndarray) -> np.ndarray:
    """With probability ``camouflage`` per event, an event outside office hours is moved into the
    next office hours (the night from 18:00 to 08:00 squeezed onto 08:00–18:00, order kept)."""
    day = np.floor(times / 86_400.0)
    hour = (times - day * 86_400.0) / 3600.0
    outside = (hour < OFFICE[0]) | (hour >= OFFICE[1])
    night_began = np.where(hour >= OFFICE[1], day, day - 1)
    into_night = np.where(hour >= OFFICE[1], hour - OFFICE[1], hour + 24.0 - OFFICE[1])
    office = OFFICE[1] - OFFICE[0]
    moved = (night_began + 1) * 86_400.0 + (OFFICE[0] + into_night * office / (24.0 - office)) * 3600.0
    return np.where(outside & (rng.random(len(times)) < camouflage), moved, times)


def blend_values(camouflage: float, rng: np.random.Generator, blatant: np.ndarray, normal: np.ndarray) -> np.ndarray:
    """Per event, the normal-looking value with probability ``camouflage``, else the blatant one."""
    return np.where(rng.random(len(blatant)) < camouflage, normal, blatant)


def gaps(camouflage: float, rng: np.random.Generator, size: int, blatant: float, normal: float) -> np.ndarray:
    """Waits between steps (seconds, exponential): ``blatant`` mean, or ``normal`` mean with
    probability ``camouflage`` per wait."""
    means = np.where(rng.random(size) < camouflage, normal, blatant)
    return rng.exponential(means)
