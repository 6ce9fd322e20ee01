"""The protocol every generative model follows, on encoded tables only."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol, Self

import numpy as np

from datatwin.dp import Budget
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
    """Trains under a privacy budget (``fit(..., budget=)``)."""
    dp_only: bool = False
    """Trains only under a privacy budget, on discrete columns only (a DP pipeline's codes)."""
    needs_torch: bool = False


class Generator(Protocol):
    """A generative model of encoded tables.

    The constructor takes named, validated options only (``get_params`` returns them);
    ``sample``'s ``conditions`` fix encoded columns' values and ``context`` gives row ``i``'s
    values of some encoded columns, for models whose capabilities say so (``fit``'s ``context``
    names the columns every sample will give, which such a model need not learn; its ``budget``
    is a share of a privacy ledger, which a model with the ``dp`` capability trains under and
    others refuse); ``fit`` learns; ``sample`` draws new rows; the same seed gives the same rows;
    ``to_state``/``from_state`` save and restore exactly.
    """

    name: ClassVar[str]
    capabilities: ClassVar[Capabilities]

    def __init__(self) -> None: ...  # every option a named keyword with a default, validated here
    def get_params(self) -> dict[str, Any]: ...
    def fit(
        self,
        data: EncodedTable,
        *,
        seed: int,
        progress: Progress | None = None,
        context: Sequence[str] = (),
        budget: Budget | None = None,
    ) -> Self: ...
    def sample(
        self,
        n: int,
        *,
        seed: int,
        conditions: Conditions | None = None,
        context: dict[str, np.ndarray] | None = None,
    ) -> EncodedTable: ...
    def to_state(self) -> ModelState: ...
    @classmethod
    def from_state(cls, state: ModelState) -> Self: ...
    @classmethod
    def search_space(cls) -> SearchSpace: ...


def check_options(model: type[Generator], options: dict[str, Any]) -> None:
    """Refuse options a model family does not have, naming them and the ones it has."""
    allowed = set(model().get_params())
    unknown = sorted(set(options) - allowed)
    if unknown:
        raise ConfigError(f"Model {model.name!r} has no option(s) {unknown}; its options are {sorted(allowed)}.")


def check_row_count(n: int) -> None:
    """Refuse a number of rows to sample that is not a positive integer."""
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n <= 0:
        raise ConfigError(f"The number of rows to sample must be a positive integer; got {n!r}.")


def check_sample_request(
    model: str,
    fitted: bool,
    n: int,
    conditions: Conditions | None,
    *,
    conditional: bool,
    context: dict[str, np.ndarray] | None = None,
    contextual: bool = True,
) -> None:
    """Common checks before sampling: fitted, a positive whole ``n``, conditions and a context
    supported."""
    if not fitted:
        raise NotFittedError(f"Model {model!r} is not fitted yet: call fit() before sample().")
    check_row_count(n)
    if conditions and not conditional:
        raise ConfigError(f"Model {model!r} cannot sample conditionally; choose another model.")
    if context and not contextual:
        raise ConfigError(f"Model {model!r} cannot sample in a context; choose model 'argn'.")


def check_no_budget(model: str, budget: Budget | None) -> None:
    """Refuse a privacy budget for a model that cannot train under one."""
    if budget is not None:
        raise ConfigError(f"Model {model!r} cannot train under differential privacy; choose model='aim'.")
