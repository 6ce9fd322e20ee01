"""``auto`` on small tables: the candidates measured against rows they were not fitted on."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import datatwin
from datatwin.pipeline.choose import (
    MEASURE_BELOW_ROWS,
    best_candidate,
    holdout_rows,
    should_measure,
    two_sample_auc,
)
from datatwin.schema import coerce_table, infer_schema


def correlated_accounts(n: int, seed: int = 0) -> pd.DataFrame:
    """A small table of related numbers and a label (a copula's home ground)."""
    rng = np.random.default_rng(seed)
    income = rng.lognormal(10.5, 0.4, n).round(-1)
    spend = (income * rng.uniform(0.2, 0.5, n)).round(2)
    segment = np.where(income > np.median(income), "premium", "standard")
    return pd.DataFrame({"income": income, "spend": spend, "age": rng.integers(18, 80, n), "segment": segment})


def test_only_small_tables_with_enough_rows_to_hold_out_are_measured():
    assert not should_measure(99)  # 24 held-out rows score nothing reliably
    assert should_measure(100)
    assert should_measure(MEASURE_BELOW_ROWS - 1)
    assert not should_measure(MEASURE_BELOW_ROWS)


def test_the_copula_replaces_the_network_only_when_measurably_better():
    assert best_candidate({"argn": 0.68, "copula": 0.58}, held_out=175) == "copula"  # German credit's gap
    assert best_candidate({"argn": 0.61, "copula": 0.58}, held_out=5000) == "copula"
    assert best_candidate({"argn": 0.61, "copula": 0.58}, held_out=100) == "argn"  # within chance
    assert best_candidate({"argn": 0.58, "copula": 0.61}, held_out=100) == "argn"
    assert best_candidate({"argn": 0.6, "copula": 0.6}, held_out=100) == "argn"


def test_the_classifier_tells_shifted_rows_and_not_rows_of_the_same_table():
    frame = correlated_accounts(600)
    schema = infer_schema(frame)
    table = coerce_table(frame, schema)
    same = two_sample_auc(table.iloc[:300], table.iloc[300:], schema, seed=0)
    shifted = table.iloc[300:].assign(spend=lambda t: t["spend"] * 2)
    assert same < 0.6
    assert two_sample_auc(table.iloc[:300], shifted, schema, seed=0) > 0.8


def test_auto_measures_a_small_table_keeps_the_better_candidate_and_records_why(tmp_path):
    frame = correlated_accounts(400)
    twin = datatwin.fit(frame, seed=3)
    scores = twin.lineage.model_scores
    assert set(scores) == {"argn", "copula"}
    assert all(0.3 < s <= 1 for s in scores.values())
    assert twin.lineage.model == best_candidate(scores, holdout_rows(len(frame)))
    twin.save(tmp_path / "small.twin")
    loaded = datatwin.load(tmp_path / "small.twin")
    assert loaded.lineage.model_scores == scores
    pd.testing.assert_frame_equal(loaded.sample(50, seed=1), datatwin.fit(frame, seed=3).sample(50, seed=1))


@pytest.mark.parametrize("how", [{"model": "argn"}, {"max_time": 30}])
def test_a_named_model_or_a_time_budget_is_not_measured(how):
    twin = datatwin.fit(correlated_accounts(300), seed=0, **how)
    assert twin.lineage.model_scores is None
    assert twin.lineage.model == "argn"
