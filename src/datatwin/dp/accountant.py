"""The privacy ledger of one differentially private fit.

A fit is given ``(ε, δ)``. The ledger turns it once into a budget in zero-concentrated DP
(ρ-zCDP, Bun & Steinke 2016), the currency every data-dependent release is paid in: zCDP
composes by adding ρ, and the Gaussian mechanism's cost is exact in it (sensitivity Δ, noise σ:
ρ = Δ² / 2σ²; the exponential mechanism with parameter ε₀: ρ = ε₀² / 8, Cesar & Rogers 2021).
The total is converted back to ``(ε, δ)`` once, with the conversion of Canonne, Kamath & Steinke
(2020, Proposition 12), which is tighter than ε = ρ + 2√(ρ log 1/δ).

Every release — a column's bounds, a category set, a marginal, a run of gradient steps, the row
count — is written in the ledger with its share before its result is used, and the ledger
refuses any spend that would pass the budget, so what a twin releases never costs more than
the user allowed. Releasing which labels a column has (a stability histogram) also costs a
little δ: a ledger that will release ``label_releases`` label sets keeps half of δ for them and
converts ρ at the other half.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from datatwin.errors import ConfigError, PrivacyBudgetError

TOLERANCE = 1e-9
"""Relative slack on the budget, for floating-point sums of shares."""


def delta_for(rho: float, epsilon: float) -> float:
    """The smallest δ such that ρ-zCDP implies (ε, δ)-DP (Canonne, Kamath & Steinke 2020,
    Proposition 12): δ = inf over α > 1 of exp((α−1)(αρ−ε)) / (α−1) · (1 − 1/α)^α."""
    if rho <= 0:
        return 0.0
    if epsilon <= rho:  # below the optimum's range every order gives a delta near 1
        return 1.0

    def log_delta(alpha: float) -> float:
        return (alpha - 1) * (alpha * rho - epsilon) + alpha * math.log1p(-1 / alpha) - math.log(alpha - 1)

    low, high = 1.0 + 1e-9, max((epsilon + 1) / (2 * rho) + 2, 2.0)
    for _ in range(200):  # log delta is convex in the order alpha: a ternary search finds its minimum
        one, two = low + (high - low) / 3, high - (high - low) / 3
        if log_delta(one) < log_delta(two):
            high = two
        else:
            low = one
    return min(math.exp(log_delta((low + high) / 2)), 1.0)


def rho_for(epsilon: float, delta: float) -> float:
    """The largest ρ whose ρ-zCDP implies (ε, δ)-DP (the inverse of :func:`delta_for`)."""
    low, _ = _bisect(lambda rho: delta_for(rho, epsilon) <= delta, 0.0, epsilon)  # rho >= epsilon: delta = 1
    return low


def epsilon_for(rho: float, delta: float) -> float:
    """The smallest ε such that ρ-zCDP implies (ε, δ)-DP."""
    if rho <= 0:
        return 0.0
    high = rho + 2 * math.sqrt(rho * math.log(1 / delta)) + 1.0
    _, smallest = _bisect(lambda epsilon: delta_for(rho, epsilon) > delta, rho, high)
    return smallest


def _bisect(below: Callable[[float], bool], low: float, high: float) -> tuple[float, float]:
    """Where ``below`` turns from true (at ``low``) to false (at ``high``): the last point found
    true and the first found false, 200 halvings apart."""
    for _ in range(200):
        middle = (low + high) / 2
        if below(middle):
            low = middle
        else:
            high = middle
    return low, high


def gaussian_rho(sensitivity: float, sigma: float) -> float:
    """The zCDP cost of adding N(0, σ²) noise to a value of L2 sensitivity ``sensitivity``."""
    return sensitivity**2 / (2 * sigma**2)


def gaussian_sigma(sensitivity: float, rho: float) -> float:
    """The noise scale σ that costs ``rho`` for a value of L2 sensitivity ``sensitivity``."""
    return sensitivity / math.sqrt(2 * rho)


def exponential_rho(epsilon: float) -> float:
    """The zCDP cost of the exponential mechanism with parameter ε (utility sensitivity 1)."""
    return epsilon**2 / 8


@dataclass(frozen=True)
class Spend:
    """One data-dependent release: what it was, how it was made private, its cost."""

    what: str
    mechanism: str
    rho: float
    details: dict[str, Any] = field(default_factory=dict)
    delta: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        data = {"what": self.what, "mechanism": self.mechanism, "rho": self.rho, "details": dict(self.details)}
        return data | ({"delta": self.delta} if self.delta else {})


def _positive_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value) and value > 0


class PrivacyLedger:
    """The budget of one fit and every release paid from it.

    Parameters
    ----------
    epsilon, delta
        The guarantee the user asked for: (ε, δ)-differential privacy, the unit of privacy
        being named by ``unit``.
    unit
        Whose presence the guarantee hides: ``"row"`` (one row of a table) or ``"entity"``
        (one entity with all its rows).
    label_releases
        How many label sets (:meth:`take_label_delta`) the fit will release.

    Raises
    ------
    ConfigError
        When ε is not a positive number or δ is not in (0, 1).
    """

    def __init__(self, epsilon: float, delta: float, *, unit: str = "row", label_releases: int = 0) -> None:
        if (
            isinstance(epsilon, bool)
            or not isinstance(epsilon, int | float)
            or not math.isfinite(epsilon)
            or epsilon <= 0
        ):
            raise ConfigError(f"epsilon must be a positive number (e.g. 1.0); got {epsilon!r}.")
        if isinstance(delta, bool) or not isinstance(delta, int | float) or not 0 < delta < 1:
            raise ConfigError(f"delta must be a number between 0 and 1 (e.g. 1e-6); got {delta!r}.")
        self.epsilon, self.delta, self.unit = float(epsilon), float(delta), unit
        self.label_releases = label_releases
        self.label_delta = self.delta / 2 if label_releases else 0.0
        self.budget = rho_for(self.epsilon, self.delta - self.label_delta)
        self.spends: list[Spend] = []

    @property
    def spent(self) -> float:
        """ρ spent so far."""
        return math.fsum(s.rho for s in self.spends)

    @property
    def left(self) -> float:
        """ρ still to spend."""
        return max(self.budget - self.spent, 0.0)

    def spend(self, what: str, mechanism: str, rho: float, **details: Any) -> None:
        """Write a release in the ledger before its result is used.

        Raises
        ------
        PrivacyBudgetError
            When it would take the total past the budget (naming the release).
        """
        if not rho > 0:
            raise ValueError(f"A release costs a positive ρ; got {rho!r} for {what}.")
        if self.spent + rho > self.budget * (1 + TOLERANCE):
            raise PrivacyBudgetError(
                f"{what} would cost ρ = {rho:.3g}, but only {self.left:.3g} of the ρ = {self.budget:.3g} "
                f"budget (ε = {self.epsilon:g}, δ = {self.delta:g}) is left."
            )
        self.spends.append(Spend(what, mechanism, float(rho), details))

    def take_label_delta(self, what: str) -> float:
        """The δ one label set may use (an equal share of the δ kept for labels), written in the
        ledger.

        Raises
        ------
        PrivacyBudgetError
            When every planned label set has been released.
        """
        taken = sum(1 for s in self.spends if s.delta > 0)
        if taken >= self.label_releases:
            raise PrivacyBudgetError(f"{what}: the fit planned {self.label_releases} label set(s), all released.")
        share = self.label_delta / self.label_releases
        self.spends.append(Spend(what, "stability threshold", 0.0, {}, share))
        return share

    def summary(self) -> list[tuple[str, int, float]]:
        """The releases grouped by what they are (the part of their description before a
        colon): each group's name, number of releases and share of the ρ spent."""
        groups: dict[str, list[Spend]] = {}
        for spend in self.spends:
            if spend.rho > 0:
                groups.setdefault(spend.what.split(":")[0], []).append(spend)
        total = self.spent or 1.0
        return [(name, len(group), math.fsum(s.rho for s in group) / total) for name, group in groups.items()]

    def guarantee(self) -> dict[str, Any]:
        """The guarantee in plain words, with the spends grouped (what a report shows)."""
        unit = "one row of the table" if self.unit == "row" else "one entity with all its rows"
        return {
            "epsilon": self.epsilon,
            "delta": self.delta,
            "epsilon_spent": self.epsilon_spent(),
            "unit": self.unit,
            "rho_budget": self.budget,
            "rho_spent": self.spent,
            "releases": [{"what": w, "count": c, "share": share} for w, c, share in self.summary()],
            "covers": (
                f"Whether {unit} took part changes the chance of any twin file — and of any rows drawn from it, "
                f"conditions and rebalancing included — by at most a factor e^{self.epsilon_spent():.3g}, except "
                f"with probability {self.delta:g}. Every value the twin learnt from the data (kinds of text columns, "
                "bounds, labels, the row count, the model) was paid for in this ledger."
            ),
            "does_not_cover": (
                "What the user declared (the schema's kinds, bounds and labels are taken as public); a person "
                "appearing in k rows, whose guarantee weakens to about k·ε; and reports like this one, which compare "
                "the twin with the real rows and are not themselves private."
            ),
        }

    def epsilon_spent(self) -> float:
        """The ε the releases so far guarantee at the ledger's δ."""
        return epsilon_for(self.spent, self.delta - self.label_delta) if self.spent > 0 else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "epsilon": self.epsilon,
            "delta": self.delta,
            "unit": self.unit,
            "label_releases": self.label_releases,
            "rho_budget": self.budget,
            "rho_spent": self.spent,
            "epsilon_spent": self.epsilon_spent(),
            "spends": [s.to_dict() for s in self.spends],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PrivacyLedger:
        ledger = cls(data["epsilon"], data["delta"], unit=data["unit"], label_releases=data["label_releases"])
        ledger.spends = [
            Spend(s["what"], s["mechanism"], float(s["rho"]), dict(s["details"]), float(s.get("delta", 0.0)))
            for s in data["spends"]
        ]
        return ledger


@dataclass
class Budget:
    """What one step of a DP fit may spend: its share ``rho`` of ``ledger``, with noise drawn
    from ``rng`` (a secure generator, never the user's seed); ``rows`` is the DP row count
    already bought, for steps that need the table's size (``None``: not bought)."""

    ledger: PrivacyLedger
    rho: float
    rng: np.random.Generator
    rows: int | None = None
