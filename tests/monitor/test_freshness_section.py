"""The trust report's freshness section: whether the real rows evaluated against have drifted from the twin."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

import datatwin
from datatwin.cli import app
from tests.monitor.conftest import adult_halves


@pytest.fixture(scope="module")
def halves():
    return adult_halves(8000, seed=1)


@pytest.fixture(scope="module")
def twin(halves):
    return datatwin.fit(halves[0], model="copula", seed=0)


def test_fresh_rows_pass_and_moved_rows_fail_with_the_column_named(twin, halves):
    rows = twin.sample(2000, seed=1)
    fresh = datatwin.evaluate(halves[1], rows, drift=datatwin.drift(twin, halves[1]))
    assert "freshness" in fresh.sections and fresh.section_status("freshness").value == "pass"
    moved = halves[1].assign(age=halves[1]["age"] + 6)
    stale = datatwin.evaluate(moved, rows, drift=datatwin.drift(twin, moved))
    columns = stale.metric("drift_columns")
    assert columns.status.value == "fail" and "age" in columns.summary
    assert stale.score == datatwin.evaluate(moved, rows).score  # freshness is not quality


def test_evaluate_with_the_twin_adds_the_section_to_html_and_json(twin, halves, tmp_path):
    path, real, synthetic = tmp_path / "a.twin", tmp_path / "real.csv", tmp_path / "rows.csv"
    twin.save(path)
    halves[1].assign(age=halves[1]["age"] + 6).to_csv(real, index=False)
    twin.sample(2000, seed=1).to_csv(synthetic, index=False)
    html, json_path = tmp_path / "r.html", tmp_path / "r.json"
    command = ["evaluate", "--real", str(real), "--synthetic", str(synthetic), "--twin", str(path)]
    result = CliRunner().invoke(app, [*command, "-o", str(html), "--json", str(json_path)])
    assert result.exit_code == 0, result.output
    keys = {m["key"]: m for m in json.loads(json_path.read_text())["metrics"] if m["section"] == "freshness"}
    assert set(keys) == {"drift_columns", "drift_relations", "drift_rows"} and keys["drift_columns"]["status"] == "fail"
    assert "freshness" in html.read_text().lower() and "Columns drifted from the twin" in html.read_text()
