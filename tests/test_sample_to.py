"""Samples written straight to files: one streamed file, or Parquet partitions drawn in this
process, by a pool of processes or on a Dask cluster — the same rows whichever draws them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import datatwin
from datatwin.cli.main import app
from datatwin.pipeline import sample as sampling


def as_objects(frame: pd.DataFrame) -> pd.DataFrame:
    """Values as Python objects, every missing marker as ``None`` (what a Parquet file keeps)."""
    return frame.astype(object).where(frame.notna(), None)


@pytest.fixture(scope="module")
def accounts_twin(adult):
    """Adult rows with a whole-number account key (argn: it samples under conditions), fitted fast."""
    rows = adult.head(3000).copy()
    rows.insert(0, "account_id", 7 * np.arange(len(rows)) + 100_000)
    return datatwin.fit(rows, model="argn", seed=0, max_time=8, find_rules=False)


@pytest.mark.parametrize("engine", ["processes", "dask"])
def test_every_engine_writes_the_rows_sample_gives(tmp_path, accounts_twin, monkeypatch, engine):
    if engine == "dask":
        pytest.importorskip("distributed")
    monkeypatch.setattr(sampling, "SAMPLE_BATCH_ROWS", 700)  # read here, sent to every worker
    where = {"sex": "Female"}
    local = accounts_twin.sample_to(tmp_path / "local", 2500, seed=4, conditions=where)
    parallel = accounts_twin.sample_to(tmp_path / engine, 2500, seed=4, conditions=where, engine=engine, workers=2)
    assert local == parallel == 2500
    assert len(list((tmp_path / engine).glob("part-*.parquet"))) == 4
    drawn = pd.read_parquet(tmp_path / engine)
    pd.testing.assert_frame_equal(as_objects(drawn), as_objects(pd.read_parquet(tmp_path / "local")))
    accounts_twin.sample(2500, seed=4, conditions=where).to_parquet(tmp_path / "in_memory.parquet")
    pd.testing.assert_frame_equal(as_objects(drawn), as_objects(pd.read_parquet(tmp_path / "in_memory.parquet")))
    assert drawn["account_id"].is_unique and (drawn["sex"] == "Female").all()


def test_one_file_is_streamed_in_order_and_a_parallel_engine_needs_a_folder(tmp_path, accounts_twin):
    assert accounts_twin.sample_to(tmp_path / "rows.csv", 1200, seed=2) == 1200
    pd.testing.assert_frame_equal(
        as_objects(pd.read_csv(tmp_path / "rows.csv")),
        as_objects(pd.read_csv(__import__("io").StringIO(accounts_twin.sample(1200, seed=2).to_csv(index=False)))),
    )
    with pytest.raises(datatwin.ConfigError, match="processes engine writes a folder of Parquet partitions"):
        accounts_twin.sample_to(tmp_path / "rows.parquet", 10, engine="processes")


def test_text_keys_stay_unique_across_partitions_drawn_apart(tmp_path, people, monkeypatch):
    """Each partition draws its text keys from its own share of the keys' shapes: processes that
    never see each other's keys write the keys the in-order sample writes, all distinct."""
    twin = datatwin.fit(people, model="copula", seed=0)
    monkeypatch.setattr(sampling, "SAMPLE_BATCH_ROWS", 500)
    assert twin.sample_to(tmp_path / "local", 1800, seed=1) == 1800
    assert twin.sample_to(tmp_path / "parallel", 1800, seed=1, engine="processes", workers=2) == 1800
    local, parallel = pd.read_parquet(tmp_path / "local"), pd.read_parquet(tmp_path / "parallel")
    assert local["customer_id"].is_unique
    pd.testing.assert_frame_equal(as_objects(local), as_objects(parallel))


def test_a_unique_rule_is_sampled_in_order_and_parallel_engines_say_why(tmp_path, monkeypatch):
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"email": [f"user{i}@example.org" for i in range(300)], "age": rng.integers(18, 90, 300)})
    twin = datatwin.fit(frame, model="copula", seed=0, rules=[{"type": "unique", "columns": ["email"]}])
    monkeypatch.setattr(sampling, "SAMPLE_BATCH_ROWS", 100)
    with pytest.raises(datatwin.ConfigError, match=r"unique rule\(s\) .* must hold across all 250 rows"):
        twin.sample_to(tmp_path / "parallel", 250, engine="processes")
    assert not (tmp_path / "parallel").exists()
    assert twin.sample_to(tmp_path / "local", 250) == 250
    assert pd.read_parquet(tmp_path / "local")["email"].is_unique


def test_the_command_writes_partitions_with_any_engine(tmp_path, accounts_twin, monkeypatch):
    monkeypatch.setattr(sampling, "SAMPLE_BATCH_ROWS", 1000)
    accounts_twin.save(tmp_path / "a.twin")
    runner = CliRunner()
    result = runner.invoke(
        app, ["sample", str(tmp_path / "a.twin"), "-n", "2500", "-o", str(tmp_path / "out"), "--engine", "processes"]
    )
    assert result.exit_code == 0, result.output
    assert "Wrote 2,500 rows" in result.output and "(Parquet" in result.output
    assert len(pd.read_parquet(tmp_path / "out")) == 2500
    again = runner.invoke(app, ["sample", str(tmp_path / "a.twin"), "-n", "10", "-o", str(tmp_path / "out")])
    assert again.exit_code == 1 and "is not empty: choose another, or pass --overwrite" in again.output
    rebalanced = ["sample", str(tmp_path / "a.twin"), "-n", "10", "-o", str(tmp_path / "r"), "--rebalance", "sex"]
    refused = runner.invoke(app, rebalanced)
    assert refused.exit_code == 1 and "--rebalance writes one .csv or .parquet file" in refused.output
