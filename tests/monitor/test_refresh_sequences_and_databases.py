"""Refreshing sequence and database twins: the old keys, rules and settings, the new data, the lineage linked."""

from __future__ import annotations

import dataclasses

import pytest
from typer.testing import CliRunner

import datatwin
from datatwin.cli import app
from datatwin.errors import ConfigError
from tests.sequential.logs import payments


def test_a_sequence_twin_is_refreshed_with_its_keys_and_a_new_label(tmp_path):
    old = datatwin.fit(
        payments(300, seed=0), entity="customer_id", order="ts", model="argn", model_options={"max_epochs": 3}, seed=2
    )
    old.save(tmp_path / "old.twin")
    new = payments(300, seed=1)
    new.loc[new.index % 5 == 0, "channel"] = "wallet"
    refreshed, changes = datatwin.refresh(tmp_path / "old.twin", new)
    assert isinstance(refreshed, datatwin.SequenceTwin) and refreshed.keys == old.keys
    assert changes.new_labels == {"channel": ["wallet"]}
    assert refreshed.fitted.model.get_params()["max_epochs"] == 3 and refreshed.lineage.seed == 2
    assert refreshed.lineage.refreshed_from["source_sha256"] == old.lineage.source_sha256
    assert len(refreshed.lineage.refreshed_from["twin_sha256"]) == 64
    assert "wallet" in set(refreshed.sample(50, seed=0)["channel"])
    assert set(refreshed.fitted.profile) == {"events", "entities"}
    with pytest.raises(ConfigError, match="entity, order or static"):
        datatwin.refresh(old, new.drop(columns=["ts"]))


def test_a_database_twin_is_refreshed_with_its_keys_and_changes_per_table(chinook):
    database, old = chinook
    tables = dict(database.tables)
    tables["Track"] = tables["Track"].assign(Milliseconds=tables["Track"]["Milliseconds"] * 3)  # far longer tracks
    moved = dataclasses.replace(database, tables=tables)
    refreshed, changes = datatwin.refresh(old, moved, max_time=3)
    assert isinstance(refreshed, datatwin.DatabaseTwin)
    assert refreshed.schema.foreign_keys == old.schema.foreign_keys
    assert "Milliseconds" in changes["Track"].widened_bounds
    assert refreshed.fitted.lineage["refreshed_from"]["tables_sha256"] == old.fitted.lineage["tables_sha256"]
    assert refreshed.fitted.lineage["schema_changes"]["Track"]["widened_bounds"]
    assert datatwin.drift(refreshed, moved).verdict == "fresh"
    drawn = refreshed.sample(scale=0.2, seed=1)
    assert drawn.tables["Track"]["AlbumId"].isin(drawn.tables["Album"]["AlbumId"]).all()


def test_the_refresh_command_takes_a_database_folder(chinook, tmp_path):
    database, old = chinook
    twin = tmp_path / "chinook.twin"
    old.save(twin)
    folder = tmp_path / "new"
    database.save(folder)
    refreshed = ["refresh", str(twin), str(folder), "-o", str(tmp_path / "new.twin"), "--max-time", "2"]
    result = CliRunner().invoke(app, refreshed)
    assert result.exit_code == 0, result.output
    assert isinstance(datatwin.load(tmp_path / "new.twin"), datatwin.DatabaseTwin)
