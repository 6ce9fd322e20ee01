"""Refreshing a twin on moved data, and the data card of a twin and of a sample."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

import datatwin
from datatwin.cli import app
from datatwin.errors import ConfigError
from tests.monitor.conftest import adult_halves


@pytest.fixture(scope="module")
def halves():
    return adult_halves(8000, seed=0)


@pytest.fixture(scope="module")
def old_twin(halves, tmp_path_factory):
    twin = datatwin.fit(halves[0], model="copula", seed=4)
    path = tmp_path_factory.mktemp("refresh") / "old.twin"
    twin.save(path)
    return twin, path


def test_a_refresh_keeps_the_schema_widens_it_and_links_the_old_twin(old_twin, halves):
    twin, path = old_twin
    moved = halves[1].copy()
    moved["hours-per-week"] = (moved["hours-per-week"] + 6).clip(upper=120)
    moved.loc[moved.sample(300, random_state=1).index, "workclass"] = "Platform-work"
    moved["loyalty"] = np.arange(len(moved)) % 7  # a column the old twin never saw
    moved = moved.drop(columns=["fnlwgt"])
    refreshed, changes = datatwin.refresh(path, moved)
    assert changes.new_labels["workclass"] == ["Platform-work"]
    assert changes.widened_bounds["hours-per-week"]["now"][1] > 99
    assert changes.new_columns == ["loyalty"] and changes.gone_columns == ["fnlwgt"]
    assert refreshed.lineage.model == "copula" and refreshed.lineage.seed == 4
    parent = refreshed.lineage.refreshed_from
    assert parent["created_at"] == twin.lineage.created_at and len(parent["twin_sha256"]) == 64
    assert refreshed.lineage.schema_changes["new_columns"] == ["loyalty"]
    assert refreshed.schema["age"] == twin.schema["age"]  # unchanged columns keep their spec
    rows = refreshed.sample(4000, seed=1)
    assert (rows["workclass"] == "Platform-work").any() and rows["hours-per-week"].max() > 99
    assert datatwin.drift(refreshed, moved).verdict == "fresh"


def test_a_dp_twin_is_not_refreshed(halves):
    pytest.importorskip("mbi")
    private = datatwin.fit(halves[0][["age", "sex", "income"]], epsilon=4.0, seed=0)
    with pytest.raises(ConfigError, match="spends a new privacy budget"):
        datatwin.refresh(private, halves[1][["age", "sex", "income"]])


def test_the_refresh_command_reports_the_schema_changes(old_twin, halves, tmp_path):
    moved = halves[1].copy()
    moved.loc[moved.sample(300, random_state=1).index, "workclass"] = "Platform-work"
    data = tmp_path / "new.csv"
    moved.to_csv(data, index=False)
    result = CliRunner().invoke(app, ["refresh", str(old_twin[1]), str(data), "-o", str(tmp_path / "new.twin")])
    assert result.exit_code == 0, result.output
    assert "new label(s) ['Platform-work']" in result.output and (tmp_path / "new.twin").exists()


def test_the_card_follows_article_10_and_holds_no_row(old_twin, halves, tmp_path):
    twin, path = old_twin
    card = datatwin.data_card(path, intended_use="testing an ETL job", limits=["not for credit decisions"])
    titles = [s["title"] for s in card["sections"]]
    assert titles[0] == "Motivation and design choices" and "Privacy" in titles and "Evaluation" in titles
    assert all(s["article_10"].startswith("Art. 10") and s["datasheet"] for s in card["sections"])
    sources = next(s for s in card["sections"] if s["title"] == "Sources and collection")["content"]
    assert sources["source_sha256"] == twin.lineage.source_sha256 and sources["rows"] == 8000
    limits = next(s for s in card["sections"] if s["title"] == "Gaps and known limits")["content"]["limits"]
    assert limits[0] == "not for credit decisions"
    text = json.dumps(card)
    assert "Bachelors" not in text and str(halves[0].loc[0, "fnlwgt"]) not in text  # labels counted, no values
    datatwin.save_card(card, tmp_path / "card.html")
    html = (tmp_path / "card.html").read_text()
    assert "Art. 10(2)(b)" in html and "testing an ETL job" in html and "<script" not in html


def test_a_dp_twin_card_shows_its_ledger(halves):
    pytest.importorskip("mbi")
    private = datatwin.fit(halves[0][["age", "sex", "income"]], epsilon=2.0, seed=0)
    card = datatwin.data_card(private)
    shown = next(s for s in card["sections"] if s["title"] == "Privacy")["content"]["differential_privacy"]
    assert shown["epsilon"] == 2.0 and shown["epsilon_spent"] <= 2.0 and shown["unit"] == "row"
    assert {entry["what"] for entry in shown["spent_on"]} >= {"marginals", "row count"}


def test_fit_and_sample_write_cards(halves, tmp_path):
    data = tmp_path / "adult.csv"
    halves[0].head(2000).to_csv(data, index=False)
    runner = CliRunner()
    twin, card = tmp_path / "t.twin", tmp_path / "fit-card.json"
    done = runner.invoke(app, ["fit", str(data), "-o", str(twin), "--model", "copula", "--card", str(card)])
    assert done.exit_code == 0, done.output
    assert json.loads(card.read_text())["format"] == "datatwin.card"
    rows, sample_card = tmp_path / "rows.csv", tmp_path / "sample-card.html"
    done = runner.invoke(app, ["sample", str(twin), "-o", str(rows), "-n", "50", "--card", str(sample_card)])
    assert done.exit_code == 0, done.output
    assert "This sample" in sample_card.read_text() and rows.exists()
    shown = runner.invoke(app, ["card", str(twin), "-o", str(tmp_path / "c.html")])
    assert shown.exit_code == 0, shown.output
