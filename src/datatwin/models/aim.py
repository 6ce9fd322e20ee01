"""AIM: a differentially private graphical model of discrete columns (registry name ``"aim"``).

The select–measure–generate loop of :mod:`datatwin.dp.marginals` behind the model protocol.
It trains only under a privacy budget (``fit(..., budget=)``: the DP pipeline's share of the
ledger) and only on discrete columns (the DP pipeline's fixed bins and labels); sampling,
conditions included, is post-processing and draws the same rows from the same seed.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any, ClassVar, Self

import numpy as np

from datatwin.dp import Budget
from datatwin.dp.marginals import MAX_SIZE_MB, ROUNDS_PER_COLUMN, MarginalModel, fit_aim
from datatwin.encoded import EncodedColumn, EncodedTable
from datatwin.errors import ConfigError, PrivacyBudgetError
from datatwin.models.base import Capabilities, Conditions, ModelState, SearchSpace, check_sample_request
from datatwin.progress import Progress


@dataclass(frozen=True)
class AimConfig:
    """Options of AIM.

    Parameters
    ----------
    rounds_per_column
        Planned rounds of selecting and measuring a marginal, per column: fewer rounds spend
        more budget on each measurement (less noise), more learn more marginals.
    max_size_mb
        Cap on the graphical model's size (its junction tree's cells as float64), which bounds
        fit time and memory.
    """

    rounds_per_column: int = ROUNDS_PER_COLUMN
    max_size_mb: float = MAX_SIZE_MB

    def __post_init__(self) -> None:
        rounds = self.rounds_per_column
        if isinstance(rounds, bool) or not isinstance(rounds, int) or rounds < 1:
            raise ConfigError(f"AIM option 'rounds_per_column' must be a whole number ≥ 1; got {rounds!r}.")
        size = self.max_size_mb
        if isinstance(size, bool) or not isinstance(size, int | float) or not size > 0:
            raise ConfigError(f"AIM option 'max_size_mb' must be a positive number; got {size!r}.")


class Aim:
    """The DP marginal model (see the module)."""

    name: ClassVar[str] = "aim"
    capabilities: ClassVar[Capabilities] = Capabilities(conditional=True, dp=True, dp_only=True)

    def __init__(self, *, rounds_per_column: int = ROUNDS_PER_COLUMN, max_size_mb: float = MAX_SIZE_MB) -> None:
        self.config = AimConfig(rounds_per_column, max_size_mb)
        self.columns_: tuple[EncodedColumn, ...] | None = None
        self.model_: MarginalModel | None = None

    def get_params(self) -> dict[str, Any]:
        return asdict(self.config)

    @classmethod
    def search_space(cls) -> SearchSpace:
        return {"rounds_per_column": (4, 8, 16, 32), "max_size_mb": (20.0, 80.0)}

    def fit(
        self,
        data: EncodedTable,
        *,
        seed: int,
        progress: Progress | None = None,
        context: Sequence[str] = (),
        budget: Budget | None = None,
    ) -> Self:
        """Select, measure and fit marginals, spending exactly ``budget`` (``seed`` plays no
        part: the noise comes from the budget's secure generator).

        Raises
        ------
        ConfigError
            Without a budget, with continuous columns, or with context columns.
        PrivacyBudgetError
            When the budget is too small to measure anything from the (DP) number of rows.
        """
        if budget is None:
            raise ConfigError("Model 'aim' is differentially private: fit it with a privacy budget (epsilon=...).")
        continuous = [c.name for c in data.columns if c.kind != "discrete"]
        if continuous:
            raise ConfigError(f"Model 'aim' learns discrete columns only; {continuous} are continuous.")
        if context:
            raise ConfigError("Model 'aim' cannot learn columns given as a context.")
        floor = math.sqrt(len(data.columns) / (2 * budget.rho))  # noise of the one-way marginals, all budget on them
        if budget.rows is not None and data.columns and floor > budget.rows:
            raise PrivacyBudgetError(
                f"The budget left for the model (ρ = {budget.rho:.3g}) is too small to measure anything from about "
                f"{budget.rows:,} rows: even spent on each column's counts alone, its noise (σ ≈ {floor:,.0f}) would "
                "exceed them; raise epsilon, or fit on more rows."
            )
        self.columns_ = data.columns
        if not data.columns:  # nothing to learn, nothing spent
            self.model_ = MarginalModel([], {}, {})
            return self
        codes = {c.name: data.column(c.name) for c in data.columns}
        sizes = {c.name: c.cardinality for c in data.columns}
        self.model_ = fit_aim(
            codes,
            sizes,
            budget.ledger,
            budget.rho,
            budget.rng,
            max_size_mb=self.config.max_size_mb,
            rounds_per_column=self.config.rounds_per_column,
            progress=progress,
        )
        return self

    def sample(
        self,
        n: int,
        *,
        seed: int,
        conditions: Conditions | None = None,
        context: dict[str, np.ndarray] | None = None,
    ) -> EncodedTable:
        """Draw ``n`` rows; ``conditions`` maps encoded columns to allowed code sets."""
        fitted = self.model_ is not None
        check_sample_request(self.name, fitted, n, conditions, conditional=True, context=context, contextual=False)
        assert self.columns_ is not None and self.model_ is not None
        names = [c.name for c in self.columns_]
        unknown = sorted(set(conditions or {}) - set(names))
        if unknown:
            raise ConfigError(f"Conditions name unknown encoded column(s) {unknown}.")
        allowed = {
            k: {int(c) for c in np.atleast_1d(list(v) if isinstance(v, set) else v)}
            for k, v in (conditions or {}).items()
        }
        drawn = self.model_.sample(int(n), np.random.default_rng(seed), allowed) if names else {}
        return EncodedTable(self.columns_, drawn, n_rows=int(n))

    def to_state(self) -> ModelState:
        assert self.columns_ is not None and self.model_ is not None, "fit before saving"
        config, arrays = self.model_.to_state()
        return {
            "config": asdict(self.config),
            "columns": [c.to_dict() for c in self.columns_],
            "graph": config,
        }, arrays

    @classmethod
    def from_state(cls, state: ModelState) -> Self:
        config, arrays = state
        model = cls(**config["config"])
        model.columns_ = tuple(EncodedColumn.from_dict(c) for c in config["columns"])
        model.model_ = MarginalModel.from_state(config["graph"], arrays)
        return model
