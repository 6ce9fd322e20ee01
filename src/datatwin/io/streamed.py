"""Reading a uniform random sample of a CSV or Parquet file of any size, in Arrow batches.

Memory holds the sample and one batch, never the file: rows get a random key as they stream
past and the ``max_rows`` smallest keys are kept (a reservoir), so every row has the same
chance whatever its place in the file, and the same seed keeps the same rows. The file's bytes
are hashed and its rows counted on the way.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd

from datatwin.errors import SourceError
from datatwin.io.memory import check_file_fits_in_memory
from datatwin.io.readers import (
    GZIP_MAGIC,
    PARQUET_MAGIC,
    TableSource,
    check_header,
    check_table_file,
    markers_as_missing,
    read_table,
    sniff_delimiter,
)

BATCH_BYTES = 16 * 2**20
"""Bytes of CSV text (or rows of Parquet, :data:`BATCH_ROWS`) parsed at a time."""
BATCH_ROWS = 200_000
HASH_CHUNK = 2**22


def read_table_rows(path: str | Path, max_rows: int | None = None, *, seed: int = 0) -> TableSource:
    """A table file read whole — refused before reading when it would not fit in memory — or,
    with ``max_rows``, a uniform random sample of its rows read in batches.

    Raises
    ------
    ConfigError
        When the file read whole would not fit in memory (the advice: give ``max_rows``).
    SourceError
        When the file is missing, empty, unreadable or of an unknown format.
    """
    if max_rows is not None:
        return sample_table_file(path, max_rows, seed=seed)
    check_file_fits_in_memory(Path(path))
    return read_table(path)


def sample_source_rows(source: TableSource, max_rows: int | None, *, seed: int = 0) -> TableSource:
    """``source`` cut to a uniform random sample of at most ``max_rows`` rows (``None``: as it
    is): the rows :func:`sample_table_file` keeps from a file of the same rows and seed."""
    if max_rows is None or len(source.data) <= max_rows:
        return source
    kept = _smallest(np.random.default_rng(seed).random(len(source.data)), max_rows)
    sample = source.data.iloc[kept].reset_index(drop=True)
    return TableSource(sample, source.name, source.sha256, rows_in_source=len(source.data))


def _smallest(keys: np.ndarray, count: int) -> np.ndarray:
    """Positions of the ``count`` smallest keys, in order of position (the reservoir's rows)."""
    return np.sort(np.argpartition(keys, count - 1)[:count])


def sample_table_file(path: str | Path, max_rows: int, *, seed: int = 0) -> TableSource:
    """A uniform random sample of at most ``max_rows`` rows of a CSV (plain or gzip) or Parquet
    file, read in batches; ``rows_in_source`` is the file's row count.

    Raises
    ------
    SourceError
        When the file is missing, empty, unreadable or of an unknown format.
    """
    path = check_table_file(path)
    batches, magic = _batches_and_magic(path)
    rng = np.random.default_rng(seed)
    kept: pd.DataFrame | None = None
    kept_keys = np.zeros(0)
    total = 0
    for batch in batches:
        keys = rng.random(len(batch))
        batch = batch.set_axis(np.arange(total, total + len(batch)))
        total += len(batch)
        merged = batch if kept is None else pd.concat([kept, batch])
        merged_keys = np.concatenate([kept_keys, keys])
        if len(merged) > max_rows:
            chosen = _smallest(merged_keys, max_rows)
            merged, merged_keys = merged.iloc[chosen], merged_keys[chosen]
        kept, kept_keys = merged, merged_keys
    if kept is None or total == 0 or kept.shape[1] == 0:
        raise SourceError(f"File {str(path)!r} has no data rows.")
    data = kept.reset_index(drop=True)
    if magic != PARQUET_MAGIC:
        data = data.apply(markers_as_missing)
    return TableSource(data=data, name=path.name, sha256=_file_sha256(path), rows_in_source=total)


def table_batches(path: str | Path) -> Iterator[pd.DataFrame]:
    """Every row of a CSV (plain or gzip) or Parquet file, in batches of :data:`BATCH_BYTES` of
    text or :data:`BATCH_ROWS` rows: a CSV's values as text, its missing-value markers missing.

    Raises
    ------
    SourceError
        When the file is missing, empty, unreadable or of an unknown format.
    """
    batches, magic = _batches_and_magic(check_table_file(path))
    for batch in batches:
        yield batch if magic == PARQUET_MAGIC else batch.apply(markers_as_missing)


def _batches_and_magic(path: Path) -> tuple[Iterator[pd.DataFrame], bytes]:
    with path.open("rb") as handle:
        magic = handle.read(4)
    if not magic:
        raise SourceError(f"File {str(path)!r} is empty.")
    batches = _parquet_batches(path) if magic == PARQUET_MAGIC else _csv_batches(path, magic[:2] == GZIP_MAGIC)
    return batches, magic


def _parquet_batches(path: Path) -> Iterator[pd.DataFrame]:
    import pyarrow.parquet as pq

    try:
        # column chunks read through a small buffer, not a whole row group at once: pyarrow's
        # defaults hold a row group of a million rows in memory
        file = pq.ParquetFile(path, pre_buffer=False, buffer_size=2**20)
        for batch in file.iter_batches(batch_size=BATCH_ROWS, use_threads=False):
            yield batch.to_pandas()
    except OSError as exc:  # pyarrow's ArrowInvalid is an OSError... or a ValueError
        raise SourceError(f"File {str(path)!r} is not a readable Parquet file: {exc}") from None
    except ValueError as exc:
        raise SourceError(f"File {str(path)!r} is not a readable Parquet file: {exc}") from None


def _csv_batches(path: Path, gzipped: bool) -> Iterator[pd.DataFrame]:
    import pyarrow as pa
    from pyarrow import csv as pa_csv

    head = _head_text(path, gzipped)
    delimiter = sniff_delimiter(head)
    header = next(csv.reader(io.StringIO(head), delimiter=delimiter), [])
    check_header(path, header)
    stream = pa.input_stream(str(path), compression="gzip" if gzipped else None)
    try:
        reader = pa_csv.open_csv(
            stream,
            read_options=pa_csv.ReadOptions(block_size=BATCH_BYTES, encoding="utf8"),
            parse_options=pa_csv.ParseOptions(delimiter=delimiter, newlines_in_values=True),
            convert_options=pa_csv.ConvertOptions(
                column_types={name: pa.string() for name in header},
                null_values=[""],
                strings_can_be_null=True,
                quoted_strings_can_be_null=True,
            ),
        )
        for batch in reader:
            yield batch.to_pandas().astype(object)
    except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
        raise SourceError(f"File {str(path)!r} is not a well-formed UTF-8 CSV file: {exc}") from None
    finally:
        stream.close()


def _head_text(path: Path, gzipped: bool) -> str:
    """The file's first 64 KiB as text, for the delimiter and header."""
    opener = gzip.open if gzipped else open
    try:
        with opener(path, "rb") as handle:
            raw = handle.read(2**16)
    except (EOFError, OSError) as exc:
        raise SourceError(f"File {str(path)!r} is a damaged or truncated gzip file ({exc}).") from None
    text = raw.decode("utf-8-sig", errors="ignore")
    if "\x00" in text:
        raise SourceError(f"File {str(path)!r} is binary, not CSV or Parquet.")
    if not text.strip():
        raise SourceError(f"File {str(path)!r} is empty.")
    return text


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()
