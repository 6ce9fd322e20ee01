"""Sampling a database twin straight to folders of Parquet partitions, one folder per table,
drawn here, by a pool of processes, or on a Dask cluster.

Partition ``i`` of ``P`` is :func:`~datatwin.relational.synthesize.sample_database`'s partition:
its own share of every table, references among its own rows, keys from its own share of each
key's range, drawn from (seed, ``i``) alone. ``P`` follows from the largest table's rows at the
scale, never from the workers, so any engine and number of workers write the same files.
Reference tables are written once, by partition 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from datatwin.io.partitioned import check_engine, check_partition_target, write_partitions, write_parts
from datatwin.pipeline import SAMPLE_BATCH_ROWS
from datatwin.progress import Progress
from datatwin.relational.model import FittedDatabase
from datatwin.relational.synthesize import sample_database

PILOT_ROWS = 1_000
"""Rows of the largest table in the small database drawn first to fix the files' column types."""


def partition_count(twin: FittedDatabase, scale: float) -> int:
    """Partitions of a sample at ``scale``: the largest drawn table cut into parts of
    :data:`~datatwin.pipeline.SAMPLE_BATCH_ROWS` rows."""
    largest = max((round(scale * m.real_rows) for m in twin.tables.values() if m.reference is None), default=0)
    return max(1, -(-largest // SAMPLE_BATCH_ROWS))


@dataclass(frozen=True)
class DatabasePartitions:
    """Partition index → each table's rows in that partition (picklable: sent once to each
    process or Dask worker)."""

    twin: FittedDatabase
    scale: float
    seed: int
    parts: int

    def __call__(self, part: int) -> dict[str, pd.DataFrame]:
        database = sample_database(self.twin, scale=self.scale, seed=self.seed, part=part, parts=self.parts)
        written_once = {name for name, model in self.twin.tables.items() if model.reference is not None and part}
        return {name: rows for name, rows in database.tables.items() if name not in written_once}


def sample_database_to(
    twin: FittedDatabase,
    folder: str | Path,
    *,
    scale: float,
    seed: int,
    engine: str = "local",
    workers: int | None = None,
    scheduler: str | None = None,
    progress: Progress | None = None,
) -> int:
    """Write a sample of every table ``scale`` times its real size into ``folder`` (one folder of
    Parquet partitions per table, see the module docstring); return the rows written."""
    check_engine(engine, workers, scheduler)
    check_partition_target(folder)
    parts = partition_count(twin, scale)
    make_part = DatabasePartitions(twin, scale, seed, parts)
    if engine == "local":
        first = make_part(0)
        batches = (first if part == 0 else make_part(part) for part in range(parts))
        return write_parts(batches, parts, first, folder, progress)
    largest = max((m.real_rows for m in twin.tables.values() if m.reference is None), default=1)
    pilot = sample_database(twin, scale=min(scale, PILOT_ROWS / max(largest, 1)), seed=seed).tables
    return write_partitions(
        make_part, parts, pilot, folder, engine=engine, workers=workers, scheduler=scheduler, progress=progress
    )
