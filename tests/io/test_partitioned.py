"""Parquet partitions written in order, by a pool of processes and by a Dask cluster."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from datatwin.errors import ConfigError, SourceError
from datatwin.io.partitioned import check_engine, write_partitions, write_parts


def orders_part(index: int) -> pd.DataFrame:
    """Partition ``index`` of a small order table, drawn from its index alone (module level: picklable)."""
    rng = np.random.default_rng(index)
    size = 500 if index < 3 else 120
    status = rng.choice(["paid", "refunded", "open"], size).astype(object)
    status[rng.random(size) < 0.05] = None
    return pd.DataFrame(
        {
            "order_id": np.arange(index * 500, index * 500 + size),
            "amount": rng.lognormal(3, 1, size).round(2),
            "status": status,
            "note": [None] * size,  # missing throughout: typed as text in every file
        }
    )


def failing_part(index: int) -> pd.DataFrame:
    if index == 2:
        raise ValueError("partition 2 failed")
    return orders_part(index)


def expected() -> pd.DataFrame:
    return pd.concat([orders_part(i) for i in range(4)], ignore_index=True)


def as_objects(frame: pd.DataFrame) -> pd.DataFrame:
    """Values as Python objects, every missing marker as ``None``: compares what was written."""
    return frame.astype(object).where(frame.notna(), None)


@pytest.mark.parametrize("engine", ["processes", "dask"])
def test_parallel_engines_write_the_partitions_drawn_in_order(tmp_path, engine):
    if engine == "dask":
        pytest.importorskip("distributed")
    pilot = orders_part(0).head(20)
    in_order = write_parts((orders_part(i) for i in range(4)), 4, pilot, tmp_path / "in_order", None)
    seen = []
    written = write_partitions(
        orders_part, 4, pilot, tmp_path / engine, engine=engine, workers=2, progress=lambda *a: seen.append(a)
    )
    assert written == in_order == 1620
    assert sorted(p.name for p in (tmp_path / engine).iterdir()) == [f"part-0000{i}.parquet" for i in range(4)]
    for folder in ("in_order", engine):
        rows = pd.read_parquet(tmp_path / folder)
        pd.testing.assert_frame_equal(as_objects(rows), as_objects(expected()))
        assert rows["amount"].dtype == np.float64 and rows["note"].isna().all()
    assert seen[-1] == ("writing partitions", 4, 4)


def test_a_failed_partition_leaves_the_target_as_it_was(tmp_path):
    target = tmp_path / "out"
    target.mkdir()
    (target / "kept.txt").write_text("earlier output")
    with pytest.raises(ValueError, match="partition 2 failed"):
        write_parts((failing_part(i) for i in range(4)), 4, orders_part(0), target, None)
    assert [p.name for p in target.iterdir()] == ["kept.txt"]
    assert [p.name for p in tmp_path.iterdir()] == ["out"]  # no partial folder left beside it


def test_bad_targets_and_engines_are_refused_before_any_work(tmp_path):
    (tmp_path / "file.parquet").write_text("x")
    with pytest.raises(SourceError, match="is a file; partitioned output goes to a folder"):
        write_partitions(orders_part, 1, orders_part(0), tmp_path / "file.parquet")
    with pytest.raises(SourceError, match="does not exist"):
        write_partitions(orders_part, 1, orders_part(0), tmp_path / "missing" / "out")
    with pytest.raises(ConfigError, match="Unknown engine 'spark'; choose one of local, processes, dask"):
        write_partitions(orders_part, 1, orders_part(0), tmp_path / "out", engine="spark")
    with pytest.raises(ConfigError, match="scheduler address applies to the dask engine"):
        write_partitions(orders_part, 1, orders_part(0), tmp_path / "out", scheduler="tcp://127.0.0.1:8786")
    with pytest.raises(ConfigError, match="workers must be at least 1"):
        write_partitions(orders_part, 1, orders_part(0), tmp_path / "out", engine="processes", workers=0)
    with pytest.raises(ConfigError, match="local engine draws in this process: workers apply to the processes"):
        check_engine("local", 2, None)  # as sample_to checks it before choosing a writer
    assert not (tmp_path / "out").exists()


def test_an_unreachable_scheduler_is_one_clear_error(tmp_path, monkeypatch):
    pytest.importorskip("distributed")
    from datatwin.io import partitioned

    monkeypatch.setattr(partitioned, "CONNECT_SECONDS", 1)
    with pytest.raises(ConfigError, match=r"No Dask scheduler answered at 'tcp://127.0.0.1:9' .*leave out --scheduler"):
        write_partitions(orders_part, 1, orders_part(0), tmp_path / "out", engine="dask", scheduler="tcp://127.0.0.1:9")
