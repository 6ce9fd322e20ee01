"""The public table twin: :func:`fit` learns one, :class:`Twin` samples and saves it."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from datatwin.api.sequences import SequenceTwin
from datatwin.conditions import Wanted
from datatwin.constraints import Rule
from datatwin.dp import PrivacyLedger
from datatwin.errors import ConfigError, DataError
from datatwin.io import TableSource
from datatwin.io.artifact import save_twin
from datatwin.io.streamed import read_table_rows, sample_source_rows
from datatwin.lineage import Lineage, hash_frame
from datatwin.models import Generator, registry
from datatwin.monitor.audit import logged_call
from datatwin.monitor.profile import attach_profile
from datatwin.monitor.sequences import sequence_profile
from datatwin.pipeline import (
    MIN_ROWS,
    FittedTable,
    fit_private_table,
    fit_table,
    sample_table,
    table_document,
)
from datatwin.pipeline.fit import MIN_TRAINING_SECONDS
from datatwin.pipeline.sample import sample_batches
from datatwin.pipeline.sample_out import sample_to
from datatwin.progress import Progress
from datatwin.schema import DEFAULT_RARE_THRESHOLD, Schema, SequenceKeys
from datatwin.schema.coerce import check_unique_names
from datatwin.seeds import DEFAULT_SEED, check_seed
from datatwin.sequential import check_keys, fit_sequences
from datatwin.transforms import TableEncoder
from datatwin.transforms.private import PrivateEncoder


class Twin:
    """A fitted generator of synthetic tables: schema + encoder + model + lineage.

    Made by :func:`fit` or :func:`datatwin.load`, not directly.
    """

    def __init__(self, fitted: FittedTable) -> None:
        self.fitted = fitted

    @property
    def schema(self) -> Schema:
        """The table's columns, kinds, bounds and domains."""
        return self.fitted.schema

    @property
    def encoder(self) -> TableEncoder | PrivateEncoder:
        """The fitted transforms."""
        return self.fitted.encoder

    @property
    def model(self) -> Generator:
        """The fitted model of the encoded columns."""
        return self.fitted.model

    @property
    def lineage(self) -> Lineage:
        """Where the table came from and how it was fitted."""
        return self.fitted.lineage

    @property
    def privacy(self) -> PrivacyLedger | None:
        """The privacy ledger of a differentially private twin (its guarantee and every
        release paid from it), or ``None`` for an ordinary twin."""
        return self.fitted.privacy

    @property
    def rules(self) -> list[Rule]:
        """The rules across columns every drawn row keeps (stated, given and found)."""
        return list(self.fitted.rules)

    def __repr__(self) -> str:
        return (
            f"Twin(model={self.lineage.model!r}, columns={len(self.schema.columns)}, "
            f"source={self.lineage.source!r}, rows={self.lineage.n_rows})"
        )

    @logged_call("sample", inputs=("self",), settings=("n", "seed", "rebalance", "ratio"))
    def sample(
        self,
        n: int,
        *,
        seed: int = DEFAULT_SEED,
        conditions: dict[str, Wanted] | None = None,
        rebalance: str | None = None,
        ratio: float | None = None,
        context: pd.DataFrame | None = None,
        progress: Progress | None = None,
    ) -> pd.DataFrame:
        """Draw ``n`` synthetic rows with the source's columns, kinds and formats.

        Parameters
        ----------
        n
            Number of rows, at least 1.
        seed
            The same arguments and seed give the same rows.
        conditions
            Per column, the value, list of values, :class:`~datatwin.conditions.Range` or
            ``None`` (missing) every row must have. Met exactly, without rejection sampling
            (needs a conditional model such as ``argn``).
        rebalance
            A categorical or boolean column whose labels should be drawn in new proportions:
            every label rarer than ``ratio`` is raised to ``ratio`` (default: all labels equal),
            the others shrink in proportion.
        ratio
            Target share of each rare label when rebalancing.
        context
            ``n`` rows of some of the table's columns: row ``i`` of the result keeps row ``i``'s
            values and draws the other columns given them (e.g. child rows given each parent's
            attributes). Needs a model that supports it (``argn``).
        progress
            Callback receiving the number of rows made so far.
        """
        return sample_table(
            self.fitted,
            n,
            seed=seed,
            conditions=conditions,
            rebalance=rebalance,
            ratio=ratio,
            context=context,
            progress=progress,
        )

    def sample_batches(
        self,
        n: int,
        *,
        seed: int = DEFAULT_SEED,
        conditions: dict[str, Wanted] | None = None,
        progress: Progress | None = None,
    ) -> Iterator[pd.DataFrame]:
        """The rows of :meth:`sample` (same arguments, same rows, without rebalancing or a
        context) in batches of up to 100,000, for samples larger than memory: write each batch
        out as it comes (``datatwin sample -o`` does)."""
        return sample_batches(self.fitted, n, seed=seed, conditions=conditions, progress=progress)

    @logged_call("sample", inputs=("self",), settings=("n", "seed", "engine", "workers"), outputs=("path",))
    def sample_to(
        self,
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
        """Write ``n`` rows to files without holding them in memory; return the rows written.

        Parameters
        ----------
        path
            A ``.csv`` or ``.parquet`` file (streamed in order, ``engine="local"``), or a folder
            (existing, ending in ``/``, or a name without a suffix) that receives Parquet
            partitions ``part-00000.parquet``, … of 100,000 rows each, replaced as a whole once
            every partition is written.
        n
            Number of rows, at least 1.
        seed
            Partition ``i`` is drawn from (``seed``, ``i``) alone: the same rows whichever
            engine and however many workers, and the rows :meth:`sample` gives.
        conditions
            As in :meth:`sample`.
        engine
            ``"local"`` (this process), ``"processes"`` (a pool of local processes) or
            ``"dask"`` (a Dask cluster; needs ``pip install 'datatwin[dask]'``).
        workers
            Processes, or workers of the local Dask cluster (default: the machine's cores).
        scheduler
            Address of a running Dask scheduler (default: a local cluster); its workers must
            be able to write to ``path``.
        progress
            Callback receiving rows (one file) or partitions (a folder) done so far.

        Raises
        ------
        ConfigError
            For a parallel engine with a single file, or with a twin whose text keys or
            unique rules must be checked across partitions (sample those locally).
        """
        return sample_to(
            self.fitted,
            path,
            n,
            seed=seed,
            conditions=conditions,
            engine=engine,
            workers=workers,
            scheduler=scheduler,
            progress=progress,
        )

    @logged_call("save", inputs=("self",), outputs=("path",))
    def save(self, path: str | Path, *, key: bytes | None = None, encryption_key: bytes | str | None = None) -> None:
        """Save to one file (see :mod:`datatwin.io.artifact`), atomically.

        Parameters
        ----------
        path
            Target file; its folder must exist.
        key
            Secret key to sign the file with; defaults to ``$DATATWIN_SIGNING_KEY`` if set.
        encryption_key
            Passphrase to encrypt the file with (AES-256-GCM, scrypt): it then opens only with
            the same passphrase (``datatwin.load(..., encryption_key=)`` or
            ``$DATATWIN_ENCRYPTION_KEY``).
        """
        document, arrays = table_document(self.fitted)
        save_twin(path, document, arrays, key=key, encryption_key=encryption_key)


@logged_call(
    "fit",
    inputs=("data", "schema", "entity_table"),
    settings=("model", "seed", "max_time", "max_rows", "entity", "order", "static", "find_rules", "epsilon", "delta"),
)
def fit(
    data: pd.DataFrame | TableSource | str | Path,
    *,
    model: str = registry.AUTO,
    seed: int = DEFAULT_SEED,
    schema: Schema | str | Path | None = None,
    model_options: dict[str, Any] | None = None,
    rare_threshold: int = DEFAULT_RARE_THRESHOLD,
    max_time: float | None = None,
    max_rows: int | None = None,
    min_rows: int = MIN_ROWS,
    progress: Progress | None = None,
    entity: str | None = None,
    order: str | None = None,
    static: list[str] | None = None,
    entity_table: pd.DataFrame | str | Path | None = None,
    rules: Sequence[Rule | dict[str, Any]] = (),
    find_rules: bool = True,
    epsilon: float | None = None,
    delta: float | None = None,
    dp_bounds: bool = True,
) -> Twin | SequenceTwin:
    """Learn a twin of a table, or of the sequences in it.

    Parameters
    ----------
    data
        A DataFrame, the path of a CSV (any delimiter, gzip too) or Parquet file, or a table
        already read with :func:`datatwin.io.read_table`.
    model
        Registered model name, or ``"auto"`` to let datatwin choose.
    seed
        The same data, options and seed give the same twin.
    schema
        A schema (or the path of its JSON file) to use instead of inferring one; fitting then
        takes bounds and category domains from it, not from the data.
    model_options
        Options of the model family (see its config class).
    rare_threshold
        When inferring the schema: labels seen in fewer rows are pooled, never written verbatim.
    max_time
        Time budget of the whole fit in seconds, reading the data included, for models that
        train iteratively (``argn``): training stops when it is spent, at the latest a batch later.
    max_rows
        Learn from a uniform random sample of at most this many rows (seeded by ``seed``): a
        file is then read in batches, never whole, so it may be larger than memory; the
        lineage records the source's row count and the sample's. Without it, a file too large
        to read into memory is refused with the advice to give it.
    min_rows
        Smaller tables are refused. Below the rare-label threshold every label is pooled and
        regenerated, so a lower limit only suits tables without identifying numbers (lookup
        tables of a database, which :func:`datatwin.fit_database` learns this way).
    progress
        Callback receiving progress of the long steps.
    entity
        With ``order``: the column naming whose sequence each row belongs to (a customer's
        transactions, a station's readings); omit it for one series.
    order
        The column that orders each entity's rows (a timestamp or a step number): the table is
        learnt as sequences and a :class:`SequenceTwin` returned. A schema with ``"sequence"``
        keys does the same.
    static
        Columns constant within each entity (default: those the data shows constant).
    entity_table
        With ``entity``: one row per entity (a DataFrame or file) holding its attributes,
        entities without events included; new entities are drawn with them.
    rules
        Rules across columns the twin must hold in every row it draws (:mod:`datatwin.constraints`:
        ``Order(["check_in", "check_out"], strict=True)``, ``Formula("total", "quantity * price")``
        …, or their JSON form), besides those the schema states.
    find_rules
        Look for rules that hold in every row of the data (orderings, formulas, fixed
        combinations, conditional missingness) and hold them too, unless the schema states
        its rules (a schema saved by ``datatwin schema -o`` does: delete a rule there to drop it).
        Off under differential privacy (what rules hold is the data's secret).
    epsilon
        Fit under (ε, δ)-differential privacy with this ε, one row being the unit of privacy
        (:mod:`datatwin.pipeline.private`): every data-dependent release is paid from one
        ledger, saved in the twin (:attr:`Twin.privacy`). The model is then a DP one
        (``"aim"``, the default, or another whose capabilities say ``dp``); a declared schema
        gives kinds, bounds and labels for free.
    delta
        The δ of the guarantee (default 1e-6; it must lie below 1/n).
    dp_bounds
        Under DP, buy the bounds the schema leaves open from the budget; when off, a number
        or date column without declared bounds is refused.

    Returns
    -------
    Twin or SequenceTwin
        The fitted twin (a :class:`SequenceTwin` for sequences).
    """
    check_seed(seed)
    if model == registry.AUTO and model_options:
        raise ConfigError("Name the model (model=...) when giving model options.")
    if model != registry.AUTO:
        registry.create(model, model_options)  # fail on a bad name or option before reading data
    started = time.perf_counter()
    if max_rows is not None:
        _check_max_rows(max_rows, epsilon)
    source = table_source(data, max_rows, seed)
    if max_time is not None:
        max_time = max(max_time - (time.perf_counter() - started), MIN_TRAINING_SECONDS)
    if isinstance(schema, str | os.PathLike):
        schema = Schema.from_json(schema)  # read once: it may also name the sequence keys
    keys = _sequence_keys(schema, entity, order, static)
    if keys is not None and max_rows is not None:
        raise ConfigError("max_rows samples rows, which would cut sequences apart: fit sequences without it.")
    if epsilon is not None:
        return _fit_private(
            source, keys, rules, epsilon, delta, model, seed, schema, model_options, dp_bounds, progress
        )
    if keys is not None:
        check_keys([str(c) for c in source.data.columns], keys)
        fitted_sequences = fit_sequences(
            source,
            keys,
            model=model,
            seed=seed,
            schema=schema,
            model_options=model_options,
            rare_threshold=rare_threshold,
            max_time=max_time,
            progress=progress,
            entity_table=None if entity_table is None else table_source(entity_table).data,
            rules=rules,
            find_rules=find_rules,
        )
        fitted_sequences.profile = sequence_profile(fitted_sequences, source.data, seed=seed)
        return SequenceTwin(fitted_sequences)
    fitted = fit_table(
        source,
        model=model,
        seed=seed,
        schema=schema,
        model_options=model_options,
        rare_threshold=rare_threshold,
        max_time=max_time,
        min_rows=min_rows,
        progress=progress,
        rules=rules,
        find_rules=find_rules,
    )
    return Twin(attach_profile(fitted, source.data, seed=seed))


def _fit_private(
    source: TableSource,
    keys: SequenceKeys | None,
    rules: Sequence[Rule | dict[str, Any]],
    epsilon: float,
    delta: float | None,
    model: str,
    seed: int,
    schema: Schema | None,
    model_options: dict[str, Any] | None,
    dp_bounds: bool,
    progress: Progress | None,
) -> Twin:
    if keys is not None:
        raise ConfigError(
            "Sequence twins cannot be fitted under differential privacy yet (one entity with all its events "
            "would be the unit): fit the table without entity/order, or without epsilon."
        )
    if rules:
        raise ConfigError(
            "A differentially private twin does not hold rules yet: fit without rules=, or without epsilon."
        )
    fitted = fit_private_table(
        source,
        epsilon=epsilon,
        delta=delta,
        model=model,
        seed=seed,
        schema=schema,
        model_options=model_options,
        dp_bounds=dp_bounds,
        progress=progress,
    )
    return Twin(fitted)


def _sequence_keys(
    schema: Schema | None, entity: str | None, order: str | None, static: list[str] | None
) -> SequenceKeys | None:
    """The sequence keys from the arguments, else from the schema's ``sequence``; ``None`` for a plain table."""
    named = SequenceKeys.named(entity, order, static)
    if named is not None:
        return named
    return None if schema is None else schema.sequence


def table_source(
    data: pd.DataFrame | TableSource | str | Path, max_rows: int | None = None, seed: int = DEFAULT_SEED
) -> TableSource:
    if isinstance(data, str | os.PathLike):
        return read_table_rows(Path(data), max_rows, seed=seed)
    if isinstance(data, pd.DataFrame):
        if data.shape[1] == 0 or len(data) == 0:
            raise DataError(["The DataFrame is empty: it needs rows and columns."])
        check_unique_names(data)  # before hashing, which needs one column per name
        source = TableSource(data, "<DataFrame>", hash_frame(data))
    elif isinstance(data, TableSource):
        source = data
    else:
        raise ConfigError(f"data must be a DataFrame or a file path; got {type(data).__name__}.")
    return sample_source_rows(source, max_rows, seed=seed)


def _check_max_rows(max_rows: int, epsilon: float | None) -> None:
    if isinstance(max_rows, bool) or not isinstance(max_rows, int) or max_rows < MIN_ROWS:
        raise ConfigError(f"max_rows must be a whole number of rows, at least {MIN_ROWS}; got {max_rows!r}.")
    if epsilon is not None:
        raise ConfigError(
            "max_rows cannot be combined with epsilon: the DP guarantee is stated for the whole table "
            "(a sampled row could be swapped for another). Fit the whole table, or a sample you draw yourself."
        )
