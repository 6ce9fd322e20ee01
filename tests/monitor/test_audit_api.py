"""The Python API appends to $DATATWIN_AUDIT_LOG: one entry per call a user makes, none twice."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from typer.testing import CliRunner

import datatwin
from datatwin.cli import app
from datatwin.lineage import hash_frame
from datatwin.monitor.audit import AUDIT_LOG_ENV, verify_log
from tests.conftest import shared_path


@pytest.fixture(scope="module")
def adult():
    return pd.read_csv(shared_path("adult/adult.csv.gz")).head(1200)


def _entries(log):
    return [json.loads(line) for line in log.read_text().splitlines()]


def test_api_calls_are_logged_with_frames_and_twins_identified(adult, tmp_path, monkeypatch):
    log = tmp_path / "audit.jsonl"
    monkeypatch.setenv(AUDIT_LOG_ENV, str(log))
    twin = datatwin.fit(adult, model="copula", seed=4)
    rows = twin.sample(200, seed=1)
    twin.save(tmp_path / "a.twin")
    report = datatwin.drift(tmp_path / "a.twin", adult.tail(600))
    datatwin.evaluate(adult, rows)
    entries = _entries(log)
    assert [e["action"] for e in entries] == ["fit", "sample", "save", "drift", "evaluate"]  # nothing nested twice
    fit, sample, save, drift, evaluate = entries
    assert fit["inputs"]["data"] == {"path": "<DataFrame>", "rows": 1200, "sha256": hash_frame(adult)}
    assert fit["settings"]["model"] == "copula" and fit["settings"]["seed"] == 4
    assert (
        fit["outputs"]["result"]["source_sha256"] == hash_frame(adult) and fit["outputs"]["result"]["model"] == "copula"
    )
    assert sample["inputs"]["twin"]["source_sha256"] == hash_frame(adult)
    assert sample["outputs"]["result"] == {"path": "<DataFrame>", "rows": 200, "sha256": hash_frame(rows)}
    assert len(save["outputs"]["path"]["sha256"]) == 64
    assert drift["inputs"]["twin"]["sha256"] == save["outputs"]["path"]["sha256"]
    assert drift["outputs"]["result"]["verdict"] == report.verdict
    assert evaluate["outputs"]["result"]["score"] > 0
    assert verify_log(log).intact


def test_a_failed_call_is_logged_as_failed(adult, tmp_path, monkeypatch):
    log = tmp_path / "audit.jsonl"
    monkeypatch.setenv(AUDIT_LOG_ENV, str(log))
    with pytest.raises(datatwin.ConfigError):
        datatwin.fit(adult, model="no-such-model")
    (entry,) = _entries(log)
    assert entry["action"] == "fit" and entry["status"] == "failed" and "no-such-model" in entry["error"]


def test_a_command_is_logged_once_though_it_calls_the_api(adult, tmp_path, monkeypatch):
    log, data = tmp_path / "audit.jsonl", tmp_path / "adult.csv"
    adult.to_csv(data, index=False)
    monkeypatch.setenv(AUDIT_LOG_ENV, str(log))
    result = CliRunner().invoke(app, ["fit", str(data), "-o", str(tmp_path / "t.twin"), "--model", "copula"])
    assert result.exit_code == 0, result.output
    (entry,) = _entries(log)
    assert entry["action"] == "fit" and entry["inputs"]["data"]["path"] == str(data.resolve())


def test_without_the_variable_nothing_is_written(adult, tmp_path, monkeypatch):
    monkeypatch.delenv(AUDIT_LOG_ENV, raising=False)
    monkeypatch.chdir(tmp_path)
    datatwin.fit(adult, model="copula").sample(10)
    assert list(tmp_path.iterdir()) == []
