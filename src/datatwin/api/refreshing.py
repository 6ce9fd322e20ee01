"""Refreshing a twin: fitting it again on new data with its schema, model and settings."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pandas as pd

from datatwin.api.database import DatabaseTwin
from datatwin.api.load import load
from datatwin.api.sequences import SequenceTwin
from datatwin.api.table import Twin, table_source
from datatwin.errors import ConfigError
from datatwin.io.database import Database, read_database
from datatwin.lineage import Lineage
from datatwin.monitor.audit import file_digest, logged_call
from datatwin.monitor.profile import attach_profile, attach_table_profiles
from datatwin.monitor.refresh import SchemaChanges, merge_schemas
from datatwin.monitor.sequences import sequence_profile
from datatwin.pipeline import fit_table
from datatwin.progress import Progress
from datatwin.relational import learn_database
from datatwin.schema import DEFAULT_RARE_THRESHOLD, infer_schema
from datatwin.sequential import fit_sequences

AnyTwin = Twin | SequenceTwin | DatabaseTwin


@logged_call("refresh", inputs=("twin", "data"), settings=("seed", "max_time", "rare_threshold"))
def refresh(
    twin: AnyTwin | str | Path,
    data: pd.DataFrame | Database | str | Path,
    *,
    seed: int | None = None,
    max_time: float | None = None,
    rare_threshold: int = DEFAULT_RARE_THRESHOLD,
    progress: Progress | None = None,
    encryption_key: bytes | str | None = None,
) -> tuple[AnyTwin, SchemaChanges | dict[str, SchemaChanges]]:
    """Fit ``twin`` again on ``data`` with its schema, model and settings, the schema widened to
    the new data (:mod:`datatwin.monitor.refresh`); the new twin's lineage links to the old one.

    A table or sequence twin keeps its columns, kinds, rules (and sequence keys), widened where
    the new rows go beyond them. A database twin is learnt again with its tables, keys, rules
    and reference tables; each table's columns are learnt as the new rows have them, and their
    changes reported per table.

    Parameters
    ----------
    twin
        A table, sequence or database twin, or the path of its file.
    data
        The new real rows (a DataFrame, or a CSV or Parquet file; events for a sequence twin;
        a database URL, a folder of table files or a read database for a database twin).
    seed
        Seed of the new fit (default: the old twin's).
    max_time
        Time budget of the fit in seconds, as in :func:`datatwin.fit`.
    rare_threshold
        Labels seen in fewer rows of the new data are not added to the schema.
    progress
        Callback receiving progress of the long steps.
    encryption_key
        Passphrase of an encrypted twin file (default ``$DATATWIN_ENCRYPTION_KEY``).

    Returns
    -------
    tuple
        The refreshed twin, and how the data's schema moved (per table for a database).

    Raises
    ------
    ConfigError
        When the twin is differentially private (a refit spends a new budget: fit it again with
        ``epsilon``), or the data is of the wrong kind for the twin.
    SchemaError
        When a database's tables or columns no longer match the old twin's.
    """
    loaded = load(twin, encryption_key=encryption_key) if isinstance(twin, str | Path) else twin
    parent_file = file_digest(twin) if isinstance(twin, str | Path) else None
    if isinstance(loaded, DatabaseTwin):
        if isinstance(data, pd.DataFrame):
            raise ConfigError("A database twin is refreshed on a database (a URL or a folder of table files).")
        database = data if isinstance(data, Database) else read_database(data)
        return _refreshed_database(loaded, database, seed, max_time, progress, parent_file)
    if isinstance(data, Database):
        raise ConfigError("A table or sequence twin is refreshed on a table (a DataFrame, or a CSV or Parquet file).")
    source = table_source(data)
    schema, changes = merge_schemas(loaded.schema, infer_schema(source.data, rare_threshold=rare_threshold))
    old_lineage = loaded.lineage
    seed = old_lineage.seed if seed is None else seed
    settings: dict[str, Any] = {
        "seed": seed,
        "schema": schema,
        "model_options": loaded.fitted.model.get_params(),
        "rare_threshold": rare_threshold,
        "max_time": max_time,
        "progress": progress,
    }
    if isinstance(loaded, SequenceTwin):
        if schema.sequence is None:
            raise ConfigError(
                f"The new events lack the twin's entity, order or static column(s) {loaded.keys.columns()}: "
                "a sequence twin is refreshed on events of the same entities' kind."
            )
        sequences = fit_sequences(source, schema.sequence, model=old_lineage.model, **settings)
        sequences.lineage = _linked(sequences.lineage, old_lineage, parent_file, changes)
        sequences.profile = sequence_profile(sequences, source.data, seed=seed)
        return SequenceTwin(sequences), changes
    if loaded.fitted.privacy is not None:
        raise ConfigError(
            "A differentially private twin is not refreshed (a new fit spends a new privacy budget): fit the new "
            "data with datatwin.fit(..., epsilon=...)."
        )
    fitted = fit_table(source, model=old_lineage.model, **settings)
    fitted.lineage = _linked(fitted.lineage, old_lineage, parent_file, changes)
    return Twin(attach_profile(fitted, source.data, seed=seed)), changes


def _refreshed_database(
    twin: DatabaseTwin,
    database: Database,
    seed: int | None,
    max_time: float | None,
    progress: Progress | None,
    parent_file: str | None,
) -> tuple[DatabaseTwin, dict[str, SchemaChanges]]:
    old = twin.fitted
    seed = int(old.lineage["seed"]) if seed is None else seed
    fitted = learn_database(
        database,
        schema=old.schema,
        detect_keys=False,
        reference_tables=[name for name, model in old.tables.items() if model.reference is not None],
        seed=seed,
        max_time=max_time,
        progress=progress,
        find_rules=False,
    )
    attach_table_profiles(fitted, database.tables, seed=seed)
    changes = {
        name: merge_schemas(before.schema, model.fitted.schema)[1]
        for name, model in fitted.tables.items()
        if model.fitted is not None and (before := old.tables[name].fitted) is not None
    }
    fitted.lineage |= {
        "refreshed_from": _parent(old.lineage, parent_file),
        "schema_changes": {name: c.to_dict() for name, c in changes.items()},
    }
    return DatabaseTwin(fitted), changes


def _linked(new: Lineage, old: Lineage, parent_file: str | None, changes: SchemaChanges) -> Lineage:
    """The new twin's lineage, linked to the old twin's and recording the schema's changes."""
    return dataclasses.replace(
        new, refreshed_from=_parent(old.to_dict(), parent_file), schema_changes=changes.to_dict()
    )


def _parent(lineage: dict[str, Any], twin_file: str | None) -> dict[str, Any]:
    """What the new twin's lineage keeps of the old one: its lineage and its file's hash."""
    return lineage | {"twin_sha256": twin_file}
