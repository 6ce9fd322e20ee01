"""The DP marginal model (AIM's loop on mbi): it spends exactly its budget, learns the pairs that
matter, and draws the same rows from the same seed, before and after saving."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from datatwin.dp import PrivacyLedger
from datatwin.dp.discretize import Discretizer
from datatwin.dp.marginals import MarginalModel, fit_aim
from datatwin.dp.mechanisms import secure_generator
from datatwin.schema import ColumnKind, ColumnSpec, Schema
from tests.conftest import shared_path

pytest.importorskip("mbi")

SCHEMA = Schema(
    (
        ColumnSpec("sex", ColumnKind.CATEGORICAL, categories=("Male", "Female")),
        ColumnSpec(
            "relationship",
            ColumnKind.CATEGORICAL,
            categories=("Husband", "Not-in-family", "Own-child", "Unmarried", "Wife"),
        ),
        ColumnSpec("education-num", ColumnKind.INTEGER, minimum=1, maximum=16),
        ColumnSpec("hours-per-week", ColumnKind.INTEGER, minimum=1, maximum=99),
        ColumnSpec("income", ColumnKind.CATEGORICAL, categories=("<=50K", ">50K")),
    )
)


@pytest.fixture(scope="module")
def fitted():
    adult = pd.read_csv(shared_path("adult/adult.csv.gz"))[list(SCHEMA.names)]
    discretizer = Discretizer(SCHEMA)
    codes = discretizer.encode(adult)
    ledger = PrivacyLedger(4.0, 1e-9)
    model = fit_aim(codes, discretizer.sizes(), ledger, ledger.budget, secure_generator(), rounds_per_column=6)
    return adult, discretizer, ledger, model


def test_the_model_spends_exactly_its_budget(fitted):
    _, _, ledger, _ = fitted
    assert ledger.spent == pytest.approx(ledger.budget, rel=1e-6)
    assert ledger.epsilon_spent() == pytest.approx(4.0, rel=1e-5)
    kinds = {s.mechanism for s in ledger.spends}
    assert kinds == {"discrete gaussian", "exponential"}
    measured = sum(s.what.startswith("marginals: counts of ('") for s in ledger.spends)
    assert measured >= 5 + 3  # the one-ways, then chosen ones


def test_the_model_learns_the_pairs_that_matter(fitted):
    adult, discretizer, _, model = fitted
    drawn = discretizer.decode(model.sample(len(adult), np.random.default_rng(0)), np.random.default_rng(1))
    for column, value in (("sex", "Male"), ("relationship", "Husband")):
        real = adult.groupby(column)["income"].apply(lambda s: (s == ">50K").mean())
        twin = drawn.groupby(column)["income"].apply(lambda s: (s == ">50K").mean())
        assert abs(twin[value] - real[value]) < 0.05
    husbands = drawn["relationship"] == "Husband"
    assert (drawn.loc[husbands, "sex"] == "Male").mean() > 0.95  # a husband is a man, as in the data


def test_same_seed_same_rows_before_and_after_saving(fitted):
    _, _, _, model = fitted
    config, arrays = model.to_state()
    again = MarginalModel.from_state(config, arrays)
    first = model.sample(500, np.random.default_rng(7))
    assert all(np.array_equal(first[c], again.sample(500, np.random.default_rng(7))[c]) for c in first)


def test_conditions_are_met_and_shift_the_columns_drawn_before_them(fitted):
    adult, discretizer, _, model = fitted
    rich = discretizer.schema["income"].categories.index(">50K")
    codes = model.sample(4000, np.random.default_rng(2), {"income": {rich}})
    drawn = discretizer.decode(codes, np.random.default_rng(3))
    assert set(drawn["income"]) == {">50K"}
    real = (adult.loc[adult["income"] == ">50K", "sex"] == "Male").mean()
    assert abs((drawn["sex"] == "Male").mean() - real) < 0.06  # rich rows are mostly men, as in the data


def test_a_marginal_of_the_tables_is_what_sampling_them_gives(fitted):
    _, discretizer, _, model = fitted
    sizes = discretizer.sizes()
    drawn = model.sample(200_000, np.random.default_rng(5))
    for clique in (("sex", "income"), ("relationship", "education-num", "income")):
        shape = tuple(sizes[c] for c in clique)
        counted = np.bincount(
            np.ravel_multi_index(tuple(drawn[c] for c in clique), shape), minlength=int(np.prod(shape))
        )
        assert np.abs(model.marginal(clique) - counted / 200_000).sum() < 0.03
        assert model.marginal(clique).sum() == pytest.approx(1.0)
