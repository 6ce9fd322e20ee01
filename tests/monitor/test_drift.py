"""Drift of new real rows against a twin's profile: quiet on fresh data, loud on each kind of shift."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

import datatwin
from datatwin.cli import app
from datatwin.monitor.profile import MIN_CELL
from tests.monitor.conftest import adult_halves


@pytest.fixture(scope="module")
def halves():
    return adult_halves(16000, seed=0)


@pytest.fixture(scope="module")
def twin(halves):
    return datatwin.fit(halves[0], model="copula", seed=0)


def test_the_profile_publishes_no_small_cell(twin):
    profile = twin.fitted.profile
    assert profile["rows"] == 16000 and profile["baseline"]["rows"] == 2000
    for column in profile["columns"].values():
        assert all(c == 0 or c >= MIN_CELL for c in column["counts"])
    for pair in profile["pairs"]:
        assert all(c == 0 or c >= MIN_CELL for row in pair["counts"] for c in row)
    watched = [tuple(p["columns"]) for p in profile["pairs"]]
    assert ("relationship", "sex") in watched and len(watched) == 10


def test_an_outlier_and_a_unique_label_stay_out_of_the_twin_file(halves, tmp_path):
    data = halves[0].head(3000).copy()
    data.loc[0, "age"] = 977
    data.loc[1, "occupation"] = "Astronaut-of-record"
    twin = datatwin.fit(data, model="copula", seed=0)
    twin.save(tmp_path / "t.twin")
    import zipfile

    document = zipfile.ZipFile(tmp_path / "t.twin").read("twin.json").decode()
    profile = json.loads(document)["profile"]
    assert max(profile["columns"]["age"]["bins"]["edges"]) < 100
    assert "Astronaut-of-record" not in json.dumps(profile) and "977" not in json.dumps(profile)


def test_fresh_rows_from_the_same_table_are_fresh(twin, halves):
    report = datatwin.drift(twin, halves[1])
    assert report.verdict == "fresh", report.reasons
    assert report.rows == len(halves[1]) and not report.drifted_columns
    assert abs(report.multivariate["rise"]) < report.multivariate["threshold"]


def test_a_numeric_shift_of_a_quarter_standard_deviation_is_found(twin, halves):
    shifted = halves[1].copy()
    shifted["hours-per-week"] = (shifted["hours-per-week"] + 0.25 * halves[0]["hours-per-week"].std()).round()
    report = datatwin.drift(twin, shifted)
    assert report.drifted_columns == ["hours-per-week"] and report.verdict != "fresh"
    assert report.segments()[0]["column"] == "hours-per-week"


def test_a_category_share_moved_by_five_points_is_found(twin, halves):
    moved = halves[1].copy()
    others = moved.index[moved["race"] != "White"]
    chosen = np.random.default_rng(1).choice(others, int(0.05 * len(moved)), replace=False)
    moved.loc[chosen, "race"] = "White"
    report = datatwin.drift(twin, moved)
    assert "race" in report.drifted_columns
    race = next(c for c in report.columns if c.column == "race")
    assert race.moved[0]["cell"] == "White" and race.moved[0]["now"] - race.moved[0]["before"] > 0.045


def test_a_relation_removed_is_found_while_its_columns_keep_their_shapes(twin, halves):
    broken = halves[1].copy()
    broken["sex"] = np.random.default_rng(2).permutation(broken["sex"].to_numpy())
    report = datatwin.drift(twin, broken)
    assert "sex" not in report.drifted_columns
    pair = next(p for p in report.pairs if p.columns == ["relationship", "sex"])
    assert pair.drifted and pair.association_now < 0.1 < pair.association_before
    assert report.verdict != "fresh"


def test_a_missing_column_calls_for_a_refresh(twin, halves):
    report = datatwin.drift(twin, halves[1].drop(columns=["occupation"]))
    assert report.verdict == "refresh recommended" and report.missing_columns == ["occupation"]


def test_a_file_is_read_in_batches_to_the_same_result(twin, halves, tmp_path, monkeypatch):
    import datatwin.io.streamed as streamed

    monkeypatch.setattr(streamed, "BATCH_BYTES", 2**18)  # several batches
    path = tmp_path / "new.csv"
    halves[1].to_csv(path, index=False)
    from_file, from_frame = datatwin.drift(twin, path), datatwin.drift(twin, halves[1])
    assert [c.distance for c in from_file.columns] == [c.distance for c in from_frame.columns]
    assert from_file.rows == from_frame.rows


def test_a_dp_twin_is_checked_against_its_own_rows(halves):
    pytest.importorskip("mbi")
    private = datatwin.fit(halves[0][["age", "sex", "race", "income"]], epsilon=4.0, seed=0)
    assert private.fitted.profile is None
    report = datatwin.drift(private, halves[1][["age", "sex", "race", "income"]])
    assert report.reference == "rows drawn from the twin" and report.multivariate is None
    assert report.verdict in ("fresh", "drifting", "refresh recommended")


def test_the_cli_writes_the_verdict_and_exits_by_it(twin, halves, tmp_path):
    twin.save(tmp_path / "t.twin")
    fresh, moved = tmp_path / "fresh.csv", tmp_path / "moved.csv"
    halves[1].to_csv(fresh, index=False)
    halves[1].drop(columns=["occupation"]).to_csv(moved, index=False)
    runner = CliRunner()
    result = runner.invoke(app, ["drift", str(tmp_path / "t.twin"), str(fresh), "--json", str(tmp_path / "d.json")])
    assert result.exit_code == 0, result.output
    assert json.loads((tmp_path / "d.json").read_text())["verdict"] == "fresh"
    result = runner.invoke(app, ["drift", str(tmp_path / "t.twin"), str(moved)])
    assert result.exit_code == 4 and "refresh recommended" in result.output
