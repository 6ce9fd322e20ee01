"""Writing files atomically: to a temporary file beside the target, then renamed over it."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd

from datatwin.errors import SourceError

TABLE_FORMATS = (".csv", ".parquet")


@contextlib.contextmanager
def atomic_path(target: str | Path) -> Iterator[Path]:
    """Yield a temporary path; on success it replaces ``target``, on error it is removed."""
    target = Path(target)
    folder = target.parent
    if not folder.is_dir():
        raise SourceError(f"Folder {str(folder)!r} for output {target.name!r} does not exist.")
    handle, temp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    os.close(handle)
    temp = Path(temp_name)
    try:
        yield temp
        os.replace(temp, target)
    finally:
        temp.unlink(missing_ok=True)


def write_bytes(target: str | Path, content: bytes) -> None:
    """Write ``content`` to ``target`` atomically."""
    with atomic_path(target) as temp:
        temp.write_bytes(content)


def check_table_target(target: str | Path) -> Path:
    """Check an output table path before any work is done: known suffix, existing folder."""
    target = Path(target)
    if target.suffix.lower() not in TABLE_FORMATS:
        raise SourceError(f"Output {str(target)!r} has an unknown format: use a name ending in .csv or .parquet.")
    if not target.parent.is_dir():
        raise SourceError(f"Folder {str(target.parent)!r} for output {target.name!r} does not exist.")
    return target


def write_table(data: pd.DataFrame, target: str | Path) -> None:
    """Write a table as CSV or Parquet (by suffix), atomically."""
    target = check_table_target(target)
    writers: dict[str, Callable[[Path], object]] = {
        ".csv": lambda p: data.to_csv(p, index=False),
        ".parquet": lambda p: data.to_parquet(p, index=False),
    }
    with atomic_path(target) as temp:
        writers[target.suffix.lower()](temp)
