"""The public database twin: :func:`fit_database` learns one, :class:`DatabaseTwin` samples and saves it."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from datatwin.constraints import Rule
from datatwin.constraints.cross import database_rules
from datatwin.errors import ConfigError
from datatwin.io.artifact import save_twin
from datatwin.io.database import Database, read_database
from datatwin.monitor.audit import logged_call
from datatwin.monitor.profile import attach_table_profiles
from datatwin.progress import Progress
from datatwin.relational import (
    FittedDatabase,
    GenerationPlan,
    TableModel,
    database_document,
    learn_database,
    sample_database,
)
from datatwin.schema.relational import RelationalSchema
from datatwin.seeds import DEFAULT_SEED, check_seed


class DatabaseTwin:
    """A fitted twin of a whole database, made by :func:`fit_database` or :func:`datatwin.load`."""

    def __init__(self, fitted: FittedDatabase) -> None:
        self.fitted = fitted

    @property
    def schema(self) -> RelationalSchema:
        """The relational schema it was learnt with (declared and detected keys)."""
        return self.fitted.schema

    @property
    def rules(self) -> list[Rule]:
        """The rules across tables every sample keeps (given and found)."""
        return list(database_rules(self.fitted.schema.rules, self.fitted.schema))

    @property
    def tables(self) -> dict[str, TableModel]:
        """What was learnt of each table."""
        return self.fitted.tables

    @property
    def lineage(self) -> dict[str, Any]:
        """Source (URL without password, or folder), seed, datatwin version, time of the fit."""
        return self.fitted.lineage

    @property
    def plan(self) -> GenerationPlan:
        """The order tables are drawn in, and the keys filled once every table exists."""
        return self.fitted.plan

    def __repr__(self) -> str:
        rows = sum(t.real_rows for t in self.tables.values())
        return f"DatabaseTwin(tables={len(self.tables)}, rows={rows}, source={self.lineage.get('source')!r})"

    @logged_call("sample", inputs=("self",), settings=("scale", "seed"))
    def sample(self, *, scale: float = 1.0, seed: int = DEFAULT_SEED) -> Database:
        """A synthetic database: every table ``scale`` times its real size, every key resolving.

        Parameters
        ----------
        scale
            Size factor for every table (0.1 shrinks to a tenth, 10 grows tenfold).
        seed
            The same twin, scale and seed give the same database.
        """
        _check_scale(scale)
        check_seed(seed)
        return sample_database(self.fitted, scale=float(scale), seed=int(seed))

    @logged_call("sample", inputs=("self",), settings=("scale", "seed", "engine", "workers"), outputs=("folder",))
    def sample_to(
        self,
        folder: str | Path,
        *,
        scale: float = 1.0,
        seed: int = DEFAULT_SEED,
        engine: str = "local",
        workers: int | None = None,
        scheduler: str | None = None,
        progress: Progress | None = None,
    ) -> int:
        """Write a sample of any size as one folder of Parquet partitions per table
        (``folder/customers/part-00000.parquet``, …) and return the rows written.

        A sample is cut into partitions by its largest table (100,000 rows each); partition
        ``i`` is a database of its own share of every table, with references among its own rows
        and keys from its own share of each key's range, drawn from (``seed``, ``i``) alone, so
        the files are the same whatever the engine or number of workers, and no key repeats
        across partitions. Reference tables are written once.

        Parameters
        ----------
        folder
            The output folder: replaced as a whole once every partition is written.
        scale, seed
            As in :meth:`sample`.
        engine
            ``"local"`` (this process, partition after partition), ``"processes"`` (a pool of
            ``workers`` processes) or ``"dask"`` (the cluster at ``scheduler``, or a local one of
            ``workers`` workers; ``pip install 'datatwin[dask]'``).
        workers, scheduler, progress
            As in :meth:`datatwin.Twin.sample_to`.
        """
        from datatwin.relational.sample_out import sample_database_to

        _check_scale(scale)
        check_seed(seed)
        return sample_database_to(
            self.fitted,
            folder,
            scale=float(scale),
            seed=int(seed),
            engine=engine,
            workers=workers,
            scheduler=scheduler,
            progress=progress,
        )

    @logged_call("save", inputs=("self",), outputs=("path",))
    def save(self, path: str | Path, *, key: bytes | None = None, encryption_key: bytes | str | None = None) -> None:
        """Save to one twin file, atomically (signed with ``key`` or ``$DATATWIN_SIGNING_KEY``;
        encrypted with the passphrase ``encryption_key`` when given)."""
        document, arrays = database_document(self.fitted)
        save_twin(path, document, arrays, key=key, encryption_key=encryption_key)


def _check_scale(scale: float) -> None:
    if isinstance(scale, bool) or not isinstance(scale, int | float) or not np.isfinite(scale) or scale <= 0:
        raise ConfigError(f"scale must be a positive number (0.1 … 10); got {scale!r}.")


@logged_call("fit", inputs=("source", "schema"), settings=("seed", "max_time", "detect_keys", "reference_tables"))
def fit_database(
    source: Database | str | Path,
    *,
    schema: RelationalSchema | str | Path | None = None,
    detect_keys: bool = True,
    reference_tables: list[str] | None = None,
    seed: int = DEFAULT_SEED,
    max_time: float | None = None,
    progress: Progress | None = None,
    rules: Sequence[Rule | dict[str, Any]] = (),
    find_rules: bool = True,
) -> DatabaseTwin:
    """Learn a twin of a whole database.

    Parameters
    ----------
    source
        A SQLAlchemy URL (``sqlite:///shop.db``, ``postgresql://user@host/db``), a folder of
        CSV/Parquet files (one per table, keys in its ``schema.json``), or a read database.
    schema
        A relational schema (or its JSON file, from ``datatwin schema``) to use instead of the
        keys the source declares.
    detect_keys
        Add foreign keys found by names and values that neither the source nor ``schema``
        declares (Northwind declares none).
    reference_tables
        Tables written out as they are (lookup lists naming no one); ``None`` takes every root
        table of at most 200 rows that other tables refer to and that has no personal-data
        column; ``[]`` generates every table.
    seed
        The same source, options and seed give the same twin.
    max_time
        Time budget of the whole fit, reading included, in seconds: each table's training gets
        what is left in proportion to its rows.
    progress
        Callback receiving the number of tables learnt so far.
    rules
        Rules across tables every sample keeps, besides those the schema states:
        ``ChildSum("Invoice", "Total", "InvoiceLine", "UnitPrice * Quantity")`` (a parent's
        column is its children's sum, computed from the drawn children).
    find_rules
        Also hold each parent column that equals, for every parent, the sum over its children
        of one child column or a product of two (an invoice's total).

    Raises
    ------
    DataError
        When a table has no primary key, a primary key repeats or a foreign key dangles.
    SourceError
        When the source cannot be read.
    """
    check_seed(seed)
    database = source if isinstance(source, Database) else read_database(source)
    fitted = learn_database(
        database,
        schema=schema,
        detect_keys=detect_keys,
        reference_tables=reference_tables,
        seed=seed,
        max_time=max_time,
        progress=progress,
        rules=rules,
        find_rules=find_rules,
    )
    attach_table_profiles(fitted, database.tables, seed=seed)  # per table, what drift is measured against
    return DatabaseTwin(fitted)
