"""A random sample of a file of any size, read in batches: the same rows whatever the format
or batch size, every row when the file is small, missing markers read as the whole-file reader
reads them."""

from __future__ import annotations

import gzip

import numpy as np
import pandas as pd
import pytest

import datatwin
from datatwin.errors import ConfigError, SourceError
from datatwin.io import read_table, streamed
from datatwin.io.memory import check_file_fits_in_memory
from datatwin.io.streamed import sample_source_rows, sample_table_file
from tests.conftest import shared_path


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """Credit default as CSV, gzip CSV and Parquet; a column of country codes where "NA" is Namibia."""
    folder = tmp_path_factory.mktemp("streamed")
    data = read_table(shared_path("credit_default/credit_default.csv.gz")).data
    data["country"] = np.resize(["NA", "DE", "FR", None, "IT"], len(data))
    data.to_csv(folder / "credit.csv", index=False)
    (folder / "credit.csv.gz").write_bytes(gzip.compress((folder / "credit.csv").read_bytes()))
    data.to_parquet(folder / "credit.parquet", index=False)
    return folder


def test_a_file_smaller_than_the_sample_is_read_as_the_whole_file_reader_reads_it(files, monkeypatch):
    monkeypatch.setattr(streamed, "BATCH_BYTES", 2**18)  # a dozen batches
    whole = read_table(files / "credit.csv").data
    sampled = sample_table_file(files / "credit.csv", 10**6)
    pd.testing.assert_frame_equal(sampled.data, whole, check_dtype=False)
    assert sampled.rows_in_source == len(whole) == 30_000
    assert (sampled.data["country"] == "NA").sum() == 6000  # Namibia kept, "" missing
    assert sampled.sha256 == read_table(files / "credit.csv").sha256


def test_the_same_rows_whatever_the_format_batch_size_and_a_uniform_choice(files, monkeypatch):
    samples = []
    for name, batch_bytes, batch_rows in [
        ("credit.csv", 2**18, 0),
        ("credit.csv.gz", 2**20, 0),
        ("credit.parquet", 0, 777),
    ]:
        if batch_bytes:
            monkeypatch.setattr(streamed, "BATCH_BYTES", batch_bytes)
        if batch_rows:
            monkeypatch.setattr(streamed, "BATCH_ROWS", batch_rows)
        source = sample_table_file(files / name, 2000, seed=3)
        assert len(source.data) == 2000 and source.rows_in_source == 30_000
        samples.append(source.data["ID"].astype(int).to_numpy())
    in_memory = sample_source_rows(read_table(files / "credit.csv"), 2000, seed=3)  # a table already read
    samples.append(in_memory.data["ID"].astype(int).to_numpy())
    assert in_memory.rows_in_source == 30_000
    assert all(np.array_equal(samples[0], s) for s in samples[1:])
    ids = samples[0]
    assert np.array_equal(ids, np.sort(ids))  # kept in file order
    assert 0.2 < (ids <= 10_000).mean() < 0.46 and 0.2 < (ids > 20_000).mean() < 0.46  # from the whole file
    other_seed = sample_table_file(files / "credit.csv", 2000, seed=4).data["ID"].astype(int).to_numpy()
    assert len(np.intersect1d(ids, other_seed)) < 400


def test_fit_learns_from_a_sample_and_its_lineage_says_so(files):
    twin = datatwin.fit(files / "credit.parquet", model="copula", max_rows=3000, seed=2)
    assert (twin.lineage.n_rows, twin.lineage.sampled_rows) == (30_000, 3000)
    assert twin.lineage.source == "credit.parquet"
    whole = datatwin.fit(read_table(files / "credit.csv").data.head(500), model="copula")
    assert (whole.lineage.n_rows, whole.lineage.sampled_rows) == (500, None)
    with pytest.raises(ConfigError, match="max_rows cannot be combined with epsilon"):
        datatwin.fit(files / "credit.csv", max_rows=3000, epsilon=1.0)
    with pytest.raises(ConfigError, match="max_rows must be a whole number of rows"):
        datatwin.fit(files / "credit.csv", max_rows=2.5)


def test_a_file_too_large_for_memory_is_refused_with_the_advice_to_sample(files, monkeypatch):
    from datatwin.io import memory

    monkeypatch.setattr(memory, "available_memory", lambda: 10_000_000)
    with pytest.raises(ConfigError, match=r"read whole would need about .* GiB.*--max-rows 1000000"):
        check_file_fits_in_memory(files / "credit.csv.gz")
    with pytest.raises(ConfigError, match="max_rows=1_000_000"):
        datatwin.fit(files / "credit.parquet", model="copula")
    assert datatwin.fit(files / "credit.parquet", model="copula", max_rows=2000).lineage.sampled_rows == 2000


def test_bad_files_are_one_clear_error(tmp_path):
    (tmp_path / "empty.csv").write_text("")
    (tmp_path / "twice.csv").write_text("a,b,a\n1,2,3\n")
    (tmp_path / "broken.csv.gz").write_bytes(b"\x1f\x8b" + b"not gzip at all")
    (tmp_path / "header_only.csv").write_text("a,b\n")
    cases = {
        "missing.csv": "does not exist",
        "empty.csv": "is empty",
        "twice.csv": r"names column\(s\) \['a'\] more than once",
        "broken.csv.gz": "damaged or truncated gzip",
        "header_only.csv": "has no data rows",
    }
    for name, message in cases.items():
        with pytest.raises(SourceError, match=message):
            sample_table_file(tmp_path / name, 100)


def test_the_command_fits_on_a_sample(files, tmp_path):
    from typer.testing import CliRunner

    from datatwin.cli.main import app

    args = [
        "fit",
        str(files / "credit.csv.gz"),
        "-o",
        str(tmp_path / "c.twin"),
        "--model",
        "copula",
        "--max-rows",
        "2500",
    ]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "a random sample of 2,500 of 30,000 rows" in " ".join(result.output.split())
    assert datatwin.load(tmp_path / "c.twin").lineage.sampled_rows == 2500
