"""Reading CSV in any delimiter, gzip and Parquet; clear errors for bad files; atomic writes."""

from __future__ import annotations

import gzip

import pandas as pd
import pytest

from datatwin.errors import SourceError
from datatwin.io import read_table, write_table

ROWS = "name{d}age{d}city\nAnna{d}34{d}Berlin\nBen{d}{d}Lisbon\n"


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_csv_delimiters(tmp_path, delimiter):
    path = tmp_path / "t.csv"
    path.write_text(ROWS.format(d=delimiter))
    data = read_table(path).data
    assert list(data.columns) == ["name", "age", "city"]
    assert data["age"].isna().tolist() == [False, True]


def test_gzip_and_parquet_and_hash(tmp_path):
    gz = tmp_path / "t.csv.gz"
    gz.write_bytes(gzip.compress(ROWS.format(d=",").encode()))
    source = read_table(gz)
    assert source.name == "t.csv.gz" and len(source.sha256) == 64
    parquet = tmp_path / "t.parquet"
    pd.DataFrame({"a": [1, 2], "b": ["x", None]}).to_parquet(parquet)
    data = read_table(parquet).data
    assert data["a"].dtype == "int64" and data["b"].isna().sum() == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "does not exist"),
        (b"", "is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary|neither Parquet nor UTF-8"),
        (b"a,b\n", "no data rows"),
        (b"PAR1garbage", "not a readable Parquet file"),
    ],
)
def test_bad_files(tmp_path, content, message):
    path = tmp_path / "bad.csv"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(SourceError, match=message):
        read_table(path)


def test_folder_is_refused(tmp_path):
    with pytest.raises(SourceError, match="is a folder"):
        read_table(tmp_path)


def test_writes_are_atomic(tmp_path):
    target = tmp_path / "out.parquet"
    write_table(pd.DataFrame({"a": [1, 2]}), target)
    assert pd.read_parquet(target)["a"].tolist() == [1, 2]
    with pytest.raises(Exception):  # noqa: B017 - pyarrow's own error: a column of mixed objects
        write_table(pd.DataFrame({"a": [object(), 1]}), target)
    assert pd.read_parquet(target)["a"].tolist() == [1, 2]  # old file untouched
    assert [p.name for p in tmp_path.iterdir()] == ["out.parquet"]  # no temp file left


@pytest.mark.parametrize(("name", "message"), [("x.txt", "unknown format"), ("no/such/x.csv", "does not exist")])
def test_bad_targets(tmp_path, name, message):
    with pytest.raises(SourceError, match=message):
        write_table(pd.DataFrame({"a": [1]}), tmp_path / name)
