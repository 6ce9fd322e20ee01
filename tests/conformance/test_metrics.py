"""Every metric is declared once in the registry, and every result carries what decided it."""

from __future__ import annotations

import pytest

import datatwin
from datatwin.evaluate import Report
from datatwin.evaluate.registry import METRICS, SECTIONS
from datatwin.evaluate.result import DEFAULT_THRESHOLDS
from datatwin.evaluate.sequences import SEQUENCE_KEYS

SCENARIO_ONLY = {m for m, spec in METRICS.items() if spec.section == "scenario"}
FRESHNESS_ONLY = {m for m, spec in METRICS.items() if spec.section == "freshness"}  # with a drift check
DATABASE_ONLY = {
    "copied_identifiers",
    "referential_integrity",
    "dangling_share",
    "database_rules",
    "children_per_parent",
    "parent_child_trends",
}


@pytest.fixture
def report(people) -> Report:
    real, holdout = people.iloc[:300].reset_index(drop=True), people.iloc[300:].reset_index(drop=True)
    synthetic = datatwin.fit(real, model="copula", seed=0).sample(300, seed=1)
    return datatwin.evaluate(real, synthetic, holdout, target="member", sensitive=["city"], schema=None)


def test_the_registry_is_the_one_table():
    assert set(DEFAULT_THRESHOLDS) == set(METRICS)
    for key, spec in METRICS.items():
        assert spec.key == key and spec.section in SECTIONS and spec.direction in ("higher", "lower")
        threshold = DEFAULT_THRESHOLDS[key]
        assert (threshold.passing, threshold.warning, threshold.relative) == (spec.passing, spec.warning, spec.relative)
        assert spec.relative or spec.ideal is not None, f"{key}: an absolute metric needs a fixed ideal"


def test_every_table_metric_is_what_the_registry_says(report):
    produced = {m.key for m in report.metrics}
    expected = set(METRICS) - DATABASE_ONLY - SCENARIO_ONLY - FRESHNESS_ONLY - set(SEQUENCE_KEYS) - {"constraints"}
    assert produced == expected | ({"constraints"} & produced)
    _conform(report)


def test_every_freshness_metric_is_what_the_registry_says(people):
    real, new = people.iloc[:300].reset_index(drop=True), people.iloc[300:].reset_index(drop=True)
    twin = datatwin.fit(real, model="copula", seed=0)
    report = datatwin.evaluate(new, twin.sample(300, seed=1), drift=datatwin.drift(twin, new))
    assert {m.key for m in report.metrics if m.section == "freshness"} <= FRESHNESS_ONLY
    assert {"drift_columns", "drift_relations"} <= {m.key for m in report.metrics}
    _conform(report)


def test_every_sequence_metric_is_what_the_registry_says():
    from tests.sequential.logs import readings

    real, synthetic = readings(stations=3, hours=24 * 15, seed=0), readings(stations=3, hours=24 * 15, seed=1)
    report = datatwin.evaluate(real, synthetic, entity="station", order="time")
    assert set(SEQUENCE_KEYS) <= {m.key for m in report.metrics}
    _conform(report)


def test_every_scenario_metric_is_what_the_registry_says(tmp_path):
    pytest.importorskip("simpy")
    from datatwin.evaluate.scenario import evaluate_scenario

    scenario = {
        "world": "network",
        "days": 2,
        "population": {"size": 120},
        "settings": {"servers": 10, "outside_hosts": 200},
        "typologies": [{"type": "password_spraying", "prevalence": 0.05, "params": {"targets": 10}}],
    }
    datatwin.simulate(scenario, tmp_path / "world")
    report = evaluate_scenario(tmp_path / "world")
    assert {m.key for m in report.metrics} == SCENARIO_ONLY
    assert report.sections == ["scenario"]
    _conform(report)


def _conform(report: Report) -> None:
    for metric in report.metrics:
        spec = METRICS[metric.key]
        assert (metric.section, metric.title, metric.direction) == (spec.section, spec.title, spec.direction)
        assert metric.limits is not None and metric.limits.direction == spec.direction
        assert metric.subject is None or metric.subject not in metric.title


def test_results_round_trip_through_json_with_their_limits(report):
    again = Report.from_json(report.to_json())
    assert [m.to_dict() for m in again.metrics] == [m.to_dict() for m in report.metrics]
    row = report.to_dict()["metrics"][0]
    assert set(row["limits"]) == {"pass", "warn", "relative_to_ideal"}
    assert report.context["attacker_synthetic_rows"] == 300


def test_values_that_are_rounding_noise_are_zero():
    from datatwin.evaluate.result import DEFAULT_THRESHOLDS as limits
    from datatwin.evaluate.result import measured

    assert measured("nndr", -1.665e-16, 0.0, "", limits).value == 0.0
