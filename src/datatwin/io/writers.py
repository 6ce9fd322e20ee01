"""Writing files atomically: to a temporary file beside the target, then renamed over it."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import pandas as pd

from datatwin.errors import SourceError

TABLE_FORMATS = (".csv", ".parquet")


@contextlib.contextmanager
def atomic_path(target: str | Path, *, private: bool = False) -> Iterator[Path]:
    """Yield a temporary path; on success it replaces ``target``, on error (or a termination
    signal turned into an exception) it is removed.

    The file gets the permissions the user's umask gives new files, or owner-only (0600) when
    ``private`` (a twin is as sensitive as the data it was fitted on).

    Raises
    ------
    SourceError
        When the folder does not exist or cannot be written.
    """
    target = Path(target)
    folder = target.parent
    if not folder.is_dir():
        raise SourceError(f"Folder {str(folder)!r} for output {target.name!r} does not exist.")
    try:
        handle, temp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    except PermissionError:
        raise SourceError(f"Folder {str(folder)!r} for output {target.name!r} is not writable.") from None
    os.close(handle)
    temp = Path(temp_name)
    try:
        yield temp
        os.chmod(temp, 0o600 if private else 0o666 & ~_umask())
        os.replace(temp, target)
    except PermissionError as exc:
        raise SourceError(f"Cannot write {str(target)!r}: {exc.strerror}.") from None
    finally:
        temp.unlink(missing_ok=True)


def _umask() -> int:
    mask = os.umask(0o077)
    os.umask(mask)
    return mask


def write_bytes(target: str | Path, content: bytes, *, private: bool = False) -> None:
    """Write ``content`` to ``target`` atomically (owner-only when ``private``)."""
    with atomic_path(target, private=private) as temp:
        temp.write_bytes(content)


def check_output_file(target: str | Path, *, overwrite: bool = True) -> Path:
    """Check, before any work is done, that ``target`` can be written: its folder exists and is
    writable, it is not a folder, and it does not exist yet unless ``overwrite``."""
    target = Path(target)
    if not target.parent.is_dir():
        raise SourceError(f"Folder {str(target.parent)!r} for output {target.name!r} does not exist.")
    if target.is_dir():
        raise SourceError(f"Output {str(target)!r} is a folder; give a file name.")
    if target.exists() and not overwrite:
        raise SourceError(f"Output {str(target)!r} already exists: choose another name, or pass --overwrite.")
    if not os.access(target.parent, os.W_OK | os.X_OK):
        raise SourceError(f"Folder {str(target.parent)!r} for output {target.name!r} is not writable.")
    return target


def check_table_target(target: str | Path, *, overwrite: bool = True) -> Path:
    """Check an output table path before any work is done: known suffix, writable place."""
    target = Path(target)
    if target.suffix.lower() not in TABLE_FORMATS:
        raise SourceError(f"Output {str(target)!r} has an unknown format: use a name ending in .csv or .parquet.")
    return check_output_file(target, overwrite=overwrite)


def write_table_batches(batches: Iterable[pd.DataFrame], target: str | Path) -> int:
    """Write a table that arrives in batches as CSV or Parquet (by suffix), atomically, holding
    one batch in memory at a time; returns the number of rows written."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    target = check_table_target(target)
    rows = 0
    with atomic_path(target) as temp:
        writer: pq.ParquetWriter | None = None
        try:
            for batch in batches:
                if target.suffix.lower() == ".csv":
                    batch.to_csv(temp, index=False, header=rows == 0, mode="w" if rows == 0 else "a")
                else:
                    if writer is None:
                        schema = pa.Schema.from_pandas(batch, preserve_index=False)
                        writer = pq.ParquetWriter(temp, schema)
                    writer.write_table(pa.Table.from_pandas(batch, schema=writer.schema, preserve_index=False))
                rows += len(batch)
        finally:
            if writer is not None:
                writer.close()
    return rows


def write_table(data: pd.DataFrame, target: str | Path) -> None:
    """Write a table as CSV or Parquet (by suffix), atomically."""
    target = check_table_target(target)
    writers: dict[str, Callable[[Path], object]] = {
        ".csv": lambda p: data.to_csv(p, index=False),
        ".parquet": lambda p: data.to_parquet(p, index=False),
    }
    with atomic_path(target) as temp:
        writers[target.suffix.lower()](temp)


@contextlib.contextmanager
def folder_beside(folder: Path) -> Iterator[Path]:
    """A new folder beside ``folder`` to fill, moved onto it when the block ends without an
    error (:func:`replace_folder`) and removed otherwise: the target is then as it was."""
    temporary = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", suffix=".partial", dir=folder.parent))
    try:
        yield temporary
        replace_folder(temporary, folder)
    finally:
        if temporary.exists():
            shutil.rmtree(temporary)


def replace_folder(temporary: Path, folder: Path) -> None:
    """Move a finished ``temporary`` folder to ``folder``, replacing what is there; the old
    folder is kept aside until the new one is in place, and put back if the move fails."""
    old = folder.with_name(f".{folder.name}.replaced") if folder.exists() else None
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
        os.replace(folder, old)
    try:
        os.replace(temporary, folder)
    except OSError:
        if old is not None:
            os.replace(old, folder)
        raise
    if old is not None:
        shutil.rmtree(old)
