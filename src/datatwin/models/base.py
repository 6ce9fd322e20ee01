"""The protocol every generative model follows, on encoded tables only."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, ClassVar, Protocol, Self, TypeVar

import numpy as np

from datatwin.encoded import EncodedTable
from datatwin.errors import ConfigError, NotFittedError
from datatwin.progress import Progress

ModelState = tuple[dict[str, Any], dict[str, np.ndarray]]
"""A model's saved form: a JSON-able dict (config and learned scalars) and named arrays."""

Conditions = dict[str, Any]
"""Fixed values per encoded column, for models that can condition."""

SearchSpace = dict[str, tuple[Any, ...]]
"""Candidate values per config option, for tuning and benchmarks."""


@dataclass(frozen=True)
class Capabilities:
    """What a model family can do beyond fit and sample."""

    conditional: bool = False
    context: bool = False
    time_budget: bool = False
    sequences: bool = False
    dp: bool = False
    needs_torch: bool = False


class Generator(Protocol):
    """A generative model of encoded tables.

    The constructor stores validated options only; ``fit`` learns; ``sample`` draws new rows;
    the same seed gives the same rows; ``to_state``/``from_state`` save and restore exactly.
    """

    name: ClassVar[str]
    capabilities: ClassVar[Capabilities]

    def __init__(self, **options: Any) -> None: ...
    def fit(self, data: EncodedTable, *, seed: int, progress: Progress | None = None) -> Self: ...
    def sample(self, n: int, *, seed: int, conditions: Conditions | None = None) -> EncodedTable: ...
    def options(self) -> dict[str, Any]: ...
    def to_state(self) -> ModelState: ...
    @classmethod
    def from_state(cls, state: ModelState) -> Self: ...
    @classmethod
    def search_space(cls) -> SearchSpace: ...


C = TypeVar("C")


def build_config(config_cls: type[C], model: str, options: dict[str, Any]) -> C:
    """Build a frozen config dataclass, naming any unknown option and the allowed ones."""
    allowed = {f.name for f in fields(config_cls)}  # type: ignore[arg-type]
    unknown = sorted(set(options) - allowed)
    if unknown:
        raise ConfigError(f"Model {model!r} has no option(s) {unknown}; its options are {sorted(allowed)}.")
    return config_cls(**options)


def check_row_count(n: int) -> None:
    """Refuse a number of rows to sample that is not a positive integer."""
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n <= 0:
        raise ConfigError(f"The number of rows to sample must be a positive integer; got {n!r}.")


def check_sample_request(model: str, fitted: bool, n: int, conditions: Conditions | None, *, conditional: bool) -> None:
    """Common checks before sampling: fitted, a positive whole ``n``, conditions supported."""
    if not fitted:
        raise NotFittedError(f"Model {model!r} is not fitted yet: call fit() before sample().")
    check_row_count(n)
    if conditions and not conditional:
        raise ConfigError(f"Model {model!r} cannot sample conditionally; choose another model.")
