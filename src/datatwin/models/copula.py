"""Gaussian copula: exact empirical marginals joined by one correlation matrix.

Each column is mapped to a standard-normal score through its empirical distribution
(continuous columns by quantile knots, interpolated, or as steps when they take few distinct
values; discrete codes by frequency intervals with a uniform draw inside), the scores'
correlation matrix is learnt, and sampling draws correlated normals and maps them back.
Fast (seconds for 30k rows) and stable, but it captures only pairwise linear dependence of
the scores: the quick baseline, not the high-fidelity model.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any, ClassVar, Self

import numpy as np
from scipy.special import ndtr, ndtri

from datatwin.dp import Budget
from datatwin.encoded import EncodedColumn, EncodedTable
from datatwin.errors import ConfigError
from datatwin.models.base import (
    Capabilities,
    Conditions,
    ModelState,
    SearchSpace,
    check_no_budget,
    check_sample_request,
)
from datatwin.progress import Progress, advance

_EPS = 1e-9


@dataclass(frozen=True)
class CopulaConfig:
    """Options of the Gaussian copula.

    Parameters
    ----------
    max_knots
        Quantile knots kept per continuous column (more = finer marginals).
    step_threshold
        Continuous columns with at most this many distinct values are treated as steps
        (their exact values), the rest are interpolated between knots.
    """

    max_knots: int = 1000
    step_threshold: int = 100

    def __post_init__(self) -> None:
        for name in ("max_knots", "step_threshold"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 2:
                raise ConfigError(f"Copula option {name!r} must be an integer ≥ 2; got {value!r}.")


class GaussianCopula:
    """Gaussian-copula generator (registry name ``"copula"``)."""

    name: ClassVar[str] = "copula"
    capabilities: ClassVar[Capabilities] = Capabilities()

    def __init__(
        self,
        *,
        max_knots: int = CopulaConfig.max_knots,
        step_threshold: int = CopulaConfig.step_threshold,
    ) -> None:
        self.config = CopulaConfig(max_knots=max_knots, step_threshold=step_threshold)
        self.columns_: tuple[EncodedColumn, ...] | None = None
        self.stepped_: list[bool] = []
        self.knots_: list[tuple[np.ndarray, np.ndarray]] = []
        self.correlation_: np.ndarray | None = None

    def get_params(self) -> dict[str, Any]:
        """The options, by name: ``GaussianCopula(**model.get_params())`` is an unfitted copy."""
        return asdict(self.config)

    def fit(
        self,
        data: EncodedTable,
        *,
        seed: int,
        progress: Progress | None = None,
        context: Sequence[str] = (),
        budget: Budget | None = None,
    ) -> Self:
        """Learn each column's marginal and the correlation of their normal scores (a copula
        takes no context or privacy budget, so ``context`` must be empty and ``budget`` None)."""
        check_no_budget(self.name, budget)
        if context:
            raise ConfigError(f"Model {self.name!r} takes no context; fit it without one.")
        rng = np.random.default_rng(seed)
        self.columns_ = data.columns
        self.stepped_, self.knots_ = [], []
        scores = np.empty((data.n_rows, len(data.columns)))
        for j, column in enumerate(data.columns):
            values = data.column(column.name)
            stepped, knots = self._marginal(column, values)
            self.stepped_.append(stepped)
            self.knots_.append(knots)
            scores[:, j] = ndtri(np.clip(_uniform_ranks(values, rng), _EPS, 1 - _EPS))
            advance(progress, "learning marginals", j + 1, len(data.columns))
        self.correlation_ = _nearest_correlation(scores)
        return self

    def _marginal(self, column: EncodedColumn, values: np.ndarray) -> tuple[bool, tuple[np.ndarray, np.ndarray]]:
        """(stepped?, (cumulative probabilities, values)) of one column's distribution."""
        if column.kind == "discrete":
            counts = np.bincount(values, minlength=column.cardinality)
            return True, (
                np.cumsum(counts) / len(values),
                np.arange(column.cardinality, dtype=np.float64),
            )
        distinct, counts = np.unique(values, return_counts=True)
        if len(distinct) <= self.config.step_threshold:
            return True, (np.cumsum(counts) / len(values), distinct.astype(np.float64))
        probs = np.linspace(0.0, 1.0, min(self.config.max_knots, len(values)))
        return False, (probs, np.quantile(values, probs))

    def sample(
        self,
        n: int,
        *,
        seed: int,
        conditions: Conditions | None = None,
        context: dict[str, np.ndarray] | None = None,
    ) -> EncodedTable:
        """Draw ``n`` rows (neither conditions nor a context: see :attr:`capabilities`)."""
        fitted = self.correlation_ is not None
        check_sample_request(self.name, fitted, n, conditions, conditional=False, context=context, contextual=False)
        assert self.columns_ is not None and self.correlation_ is not None
        rng = np.random.default_rng(seed)
        d = len(self.columns_)
        normals = rng.standard_normal((n, d)) @ np.linalg.cholesky(self.correlation_).T if d else np.zeros((n, 0))
        uniforms = ndtr(normals)
        data = {}
        for j, column in enumerate(self.columns_):
            cumulative, values = self.knots_[j]
            if self.stepped_[j]:
                index = np.minimum(np.searchsorted(cumulative, uniforms[:, j], side="right"), len(values) - 1)
                drawn = values[index]
            else:
                drawn = np.interp(uniforms[:, j], cumulative, values)
            data[column.name] = drawn.astype(np.int64) if column.kind == "discrete" else drawn
        return EncodedTable(self.columns_, data, n_rows=n)

    def to_state(self) -> ModelState:
        """Config, columns and learned arrays."""
        check_sample_request(self.name, self.correlation_ is not None, 1, None, conditional=False)
        assert self.columns_ is not None and self.correlation_ is not None
        config = {
            "options": self.get_params(),
            "columns": [c.to_dict() for c in self.columns_],
            "stepped": self.stepped_,
        }
        arrays = {"correlation": self.correlation_}
        for j, (cumulative, values) in enumerate(self.knots_):
            arrays[f"cumulative/{j}"] = cumulative
            arrays[f"values/{j}"] = values
        return config, arrays

    @classmethod
    def from_state(cls, state: ModelState) -> Self:
        """Rebuild a fitted copula."""
        config, arrays = state
        model = cls(**config["options"])
        model.columns_ = tuple(EncodedColumn.from_dict(c) for c in config["columns"])
        model.stepped_ = [bool(s) for s in config["stepped"]]
        model.knots_ = [(arrays[f"cumulative/{j}"], arrays[f"values/{j}"]) for j in range(len(model.columns_))]
        model.correlation_ = arrays["correlation"]
        return model

    @classmethod
    def search_space(cls) -> SearchSpace:
        """Candidate options for tuning."""
        return {"max_knots": (100, 1000, 5000), "step_threshold": (20, 100, 500)}


def _uniform_ranks(values: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Ranks scaled into (0, 1), ties broken at random so tied values spread over their interval."""
    order = np.lexsort((rng.random(len(values)), values))
    ranks = np.empty(len(values))
    ranks[order] = np.arange(len(values))
    return (ranks + 0.5) / len(values)


def _nearest_correlation(scores: np.ndarray) -> np.ndarray:
    """Correlation of the scores, made positive definite (constant columns uncorrelated)."""
    d = scores.shape[1]
    if d == 0:
        return np.zeros((0, 0))
    with np.errstate(invalid="ignore", divide="ignore"):
        corr = np.corrcoef(scores, rowvar=False) if len(scores) > 1 else np.eye(d)
    corr = np.nan_to_num(np.atleast_2d(corr), nan=0.0)
    np.fill_diagonal(corr, 1.0)
    eigenvalues, eigenvectors = np.linalg.eigh(corr)
    corr = (eigenvectors * np.maximum(eigenvalues, 1e-6)) @ eigenvectors.T
    scale = np.sqrt(np.diag(corr))
    return corr / np.outer(scale, scale)
