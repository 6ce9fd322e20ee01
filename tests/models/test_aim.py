"""The DP marginal model behind the model protocol: what it refuses and why."""

from __future__ import annotations

import numpy as np
import pytest

from datatwin.dp import Budget, PrivacyLedger
from datatwin.encoded import EncodedColumn, EncodedTable
from datatwin.errors import ConfigError, PrivacyBudgetError
from datatwin.models import create

pytest.importorskip("mbi")


def codes(n: int = 400) -> EncodedTable:
    rng = np.random.default_rng(0)
    a = rng.integers(0, 3, n)
    columns = (EncodedColumn("a::code", "discrete", 3), EncodedColumn("b::code", "discrete", 4))
    return EncodedTable(columns, {"a::code": a, "b::code": (a + rng.integers(0, 2, n)) % 4}, n_rows=n)


def test_a_budget_too_small_for_the_rows_is_refused_with_what_to_change():
    ledger = PrivacyLedger(1.0, 1e-6)
    budget = Budget(ledger, 1e-7, np.random.default_rng(0), rows=400)
    with pytest.raises(PrivacyBudgetError, match=r"too small to measure anything from about 400 rows"):
        create("aim").fit(codes(), seed=0, budget=budget)
    assert ledger.spent == 0  # refused before anything was spent


def test_what_it_cannot_learn_gets_one_line():
    ledger = PrivacyLedger(1.0, 1e-6)
    budget = Budget(ledger, ledger.budget, np.random.default_rng(0), rows=400)
    continuous = EncodedTable((EncodedColumn("x::value", "continuous"),), {"x::value": np.zeros(5)}, n_rows=5)
    with pytest.raises(ConfigError, match=r"learns discrete columns only; \['x::value'\] are continuous"):
        create("aim").fit(continuous, seed=0, budget=budget)
    with pytest.raises(ConfigError, match="cannot learn columns given as a context"):
        create("aim").fit(codes(), seed=0, budget=budget, context=["a::code"])
    with pytest.raises(ConfigError, match="'rounds_per_column' must be a whole number"):
        create("aim", {"rounds_per_column": 0})
