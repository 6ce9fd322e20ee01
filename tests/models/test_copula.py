"""The Gaussian copula keeps marginals and linear dependence on real data."""

from __future__ import annotations

import numpy as np
import pytest

from datatwin.errors import ConfigError
from datatwin.models import create
from datatwin.schema import coerce_table, infer_schema
from datatwin.transforms import TableEncoder


@pytest.fixture(scope="module")
def encoded_adult(adult):
    schema = infer_schema(adult)
    table = coerce_table(adult, schema)
    return TableEncoder(schema).fit(table, seed=0).encode(table, seed=0)


def test_marginals_and_correlation_kept(encoded_adult):
    model = create("copula").fit(encoded_adult, seed=0)
    out = model.sample(20_000, seed=1)
    real_age, fake_age = encoded_adult.column("age::value"), out.column("age::value")
    assert abs(np.median(real_age) - np.median(fake_age)) <= 1
    assert set(np.unique(fake_age)) <= set(np.unique(real_age))  # few values: exact steps
    real_r = np.corrcoef(encoded_adult.column("age::value"), encoded_adult.column("hours-per-week::value"))[0, 1]
    fake_r = np.corrcoef(fake_age, out.column("hours-per-week::value"))[0, 1]
    assert abs(real_r - fake_r) < 0.05
    real_income = np.bincount(encoded_adult.column("income::code"), minlength=4) / encoded_adult.n_rows
    fake_income = np.bincount(out.column("income::code"), minlength=4) / out.n_rows
    np.testing.assert_allclose(fake_income, real_income, atol=0.02)


def test_correlation_matrix_is_a_valid_correlation(encoded_adult):
    corr = create("copula").fit(encoded_adult, seed=0).correlation_
    np.testing.assert_allclose(np.diag(corr), 1.0)
    assert np.linalg.eigvalsh(corr).min() > 0


@pytest.mark.parametrize("options", [{"max_knots": 1}, {"step_threshold": "many"}])
def test_invalid_options(options):
    with pytest.raises(ConfigError, match=next(iter(options))):
        create("copula", options)


def test_conditions_refused_with_clear_error(encoded_adult):
    model = create("copula").fit(encoded_adult, seed=0)
    with pytest.raises(ConfigError, match="cannot sample conditionally"):
        model.sample(5, seed=0, conditions={"income::code": 1})
