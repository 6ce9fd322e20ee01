"""A graphical model of a table's columns chosen, measured and fitted under differential privacy:
the select–measure–generate loop of AIM (McKenna, Mullins, Sheldon & Miklau, VLDB 2022),
with the ``mbi`` package (Private-PGM) as its inference engine.

1. Every column's one-way marginal is measured (discrete Gaussian noise), and a graphical
   model fitted to the measurements.
2. Round after round, one marginal is *selected* among the candidates (every subset of the
   workload's column sets whose addition keeps the model under its size cap, which grows
   with the budget spent) by the exponential mechanism, scoring each by how far the current
   model is from the data on it, less the noise its measurement would add; it is *measured*
   with Gaussian noise, and the model refitted with it.
3. When a measurement barely changes the model, the next rounds get less noise and a sharper
   selection (each costs more); the last round spends exactly what is left.

The fitted model is kept as one conditional table per column, in an order where each column's
parents come before it (:class:`MarginalModel`): drawing rows needs numpy only, from any seed.
The loop scores candidates on these tables too (a candidate's marginal is an ``einsum`` over
the tables of its columns and their ancestors), not with the inference engine's own
projections, which compile a new program for each shape and took nine tenths of the fit.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from datatwin.dp.accountant import PrivacyLedger, exponential_rho, gaussian_rho
from datatwin.dp.mechanisms import exponential_choice, noisy_counts
from datatwin.dp.model_size import model_sizes_mb
from datatwin.errors import ConfigError
from datatwin.progress import Progress, advance

ROUNDS_PER_COLUMN = 16
"""AIM's planned rounds per column (the budget of a round is set from the plan)."""
MEASURE_SHARE = 0.9
"""Share of each round's budget spent on measuring; the rest on selecting."""
MAX_SIZE_MB = 80.0
"""Cap on the model's size (its junction tree's cells, as float64)."""
ITERS_FIRST, ITERS_ROUND, ITERS_FINAL = 500, 100, 1000
"""Mirror-descent iterations: the first fit, each warm-started refit, and the last fit to every
measurement (the less noise, the more iterations a model needs to match its measurements)."""

CONDITIONAL_POOL = 8
"""Rows drawn per row wanted when a condition must be met by resampling."""

MARGINAL_SAMPLE = 200_000
"""Rows drawn to estimate a marginal whose columns have more ancestors than einsum has letters."""
_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"

Clique = tuple[str, ...]


def require_mbi() -> Any:
    """The ``mbi`` package (Private-PGM), or one line saying how to install it."""
    try:
        import mbi
    except ImportError:
        raise ConfigError(
            'Differentially private marginal models need the "dp" extra: pip install "datatwin[dp]".'
        ) from None
    return mbi


@dataclass
class MarginalModel:
    """Columns drawn one after another, each from its table given its parents' codes."""

    order: list[str]
    parents: dict[str, Clique]
    tables: dict[str, np.ndarray]
    """Per column, ``P(column | parents)``: an array of shape ``(*parent sizes, size)``."""

    def sample(
        self, n: int, rng: np.random.Generator, allowed: dict[str, set[int]] | None = None
    ) -> dict[str, np.ndarray]:
        """``n`` rows of codes; with ``allowed``, only the codes it lists for its columns.

        Each column is drawn given its parents; a column with allowed codes is drawn among them
        and its row weighted by their probability (likelihood weighting), and the rows are
        resampled by weight from a pool :data:`CONDITIONAL_POOL` times larger, so a condition on
        a column drawn late also shifts the columns drawn before it.

        Raises
        ------
        ConfigError
            When the model gives the allowed codes no probability.
        """
        allowed = allowed or {}
        pool = n * CONDITIONAL_POOL if any(self.parents[c] for c in allowed) else n
        drawn: dict[str, np.ndarray] = {}
        weights = np.ones(pool)
        for column in self.order:
            table = self.tables[column]
            size = table.shape[-1]
            rows = table.reshape(-1, size)
            if self.parents[column]:
                at = np.ravel_multi_index(tuple(drawn[p] for p in self.parents[column]), table.shape[:-1])
            else:
                at = np.zeros(pool, dtype=np.int64)
            probabilities = rows[at]
            if column in allowed:
                mask = np.zeros(size, dtype=bool)
                mask[[c for c in allowed[column] if 0 <= c < size]] = True
                probabilities = probabilities * mask
                mass = probabilities.sum(axis=1)
                weights = weights * mass
                if not weights.any():
                    raise ConfigError(f"The twin gives no probability to the codes asked of {column!r}.")
                probabilities = probabilities / np.where(mass > 0, mass, 1.0)[:, None]
                probabilities[mass == 0] = mask / mask.sum()
            cumulative = np.cumsum(probabilities, axis=1)
            cumulative[:, -1] = 1.0
            drawn[column] = (rng.random(pool)[:, None] > cumulative).sum(axis=1).astype(np.int64)
        if pool == n:
            return drawn
        chosen = rng.choice(pool, size=n, p=weights / weights.sum())
        return {column: codes[chosen] for column, codes in drawn.items()}

    def marginal(self, clique: Clique) -> np.ndarray:
        """The model's probabilities of every combination of ``clique``'s codes, flattened
        (first column slowest): the product of the tables of the clique's columns and their
        ancestors, summed over the ancestors (the other columns sum to one)."""
        needed: dict[str, None] = {}
        stack = list(clique)
        while stack:
            column = stack.pop()
            if column not in needed:
                needed[column] = None
                stack.extend(self.parents[column])
        if len(needed) > len(_LETTERS):  # more columns than einsum has letters: count a sample
            return self._sampled_marginal(clique)
        letter = dict(zip(needed, _LETTERS, strict=False))
        operands: list[Any] = []
        for column in needed:
            operands += [self.tables[column], [letter[c] for c in (*self.parents[column], column)]]
        subscripts = ",".join("".join(s) for s in operands[1::2]) + "->" + "".join(letter[c] for c in clique)
        return np.einsum(subscripts, *operands[0::2], optimize="greedy").ravel()

    def _sampled_marginal(self, clique: Clique) -> np.ndarray:
        """:meth:`marginal` for many ancestors: :data:`MARGINAL_SAMPLE` drawn rows, counted."""
        drawn = self.sample(MARGINAL_SAMPLE, np.random.default_rng(0))
        shape = tuple(self.tables[c].shape[-1] for c in clique)
        at = np.ravel_multi_index(tuple(drawn[c] for c in clique), shape)
        return np.bincount(at, minlength=int(np.prod(shape))) / MARGINAL_SAMPLE

    def to_state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        config = {"order": self.order, "parents": {c: list(p) for c, p in self.parents.items()}}
        return config, {f"table/{c}": t for c, t in self.tables.items()}

    @classmethod
    def from_state(cls, config: dict[str, Any], arrays: dict[str, np.ndarray]) -> MarginalModel:
        parents = {c: tuple(p) for c, p in config["parents"].items()}
        return cls(list(config["order"]), parents, {c: arrays[f"table/{c}"] for c in config["order"]})


def all_triples(columns: list[str]) -> list[Clique]:
    """The default workload: every set of three columns (two, or one, for narrower tables)."""
    width = min(3, len(columns))
    return list(itertools.combinations(columns, width))


def fit_aim(
    codes: dict[str, np.ndarray],
    sizes: dict[str, int],
    ledger: PrivacyLedger,
    rho: float,
    rng: np.random.Generator,
    *,
    workload: list[Clique] | None = None,
    max_size_mb: float = MAX_SIZE_MB,
    rounds_per_column: int = ROUNDS_PER_COLUMN,
    progress: Progress | None = None,
) -> MarginalModel:
    """Select, measure and fit a graphical model of ``codes`` (each column's codes below its
    size), spending exactly ``rho`` from the ledger (see the module)."""
    mbi = require_mbi()
    columns = list(codes)
    column_sizes = [sizes[c] for c in columns]
    domain = mbi.Domain(columns, column_sizes)
    counts = _Counts(codes, sizes)
    workload = workload or all_triples(columns)
    candidates = _downward_closure(workload)
    weights = {r: float(sum(len(set(r) & set(w)) for w in workload)) for r in candidates}
    rounds = rounds_per_column * len(columns)
    sigma = math.sqrt(rounds / (2 * MEASURE_SHARE * rho))
    epsilon = math.sqrt(8 * (1 - MEASURE_SHARE) * rho / rounds)
    start = ledger.spent
    measurements = [_measure(mbi, counts, (c,), sigma, ledger, rng) for c in columns]
    model = mbi.estimation.mirror_descent(domain, measurements, iters=ITERS_FIRST)
    network = _conditionals(mbi, model, domain, [m.clique for m in measurements])
    while (left := rho - (ledger.spent - start)) > rho * 1e-9:
        advance(progress, "measuring marginals", round(1000 * (1 - left / rho)), 1000)
        if left < 2 * (gaussian_rho(1.0, sigma) + exponential_rho(epsilon)):  # the last round: all that is left
            sigma = math.sqrt(1 / (2 * MEASURE_SHARE * left))
            epsilon = math.sqrt(8 * (1 - MEASURE_SHARE) * left)
        cap = max_size_mb * (rho - left + gaussian_rho(1.0, sigma)) / rho
        cliques = [m.clique for m in measurements]
        fitting = [
            r
            for r, size in zip(candidates, model_sizes_mb(columns, column_sizes, cliques, candidates), strict=True)
            if size <= cap
        ]
        if not fitting:
            break
        expected = math.sqrt(2 / math.pi) * sigma  # the L1 error noise adds per cell
        total = float(model.total)
        scores = np.array(
            [weights[r] * (_distance(counts, network, total, r) - expected * counts.cells(r)) for r in fitting]
        )
        sensitivity = max(weights[r] for r in fitting)  # one row moves a marginal's L1 distance by at most 1
        pick = exponential_choice(
            scores / sensitivity,
            ledger,
            exponential_rho(epsilon),
            "marginal selection: which marginal to measure next",
            rng,
        )
        chosen = fitting[pick]
        before = total * network.marginal(chosen)
        measurements.append(_measure(mbi, counts, chosen, sigma, ledger, rng))
        model = mbi.estimation.mirror_descent(domain, measurements, iters=ITERS_ROUND, potentials=model.potentials)
        network = _conditionals(mbi, model, domain, [m.clique for m in measurements])
        change = float(np.abs(float(model.total) * network.marginal(chosen) - before).sum())
        if change <= math.sqrt(2 / math.pi) * sigma * counts.cells(chosen):  # anneal: less noise, sharper choice
            sigma, epsilon = sigma / 2, epsilon * 2
    model = mbi.estimation.mirror_descent(domain, measurements, iters=ITERS_FINAL, potentials=model.potentials)
    advance(progress, "measuring marginals", 1000, 1000)
    return _conditionals(mbi, model, domain, [m.clique for m in measurements])


class _Counts:
    """The data's marginals, each counted once."""

    def __init__(self, codes: dict[str, np.ndarray], sizes: dict[str, int]) -> None:
        self.codes, self.sizes = codes, sizes
        self.cache: dict[Clique, np.ndarray] = {}

    def cells(self, clique: Clique) -> int:
        return int(np.prod([self.sizes[c] for c in clique]))

    def marginal(self, clique: Clique) -> np.ndarray:
        """Counts of every combination of the clique's codes, flattened (first column slowest)."""
        if clique not in self.cache:
            shape = tuple(self.sizes[c] for c in clique)
            at = np.ravel_multi_index(tuple(self.codes[c] for c in clique), shape)
            self.cache[clique] = np.bincount(at, minlength=int(np.prod(shape)))
        return self.cache[clique]


def _downward_closure(workload: list[Clique]) -> list[Clique]:
    """Every non-empty subset of the workload's column sets (in the sets' column order)."""
    seen: dict[Clique, None] = {}
    for clique in workload:
        for width in range(1, len(clique) + 1):
            for subset in itertools.combinations(clique, width):
                seen.setdefault(subset, None)
    return list(seen)


def _measure(
    mbi: Any, counts: _Counts, clique: Clique, sigma: float, ledger: PrivacyLedger, rng: np.random.Generator
) -> Any:
    noisy = noisy_counts(
        counts.marginal(clique), ledger, gaussian_rho(1.0, sigma), f"marginals: counts of {clique}", rng
    )
    return mbi.LinearMeasurement(noisy.astype(np.float64), clique, stddev=sigma)


def _distance(counts: _Counts, network: MarginalModel, total: float, clique: Clique) -> float:
    """L1 distance between the data's and the model's marginal on ``clique``."""
    return float(np.abs(counts.marginal(clique) - total * network.marginal(clique)).sum())


def _conditionals(mbi: Any, model: Any, domain: Any, cliques: list[Clique]) -> MarginalModel:
    """The fitted model as conditional tables along its junction tree's elimination order."""
    _, elimination = mbi.junction_tree.make_junction_tree(domain, cliques)
    order = list(elimination[::-1])
    parents: dict[str, Clique] = {}
    tables: dict[str, np.ndarray] = {}
    for position, column in enumerate(order):
        linked = set().union(*(set(c) for c in cliques if column in c)) & set(order[:position])
        parents[column] = tuple(c for c in order[:position] if c in linked)
        joint = np.maximum(np.asarray(model.project((*parents[column], column)).datavector(flatten=False)), 0.0)
        totals = joint.sum(axis=-1, keepdims=True)
        uniform = np.full_like(joint, 1.0 / joint.shape[-1])
        tables[column] = np.where(totals > 0, joint / np.where(totals > 0, totals, 1.0), uniform)
    return MarginalModel(order, parents, tables)
