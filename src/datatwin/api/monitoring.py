"""Checking a twin against new real data (has the world it pictures moved?), and its data card."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from datatwin.api.database import DatabaseTwin
from datatwin.api.load import load
from datatwin.api.sequences import SequenceTwin
from datatwin.api.table import Twin, table_source
from datatwin.errors import ConfigError
from datatwin.io.database import Database, read_database
from datatwin.monitor.audit import logged_call
from datatwin.monitor.card import data_card as card_of
from datatwin.monitor.drift import DriftReport, TablesDriftReport, measure_database_drift, measure_drift
from datatwin.monitor.sequences import measure_sequence_drift
from datatwin.progress import Progress


@logged_call("drift", inputs=("twin", "data"), settings=("seed",))
def drift(
    twin: Twin | DatabaseTwin | SequenceTwin | str | Path,
    data: pd.DataFrame | Database | str | Path,
    *,
    seed: int = 0,
    progress: Progress | None = None,
    encryption_key: bytes | str | None = None,
) -> DriftReport | TablesDriftReport:
    """How far ``data`` (new real rows: a DataFrame, or a CSV or Parquet file, read in batches;
    for a database twin, a database; for a sequence twin, events) has moved from what ``twin``
    learnt (see :mod:`datatwin.monitor.drift` and :mod:`datatwin.monitor.sequences`).

    Parameters
    ----------
    twin
        A table, database or sequence twin, or the path of its file.
    data
        The new rows, with the twin's columns; for a database twin, a database URL, a folder
        of table files or a read database, with its tables; for a sequence twin, events with
        its entity and order columns.
    seed
        Seeds the twin's rows drawn for the multivariate check and the calibration draws.
    progress
        Callback receiving progress of reading the new rows.
    encryption_key
        Passphrase of an encrypted twin file (default ``$DATATWIN_ENCRYPTION_KEY``).

    Returns
    -------
    DriftReport or TablesDriftReport
        Per column, per watched pair and for the rows as a whole (per table for a database; for
        sequences, per view: ``events`` and ``entities``);
        ``verdict`` is ``"fresh"``, ``"drifting"`` or ``"refresh recommended"``.

    Raises
    ------
    ConfigError
        When the data shares no column with the twin, or is of the wrong kind (a table for a
        database twin).
    """
    loaded = load(twin, encryption_key=encryption_key) if isinstance(twin, str | Path) else twin
    if isinstance(loaded, SequenceTwin):
        if isinstance(data, Database):
            raise ConfigError(
                "A sequence twin is checked against a table of events (a DataFrame, or a CSV or Parquet file)."
            )
        return measure_sequence_drift(loaded.fitted, table_source(data).data, seed=seed)
    if isinstance(loaded, DatabaseTwin):
        if isinstance(data, pd.DataFrame):
            raise ConfigError("A database twin is checked against a database (a URL or a folder of table files).")
        database = data if isinstance(data, Database) else read_database(data)
        return measure_database_drift(loaded.fitted, database, seed=seed)
    if isinstance(data, Database):
        raise ConfigError("A table twin is checked against a table (a DataFrame, or a CSV or Parquet file).")
    return measure_drift(loaded.fitted, data, seed=seed, progress=progress)


@logged_call("card", inputs=("twin", "evaluation"), settings=("intended_use", "limits"))
def data_card(
    twin: Twin | SequenceTwin | DatabaseTwin | str | Path,
    *,
    evaluation: dict[str, Any] | str | Path | None = None,
    intended_use: str | None = None,
    limits: list[str] | None = None,
    sample: dict[str, Any] | None = None,
    encryption_key: bytes | str | None = None,
) -> dict[str, Any]:
    """The data card of a twin (:mod:`datatwin.monitor.card`): sources with hashes, schema,
    rules, model and settings, seed, software, evaluation summary, privacy (the ledger of a DP
    twin), intended use and known limits, along Article 10's and the datasheets' headings.

    Parameters
    ----------
    twin
        A table, sequence or database twin, or the path of its file.
    evaluation
        An evaluation report as JSON (``datatwin evaluate --json``): its dict or its file.
    intended_use, limits
        What the data is for, and what it should not be trusted for.
    sample
        Facts of a sample drawn from the twin, for that sample's card.
    encryption_key
        Passphrase of an encrypted twin file (default ``$DATATWIN_ENCRYPTION_KEY``).

    Raises
    ------
    ConfigError
        When the evaluation file is not a report's JSON.
    """
    loaded = load(twin, encryption_key=encryption_key) if isinstance(twin, str | Path) else twin
    if isinstance(evaluation, str | Path):
        try:
            evaluation = json.loads(Path(evaluation).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ConfigError(f"The evaluation {str(evaluation)!r} is not a readable report JSON: {exc}.") from None
        if not isinstance(evaluation, dict) or "metrics" not in evaluation:
            raise ConfigError("The evaluation file is not a report's JSON (from datatwin evaluate --json).")
    return card_of(loaded.fitted, evaluation=evaluation, intended_use=intended_use, limits=limits, sample=sample)
