"""Writing a table, or the tables of a database, as folders of Parquet partitions, drawn in
this process, in a pool of processes, or on a Dask cluster.

For parallel engines the caller gives a function of the partition's index that returns its
rows (it must draw them from the index alone, so the files are the same whoever draws them);
in this process, batches in order. Both with a pilot giving the columns' types. A partition of
a table is written to ``part-NNNNN.parquet``; of a database, one such file per table under the
table's own folder (``customers/part-00000.parquet``; a table a partition leaves out gets no
file of that partition). Everything is written in a folder beside the target, which replaces the
target only when every partition is written: an interrupted or failed run leaves the target as
it was.
"""

from __future__ import annotations

import contextlib
import logging
import os
import pickle
import sys
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from multiprocessing import get_context
from pathlib import Path
from typing import Any, TypeAlias

import pandas as pd

from datatwin.errors import ConfigError, SourceError
from datatwin.io.writers import folder_beside
from datatwin.progress import Progress, advance

ENGINES = ("local", "processes", "dask")
"""Where partitions are drawn: this process, a pool of local processes, a Dask cluster."""
PART_NAME = "part-{:05d}.parquet"

Rows: TypeAlias = pd.DataFrame | dict[str, pd.DataFrame]
"""One table's rows, or each table's rows by table name."""
MakePart = Callable[[int], Rows]


def write_partitions(
    make_part: MakePart,
    count: int,
    pilot: Rows,
    folder: str | Path,
    *,
    engine: str = "processes",
    workers: int | None = None,
    scheduler: str | None = None,
    progress: Progress | None = None,
) -> int:
    """Write partitions ``0 … count − 1`` of a table (or of a database's tables) into ``folder``,
    drawn in parallel, and return the rows written.

    Parameters
    ----------
    make_part
        Partition index → its rows; picklable.
    count
        Number of partitions.
    pilot
        A few rows with the table's columns and types (each table's, by name): every file gets
        the Arrow schema they give, so that the partitions read back as one table.
    folder
        The output folder; replaced as a whole once every partition is written.
    engine
        ``"processes"`` (a pool of ``workers`` local processes) or ``"dask"`` (the
        ``distributed`` cluster at ``scheduler``, or a ``LocalCluster`` of ``workers``
        single-threaded workers when none is given).
    workers
        Processes or local Dask workers (default: the machine's cores).
    scheduler
        Address of a running Dask scheduler (``tcp://host:8786``); its workers must see ``folder``.
    progress
        Receives the partitions written so far.

    Raises
    ------
    ConfigError
        For an engine other than these two, ``scheduler`` without the Dask engine, fewer than
        one worker, or the Dask engine without the ``dask`` extra installed.
    SourceError
        When ``folder`` is a file or its parent folder does not exist.
    """
    if engine == "local":
        raise ConfigError("write_partitions draws in parallel; write in-order batches with write_parts.")
    check_engine(engine, workers, scheduler)
    if engine == "processes":
        return _write_all(_on_processes(make_part, count, workers), pilot, folder, count, progress)
    return _write_all(_on_dask(make_part, count, workers, scheduler), pilot, folder, count, progress)


def write_parts(batches: Iterable[Rows], count: int, pilot: Rows, folder: str | Path, progress: Progress | None) -> int:
    """Write ``count`` batches, drawn in order in this process, as the partitions of ``folder``
    (see :func:`write_partitions`); return the rows written."""

    def each(folder: str, schemas: dict[str, Any]) -> Iterator[int]:
        for index, rows in enumerate(batches):
            yield _write(rows, index, folder, schemas)

    return _write_all(each, pilot, folder, count, progress)


Writer = Callable[[str, Any], Iterator[int]]
"""(temporary folder, Arrow schemas by table) → rows written by each partition, as partitions finish."""


def _write_all(writer: Writer, pilot: Rows, folder: str | Path, count: int, progress: Progress | None) -> int:
    target = check_partition_target(folder)
    total = 0
    with folder_beside(target) as temporary:
        for done, rows in enumerate(writer(str(temporary), _arrow_schema(pilot)), 1):
            total += rows
            advance(progress, "writing partitions", done, count)
    return total


def is_folder_target(path: str | Path) -> bool:
    """Whether an output path names a folder of partitions: an existing folder, a path ending in
    ``/``, or a name without a suffix (``rows.json`` is a file of an unknown format, not a folder)."""
    return Path(path).is_dir() or str(path).endswith(("/", "\\")) or not Path(path).suffix


def check_partition_target(folder: str | Path, *, overwrite: bool = True) -> Path:
    """The output folder, checked before any work: not a file, its parent folder exists, and
    it holds nothing yet unless ``overwrite`` (it is then replaced as a whole)."""
    target = Path(folder)
    if target.exists() and not target.is_dir():
        raise SourceError(f"Output {str(target)!r} is a file; partitioned output goes to a folder.")
    if not target.parent.is_dir():
        raise SourceError(f"Folder {str(target.parent)!r} for output {target.name!r} does not exist.")
    if target.is_dir() and any(target.iterdir()) and not overwrite:
        raise SourceError(f"Output folder {str(target)!r} is not empty: choose another, or pass --overwrite.")
    return target


def check_engine(engine: str, workers: int | None, scheduler: str | None) -> None:
    """Refuse an unknown engine, a scheduler for another engine, workers for the local one (it
    has none), or fewer than one worker."""
    if engine not in ENGINES:
        raise ConfigError(f"Unknown engine {engine!r}; choose one of {', '.join(ENGINES)}.")
    if scheduler is not None and engine != "dask":
        raise ConfigError(f"A scheduler address applies to the dask engine, not {engine!r}.")
    if workers is not None and engine == "local":
        raise ConfigError("The local engine draws in this process: workers apply to the processes and dask engines.")
    if workers is not None and workers < 1:
        raise ConfigError(f"workers must be at least 1; got {workers}.")
    if engine == "dask":
        try:
            import distributed  # noqa: F401
        except ImportError:
            raise ConfigError(
                "The dask engine needs Dask's distributed scheduler: pip install 'datatwin[dask]'."
            ) from None


def _on_processes(make_part: MakePart, count: int, workers: int | None) -> Writer:
    def each(folder: str, schemas: dict[str, Any]) -> Iterator[int]:
        payload = pickle.dumps(make_part)  # our own object to our own workers, not a user's file
        context = get_context("spawn")  # a fresh interpreter: no forked thread pools
        processes = workers or os.cpu_count() or 1
        with ProcessPoolExecutor(processes, mp_context=context, initializer=_install, initargs=(payload,)) as pool:
            futures = [pool.submit(_write_installed, index, folder, schemas) for index in range(count)]
            try:
                for future in as_completed(futures):
                    yield future.result()
            except BrokenProcessPool:
                raise ConfigError(
                    "A sampling process stopped before its partition was written: out of memory (use fewer "
                    "workers), or a script that starts the processes engine outside an "
                    "`if __name__ == '__main__':` block (each process re-runs the script)."
                ) from None
            finally:
                for future in futures:  # after a failed partition, the others are not waited for
                    future.cancel()

    return each


def _on_dask(make_part: MakePart, count: int, workers: int | None, scheduler: str | None) -> Writer:
    def each(folder: str, schemas: dict[str, Any]) -> Iterator[int]:
        from distributed import Client, LocalCluster
        from distributed import as_completed as finished

        with _quiet_dask():
            if scheduler is None:
                cluster = LocalCluster(
                    n_workers=workers or os.cpu_count() or 1,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=":0",  # its HTTP server starts anyway: on a free port, not 8787
                    scheduler_kwargs={"dashboard": False},
                    env={"OMP_NUM_THREADS": "1"},
                    silence_logs=logging.ERROR,
                )
                client = Client(cluster)
            else:
                cluster, client = None, _connect(scheduler)
            try:
                shared = client.scatter(make_part, broadcast=True)
                futures = [client.submit(write_part, shared, i, folder, schemas, pure=False) for i in range(count)]
                for future in finished(futures):
                    yield future.result()
            finally:
                client.close()
                if cluster is not None:
                    cluster.close()

    return each


def _connect(scheduler: str) -> Any:
    from distributed import Client

    try:
        return Client(scheduler, timeout=CONNECT_SECONDS)
    except (OSError, TimeoutError) as error:
        raise ConfigError(
            f"No Dask scheduler answered at {scheduler!r} within {CONNECT_SECONDS} s ({error}): start one "
            "(`dask scheduler`) or leave out --scheduler for a local cluster."
        ) from None


CONNECT_SECONDS = 10


@contextlib.contextmanager
def _quiet_dask() -> Iterator[None]:
    """Dask's own loggers at ERROR while the cluster runs (its start-up notices are not ours to print)."""
    names = ["distributed", *(n for n in logging.root.manager.loggerDict if n.startswith("distributed."))]
    loggers = [logging.getLogger(n) for n in names]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


_installed: MakePart | None = None


def _install(payload: bytes) -> None:
    """A pool process's start: one thread per process, then the partition function."""
    global _installed
    os.environ["OMP_NUM_THREADS"] = "1"  # read by a library's thread pool when it first loads
    _installed = pickle.loads(payload)
    if (torch := sys.modules.get("torch")) is not None:
        torch.set_num_threads(1)


def _write_installed(index: int, folder: str, schemas: dict[str, Any]) -> int:
    assert _installed is not None
    return write_part(_installed, index, folder, schemas)


def write_part(make_part: MakePart, index: int, folder: str, schemas: dict[str, Any]) -> int:
    """Draw partition ``index`` and write it as ``folder/part-NNNNN.parquet``; its row count."""
    return _write(make_part(index), index, folder, schemas)


def _write(rows: Rows, index: int, folder: str, schemas: dict[str, Any]) -> int:
    """Partition ``index`` written: the table's file in ``folder``, or each table's in its own folder."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    written = 0
    for name, frame in _by_table(rows).items():
        where = Path(folder) / name
        where.mkdir(exist_ok=True)
        pq.write_table(
            pa.Table.from_pandas(frame, schema=schemas[name], preserve_index=False), where / PART_NAME.format(index)
        )
        written += len(frame)
    return written


def _by_table(rows: Rows) -> dict[str, pd.DataFrame]:
    """Each table's rows by the folder they go to (a lone table: the output folder itself)."""
    return rows if isinstance(rows, dict) else {"": rows}


def _arrow_schema(pilot: Rows) -> dict[str, Any]:
    """Each table's Arrow schema from the pilot, a column missing throughout it typed as text."""
    import pyarrow as pa

    schemas = {}
    for name, frame in _by_table(pilot).items():
        schema = pa.Schema.from_pandas(frame, preserve_index=False)
        for i, field in enumerate(schema):
            if pa.types.is_null(field.type):
                schema = schema.set(i, field.with_type(pa.string()))
        schemas[name] = schema
    return schemas
