"""The audit log: every command appended with hashes, and any edited or deleted entry found."""

from __future__ import annotations

import hashlib
import json
import multiprocessing

import pandas as pd
import pytest
from typer.testing import CliRunner

from datatwin.cli import app
from datatwin.monitor.audit import AUDIT_LOG_ENV, append_entry, verify_log

runner = CliRunner()


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """A log of a fit, a sample and an evaluation of Adult's first rows, made by the CLI."""
    from tests.conftest import shared_path

    tmp_path = tmp_path_factory.mktemp("audit")
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.delenv(AUDIT_LOG_ENV, raising=False)
        monkeypatch.delenv("DATATWIN_SIGNING_KEY", raising=False)
        return _made(tmp_path, shared_path)


def _made(tmp_path, shared_path):
    data = tmp_path / "adult.csv"
    pd.read_csv(shared_path("adult/adult.csv.gz")).head(1500).to_csv(data, index=False)
    log, twin, rows, report = tmp_path / "audit.jsonl", tmp_path / "a.twin", tmp_path / "rows.csv", tmp_path / "r.html"
    commands = [
        ["fit", data, "-o", twin, "--model", "copula", "--seed", "3", "--audit-log", log],
        ["sample", twin, "-o", rows, "-n", "300", "--audit-log", log],
        ["evaluate", "--real", data, "--synthetic", rows, "-o", report, "--audit-log", log],
    ]
    for command in commands:
        result = runner.invoke(app, [str(a) for a in command])
        assert result.exit_code == 0, result.output
    return log, data, twin


@pytest.fixture
def logged(made, tmp_path, monkeypatch):
    """A copy of the log (and its head file) each test may break."""
    monkeypatch.delenv("DATATWIN_SIGNING_KEY", raising=False)
    log, data, twin = made
    copy = tmp_path / log.name
    copy.write_bytes(log.read_bytes())
    copy.with_name(copy.name + ".head").write_bytes(log.with_name(log.name + ".head").read_bytes())
    return copy, data, twin


def entries(log):
    return [json.loads(line) for line in log.read_text().splitlines()]


def test_each_command_is_logged_with_hashes_and_settings(logged):
    log, data, twin = logged
    fit, sample, evaluate = entries(log)
    assert [e["action"] for e in (fit, sample, evaluate)] == ["fit", "sample", "evaluate"]
    assert all(e["status"] == "ok" and e["user"] and e["time"].endswith("+00:00") for e in (fit, sample, evaluate))
    assert fit["inputs"]["data"]["sha256"] == hashlib.sha256(data.read_bytes()).hexdigest()
    assert fit["outputs"]["twin"]["sha256"] == hashlib.sha256(twin.read_bytes()).hexdigest()
    assert sample["inputs"]["twin"] == fit["outputs"]["twin"]  # the chain of custody, file by file
    assert fit["settings"]["model"] == "copula" and fit["settings"]["seed"] == 3
    assert [e["seq"] for e in (fit, sample, evaluate)] == [0, 1, 2]
    found = verify_log(log)
    assert found.intact and found.entries == 3 and found.head == evaluate["hash"]


def test_a_verified_log_passes_on_the_command_line(logged):
    result = runner.invoke(app, ["audit", "verify", str(logged[0])])
    assert result.exit_code == 0 and "intact, 3 entries" in result.output


def test_an_edited_entry_is_found(logged):
    log = logged[0]
    lines = log.read_text().splitlines()
    edited = json.loads(lines[1])
    edited["settings"]["rows"] = 30  # someone rewrites how many rows were drawn
    lines[1] = json.dumps(edited, sort_keys=True)
    log.write_text("\n".join(lines) + "\n")
    found = verify_log(log)
    assert not found.intact and any("line 2" in p and "edited" in p for p in found.problems)
    result = runner.invoke(app, ["audit", "verify", str(log)])
    assert result.exit_code == 1 and "line 2" in result.output


def test_an_entry_rehashed_after_editing_still_breaks_the_chain(logged):
    from datatwin.monitor.audit import entry_hash

    log = logged[0]
    lines = log.read_text().splitlines()
    edited = json.loads(lines[0])
    edited["user"] = "somebody else"
    edited["hash"] = entry_hash(edited)  # the forger recomputes the entry's own hash
    lines[0] = json.dumps(edited, sort_keys=True)
    log.write_text("\n".join(lines) + "\n")
    assert any("line 2" in p and "does not follow" in p for p in verify_log(log).problems)


def test_a_deleted_entry_is_found(logged):
    log = logged[0]
    lines = log.read_text().splitlines()
    log.write_text("\n".join([lines[0], lines[2]]) + "\n")
    problems = verify_log(log).problems
    assert any("line 2" in p and "was due" in p for p in problems)
    assert any("line 2" in p and "does not follow" in p for p in problems)


def test_a_deleted_last_entry_is_found_by_the_head(logged):
    log = logged[0]
    head = verify_log(log).head
    log.write_text("\n".join(log.read_text().splitlines()[:2]) + "\n")
    assert any("head file records entry 2" in p for p in verify_log(log).problems)
    log.with_name(log.name + ".head").unlink()  # the head file deleted too: a head kept elsewhere
    assert verify_log(log).intact
    assert not verify_log(log, head=head).intact


def test_a_failed_command_is_logged_as_failed(tmp_path, monkeypatch):
    log = tmp_path / "audit.jsonl"
    monkeypatch.setenv(AUDIT_LOG_ENV, str(log))  # opted in through the environment
    result = runner.invoke(app, ["sample", str(tmp_path / "missing.twin"), "-o", str(tmp_path / "x.csv"), "-n", "5"])
    assert result.exit_code == 1
    (entry,) = entries(log)
    assert entry["status"] == "failed" and "does not exist" in entry["error"] and entry["outputs"] == {}


def test_a_keyed_log_cannot_be_verified_without_its_key(tmp_path, monkeypatch):
    log = tmp_path / "audit.jsonl"
    monkeypatch.setenv("DATATWIN_SIGNING_KEY", "secret")
    append_entry(log, "fit", settings={"seed": 1})
    append_entry(log, "sample", settings={"rows": 10})
    assert verify_log(log).intact
    monkeypatch.delenv("DATATWIN_SIGNING_KEY")
    assert len(verify_log(log).problems) == 2  # without the key no entry's hash can be recomputed


def _append_many(log, worker):
    for i in range(15):
        append_entry(log, "sample", settings={"worker": worker, "i": i})


def test_concurrent_appends_keep_the_chain(tmp_path):
    log = tmp_path / "audit.jsonl"
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_append_many, args=(log, w)) for w in range(3)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    found = verify_log(log)
    assert found.intact and found.entries == 45


def test_a_database_url_is_logged_without_its_password(tmp_path):
    log = tmp_path / "audit.jsonl"
    entry = append_entry(log, "fit", inputs={"data": "postgresql://alice:hunter2@db.example/shop"})
    assert entry["inputs"]["data"] == {"path": "postgresql://alice:***@db.example/shop", "sha256": None}
    assert "hunter2" not in log.read_text()
