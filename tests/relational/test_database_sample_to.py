"""Database twins sampled in partitions drawn apart: one folder of Parquet files per table, the
same files whatever the engine, keys unique and references resolving across partitions."""

from __future__ import annotations

import pandas as pd
import pytest

import datatwin
from datatwin.errors import ConfigError
from datatwin.io.database import Database, read_database
from datatwin.relational import check_database, sample_out
from tests.relational.test_synthesize import sqlite_url


@pytest.fixture(scope="module")
def chinook_twin():
    return datatwin.fit_database(read_database(sqlite_url("chinook")), seed=0, max_time=3)


def read_back(folder, twin) -> Database:
    tables = {name: pd.read_parquet(folder / name) for name in twin.tables}
    return Database(twin.schema, tables, "partitions")


def test_partitions_drawn_apart_make_one_database(tmp_path, chinook_twin, monkeypatch):
    monkeypatch.setattr(sample_out, "SAMPLE_BATCH_ROWS", 3_000)  # PlaylistTrack's 8,715 rows: 3 partitions
    assert sample_out.partition_count(chinook_twin.fitted, 1.0) == 3
    written = chinook_twin.sample_to(tmp_path / "local", seed=4)
    assert sorted(p.name for p in (tmp_path / "local" / "InvoiceLine").iterdir()) == [
        "part-00000.parquet",
        "part-00001.parquet",
        "part-00002.parquet",
    ]
    database = read_back(tmp_path / "local", chinook_twin)
    check_database(database)  # keys unique across partitions, every reference resolves
    assert written == sum(len(t) for t in database.tables.values())
    for name, model in chinook_twin.tables.items():
        if model.reference is not None:  # written once, as it is
            assert len(list((tmp_path / "local" / name).iterdir())) == 1
            assert len(database.tables[name]) == model.real_rows
        elif name != "Playlist":  # tables whose repeats are dropped may come out a little smaller
            assert abs(len(database.tables[name]) - model.real_rows) <= 0.02 * model.real_rows + 3, name
    chinook_twin.sample_to(tmp_path / "processes", seed=4, engine="processes", workers=2)
    again = read_back(tmp_path / "processes", chinook_twin)
    for name in chinook_twin.tables:
        pd.testing.assert_frame_equal(database.tables[name], again.tables[name], check_dtype=False)


def test_the_command_writes_database_partitions_and_checks_its_options(tmp_path, chinook_twin):
    from typer.testing import CliRunner

    from datatwin.cli import app

    chinook_twin.save(tmp_path / "chinook.twin")
    runner = CliRunner()
    command = ["sample", str(tmp_path / "chinook.twin"), "-o", str(tmp_path / "out"), "--scale", "0.5"]
    result = runner.invoke(app, [*command, "--engine", "processes", "--workers", "2"])
    assert result.exit_code == 0, result.output
    assert "(Parquet partitions)" in " ".join(result.output.split())
    check_database(read_back(tmp_path / "out", chinook_twin))
    with pytest.raises(ConfigError, match="scale must be a positive number"):
        chinook_twin.sample_to(tmp_path / "bad", scale=0)
