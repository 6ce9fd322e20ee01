"""Reading tables from CSV (any delimiter, gzip too) and Parquet files."""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import zlib
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from datatwin.errors import SourceError

NA_VALUES = ["", "NA", "N/A", "n/a", "NaN", "nan", "NULL", "null", "None", "#N/A"]
"""Cells read as missing in CSV files — except a marker that is a code like its column's others
(Namibia's ISO code "NA" among "AW", "AF", ...: letters of the same length, same case)."""

PARQUET_MAGIC = b"PAR1"
GZIP_MAGIC = b"\x1f\x8b"
_DELIMITERS = ",;\t|"


@dataclass(frozen=True)
class TableSource:
    """A table read from a file, with what lineage records of it.

    Parameters
    ----------
    data
        The table. CSV columns are read as text and typed by schema inference.
    name
        The file's name.
    sha256
        Hash of the file's bytes.
    rows_in_source
        The file's number of rows when ``data`` is a sample of them (``None``: all of them).
    """

    data: pd.DataFrame
    name: str
    sha256: str
    rows_in_source: int | None = None


def read_table(path: str | Path, *, allow_no_rows: bool = False) -> TableSource:
    """Read a CSV (plain or gzip, delimiter detected) or Parquet file.

    ``allow_no_rows`` accepts a header without rows (an empty table of a database export).

    Raises
    ------
    SourceError
        When the file is missing, empty, unreadable or of an unknown format.
    """
    path = check_table_file(path)
    raw = path.read_bytes()
    if not raw:
        raise SourceError(f"File {str(path)!r} is empty.")
    digest = hashlib.sha256(raw).hexdigest()
    if raw[:4] == PARQUET_MAGIC:
        data = _read_parquet(path, raw)
    else:
        data = _read_csv(path, _gunzip(path, raw) if raw[:2] == GZIP_MAGIC else raw)
    if data.shape[1] == 0 or (len(data) == 0 and not allow_no_rows):
        raise SourceError(f"File {str(path)!r} has no data rows.")
    return TableSource(data=data, name=path.name, sha256=digest)


def check_table_file(path: str | Path) -> Path:
    """The path of a file to read a table from: it exists and is not a folder."""
    path = Path(path)
    if not path.exists():
        raise SourceError(f"File {str(path)!r} does not exist.")
    if path.is_dir():
        raise SourceError(f"{str(path)!r} is a folder; give a CSV or Parquet file.")
    return path


def _gunzip(path: Path, raw: bytes) -> bytes:
    try:
        return gzip.decompress(raw)
    except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
        raise SourceError(f"File {str(path)!r} is a damaged or truncated gzip file ({exc}).") from None


def _read_parquet(path: Path, raw: bytes) -> pd.DataFrame:
    try:
        return pd.read_parquet(io.BytesIO(raw))
    except Exception as exc:
        raise SourceError(f"File {str(path)!r} is not a readable Parquet file: {exc}") from None


def _read_csv(path: Path, raw: bytes) -> pd.DataFrame:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SourceError(
            f"File {str(path)!r} is neither Parquet nor UTF-8 text: give a CSV or Parquet file."
        ) from None
    if "\x00" in text[:10_000]:
        raise SourceError(f"File {str(path)!r} is binary, not CSV or Parquet.")
    if not text.strip():
        raise SourceError(f"File {str(path)!r} is empty.")
    delimiter = sniff_delimiter(text)
    check_header(path, next(csv.reader(io.StringIO(text), delimiter=delimiter), []))
    try:
        data = pd.read_csv(io.StringIO(text), sep=delimiter, dtype=str, keep_default_na=False, na_values=[""])
    except (pd.errors.ParserError, ValueError) as exc:
        raise SourceError(f"File {str(path)!r} is not a well-formed CSV file: {exc}") from None
    return data.apply(markers_as_missing)


def check_header(path: Path, header: list[str]) -> None:
    """Refuse a CSV header that names a column twice."""
    if repeated := sorted({name for name in header if header.count(name) > 1}):
        raise SourceError(
            f"File {str(path)!r} names column(s) {repeated} more than once: give every column its own name."
        )


def markers_as_missing(column: pd.Series) -> pd.Series:
    """The column with NA_VALUES markers made missing, unless the marker is one of its codes."""
    marked = column.isin(NA_VALUES)
    if not marked.any():
        return column
    others = column[~marked & column.notna()]
    for marker in column[marked].unique():
        if len(others) and _is_code_like(marker, others):
            marked &= column != marker
    return column.mask(marked)


def _is_code_like(marker: str, values: pd.Series) -> bool:
    """Whether every other value is letters of the marker's length and case (ISO-style codes)."""
    if not marker.isalpha():
        return False
    same_shape = (values.str.len() == len(marker)) & values.str.isalpha()
    same_case = values.str.isupper() if marker.isupper() else values.str.islower()
    return bool((same_shape & same_case).all())


def sniff_delimiter(text: str) -> str:
    sample = "\n".join(text.splitlines()[:50])
    try:
        return csv.Sniffer().sniff(sample, delimiters=_DELIMITERS).delimiter
    except csv.Error:
        return ","
