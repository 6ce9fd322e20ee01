"""Drift of a database against its twin: each table against the profile the twin keeps of it."""

from __future__ import annotations

import dataclasses

from typer.testing import CliRunner

import datatwin
from datatwin.cli import app
from tests.relational.test_synthesize import sqlite_url


def test_every_learnt_table_keeps_a_profile(chinook):
    _, twin = chinook
    profiled = {name for name, model in twin.fitted.tables.items() if model.fitted is not None}
    assert profiled and all(twin.fitted.tables[n].fitted.profile is not None for n in profiled)
    assert twin.fitted.tables["Track"].fitted.profile["baseline"] is None  # drawn given its parents


def test_the_same_database_is_fresh_and_a_moved_table_is_named(chinook):
    database, twin = chinook
    assert datatwin.drift(twin, database).verdict == "fresh"
    tables = dict(database.tables)
    tracks = tables["Track"].copy()
    tracks["Milliseconds"] = tracks["Milliseconds"] * 1.6  # longer tracks
    tables["Track"] = tracks
    report = datatwin.drift(twin, dataclasses.replace(database, tables=tables))
    assert report.verdict != "fresh" and "Milliseconds" in report.tables["Track"].drifted_columns
    assert all(r.verdict == "fresh" for name, r in report.tables.items() if name != "Track")


def test_a_table_gone_calls_for_a_refresh(chinook):
    database, twin = chinook
    tables = {k: v for k, v in database.tables.items() if k != "Invoice"}
    gone = dataclasses.replace(database, tables=tables)
    report = datatwin.drift(twin, gone)
    assert report.verdict == "refresh recommended" and report.missing_tables == ["Invoice"]


def test_the_cli_checks_a_database_url(chinook, tmp_path):
    twin_path = tmp_path / "chinook.twin"
    chinook[1].save(twin_path)
    html = tmp_path / "d.html"
    result = CliRunner().invoke(app, ["drift", str(twin_path), sqlite_url("chinook"), "--html", str(html)])
    assert result.exit_code == 0, result.output
    assert "Overall: fresh" in result.output and "Track" in html.read_text()
