"""`datatwin evaluate` and `datatwin fit --report`: reports written, summaries printed, bad input refused."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from datatwin.cli import app
from datatwin.demo import demo_data_path
from tests.conftest import shared_path

runner = CliRunner()


def invoke(*args: object):
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture(scope="module")
def tables(tmp_path_factory) -> dict[str, Path]:
    adult = pd.read_csv(shared_path("adult/adult.csv.gz"), dtype=str, keep_default_na=False, na_values=[""])
    folder = tmp_path_factory.mktemp("evaluate")
    paths = {}
    for name, rows in (("real", slice(0, 3000)), ("holdout", slice(3000, 4500)), ("synthetic", slice(4500, 7500))):
        paths[name] = folder / f"{name}.csv"
        adult.iloc[rows].to_csv(paths[name], index=False)
    return paths


def test_evaluate_writes_html_and_json(tables, tmp_path):
    html, report_json = tmp_path / "report.html", tmp_path / "report.json"
    result = invoke(
        "evaluate", "--real", tables["real"], "--synthetic", tables["synthetic"], "--holdout", tables["holdout"],
        "--target", "income", "--sensitive", "sex", "--sensitive", "race", "-o", html, "--json", report_json,
        "--threshold", "detection=0.7:0.8",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Quality score" in result.output and "Membership inference" in result.output
    data = json.loads(report_json.read_text())
    assert data["privacy"] == "pass" and data["context"]["sensitive"] == ["sex", "race"]
    assert len([m for m in data["metrics"] if m["key"] == "fairness"]) == 2
    assert html.read_text().startswith("<!DOCTYPE html>")


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--target", "salary"], "'salary'"),
        (["-o", "report.pdf"], "ending in .html"),
        (["--threshold", "detection=high"], "KEY=PASS:WARN"),
        (["--threshold", "speed=1:2"], "No metric 'speed'"),
    ],
)
def test_evaluate_bad_input_gives_one_line_and_writes_nothing(tables, tmp_path, monkeypatch, extra, message):
    monkeypatch.chdir(tmp_path)
    args = ["evaluate", "--real", tables["real"], "--synthetic", tables["synthetic"], "-o", "report.html", *extra]
    result = invoke(*args)
    assert result.exit_code == 1 and message in result.output
    assert list(tmp_path.iterdir()) == []


def test_evaluate_names_mismatched_columns(tables, tmp_path):
    narrow = tmp_path / "narrow.csv"
    pd.read_csv(tables["synthetic"]).drop(columns=["age"]).to_csv(narrow, index=False)
    result = invoke("evaluate", "--real", tables["real"], "--synthetic", narrow, "-o", tmp_path / "r.html")
    assert result.exit_code == 1 and "lacks the real table's columns ['age']" in result.output
    assert not (tmp_path / "r.html").exists()


def test_fit_with_report_holds_rows_out(tmp_path):
    twin, report = tmp_path / "demo.twin", tmp_path / "demo.html"
    result = invoke("fit", demo_data_path(), "-o", twin, "--report", report, "--target", "income", "--max-time", "3")
    assert result.exit_code == 0, result.output
    assert "training rows, 4000 of 5000" in " ".join(result.output.split())
    page = report.read_text()
    assert "1000 holdout rows" in page and "Lineage of the twin" in page


def test_evaluate_shows_the_lineage_of_a_given_twin(tmp_path):
    twin, synthetic, report = tmp_path / "demo.twin", tmp_path / "synthetic.csv", tmp_path / "report.json"
    assert invoke("fit", demo_data_path(), "-o", twin, "--max-time", "2").exit_code == 0
    assert invoke("sample", twin, "-n", "2000", "-o", synthetic).exit_code == 0
    result = invoke(
        "evaluate", "--real", demo_data_path(), "--synthetic", synthetic, "--twin", twin,
        "-o", tmp_path / "report.html", "--json", report,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    lineage = json.loads(report.read_text())["lineage"]
    assert lineage["source"] == "adult_sample.csv.gz" and lineage["model"] == "argn"
    assert "Lineage of the twin" in (tmp_path / "report.html").read_text()
