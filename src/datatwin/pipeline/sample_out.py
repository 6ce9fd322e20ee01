"""Sampling one fitted table straight to files: one CSV/Parquet file streamed in order, or a
folder of Parquet partitions drawn here, by a pool of processes, or on a Dask cluster."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from datatwin.conditions import Wanted
from datatwin.errors import ConfigError
from datatwin.io.partitioned import (
    check_engine,
    check_partition_target,
    is_folder_target,
    write_partitions,
    write_parts,
)
from datatwin.io.writers import check_table_target, write_table_batches
from datatwin.models.base import check_row_count
from datatwin.pipeline import sample as sampling
from datatwin.pipeline.fitted import FittedTable
from datatwin.pipeline.sample import (
    check_partitionable,
    partition_count,
    sample_batches,
    sample_partition,
    sample_table,
)
from datatwin.progress import Progress
from datatwin.seeds import DEFAULT_SEED, check_seed

PILOT_ROWS = 1_000
"""Rows drawn first to fix the partitions' column types."""


@dataclass(frozen=True)
class PartitionSampler:
    """Partition index → that partition's rows of one ``n``-row sample (picklable: sent once to
    each process or Dask worker)."""

    table: FittedTable
    n: int
    seed: int
    conditions: dict[str, Wanted] | None
    part_rows: int

    def __call__(self, index: int) -> pd.DataFrame:
        return sample_partition(
            self.table, self.n, index, part_rows=self.part_rows, seed=self.seed, conditions=self.conditions
        )


def sample_to(
    table: FittedTable,
    path: str | Path,
    n: int,
    *,
    seed: int = DEFAULT_SEED,
    conditions: dict[str, Wanted] | None = None,
    engine: str = "local",
    workers: int | None = None,
    scheduler: str | None = None,
    progress: Progress | None = None,
) -> int:
    """Write ``n`` rows of a fitted table to ``path`` and return the number written (see
    :meth:`datatwin.Twin.sample_to`).

    A path ending in ``.csv`` or ``.parquet`` is one file, streamed in order (the ``local``
    engine only); a folder (existing, ending in ``/``, or a name without a suffix) receives Parquet partitions of
    :data:`~datatwin.pipeline.sample.SAMPLE_BATCH_ROWS` rows, the same bytes whichever engine
    and however many workers drew them.
    """
    check_seed(seed)
    check_row_count(n)
    check_engine(engine, workers, scheduler)
    if not is_folder_target(path):
        if engine != "local":
            raise ConfigError(
                f"The {engine} engine writes a folder of Parquet partitions; give a folder, not {str(path)!r}."
            )
        check_table_target(path)
        return write_table_batches(sample_batches(table, n, seed=seed, conditions=conditions, progress=progress), path)
    check_partition_target(path)
    pilot = sample_table(table, min(n, PILOT_ROWS), seed=seed, conditions=conditions)
    part_rows = sampling.SAMPLE_BATCH_ROWS  # read now, sent to every worker with the sampler
    count = partition_count(n, part_rows)
    if engine == "local":
        batches = sample_batches(table, n, seed=seed, conditions=conditions)
        return write_parts(batches, count, pilot, path, progress)
    check_partitionable(table, n, part_rows)
    sampler = PartitionSampler(table, int(n), seed, dict(conditions) if conditions else None, part_rows)
    return write_partitions(
        sampler, count, pilot, path, engine=engine, workers=workers, scheduler=scheduler, progress=progress
    )
