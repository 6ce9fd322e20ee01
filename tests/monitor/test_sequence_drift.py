"""Drift of sequences: an event twin keeps a profile of one event per entity and of its entities."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

import datatwin
from datatwin.cli import app
from datatwin.errors import ConfigError
from datatwin.monitor.profile import MIN_CELL
from tests.sequential.logs import payments, readings

CUSTOMERS = 1500


@pytest.fixture(scope="module")
def twin():
    events = payments(CUSTOMERS, seed=0)
    return datatwin.fit(events, entity="customer_id", order="ts", model="argn", model_options={"max_epochs": 5}, seed=1)


def test_the_profile_holds_events_and_entities_without_small_cells(twin):
    profile = twin.fitted.profile
    assert set(profile) == {"events", "entities"}
    assert profile["events"]["rows"] == profile["entities"]["rows"] == CUSTOMERS  # one event per entity
    assert set(profile["events"]["columns"]) == {"amount", "channel", "__gap__"}  # not the time itself
    assert set(profile["entities"]["columns"]) == {"segment", "__length__"}
    for view in profile.values():
        assert all(c == 0 or c >= MIN_CELL for column in view["columns"].values() for c in column["counts"])


def test_new_customers_from_the_same_world_are_fresh(twin):
    for seed in (3, 4):
        report = datatwin.drift(twin, payments(CUSTOMERS, seed=seed), seed=seed)
        assert report.verdict == "fresh", report.reasons


def test_larger_amounts_and_fewer_events_are_named(twin):
    richer = payments(CUSTOMERS, seed=5)
    richer["amount"] = richer["amount"] * 1.3
    report = datatwin.drift(twin, richer)
    assert report.verdict != "fresh" and "amount" in report.tables["events"].drifted_columns
    quieter = payments(CUSTOMERS, seed=6)
    quieter = quieter[quieter.index % 2 == 0]  # half the payments: shorter histories, longer gaps
    report = datatwin.drift(twin, quieter)
    assert "__length__" in report.tables["entities"].drifted_columns
    assert "__gap__" in report.tables["events"].drifted_columns


def test_saved_twin_keeps_its_profile_and_the_cli_exits_by_verdict(twin, tmp_path):
    path, data = tmp_path / "payments.twin", tmp_path / "new.csv"
    twin.save(path)
    assert datatwin.load(path).fitted.profile == twin.fitted.profile
    moved = payments(CUSTOMERS, seed=7)
    moved["amount"] = moved["amount"] * 1.5
    moved.to_csv(data, index=False)
    result = CliRunner().invoke(app, ["drift", str(path), str(data), "--json", str(tmp_path / "d.json")])
    assert result.exit_code == 4, result.output
    assert "events" in result.output and "column amount" in result.output


def test_events_without_the_order_column_and_series_twins_are_refused(twin):
    with pytest.raises(ConfigError, match=r"no column\(s\) \['ts'\]"):
        datatwin.drift(twin, payments(200, seed=8).drop(columns=["ts"]))
    series = datatwin.fit(readings(), entity="station", order="time", model="argn", model_options={"max_epochs": 1})
    assert series.fitted.profile is None
    with pytest.raises(ConfigError, match="series twin"):
        datatwin.drift(series, readings(seed=2))
