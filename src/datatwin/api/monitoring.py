"""Checking a twin against new real data: has the world it pictures moved?"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from datatwin.api.database import DatabaseTwin
from datatwin.api.load import load
from datatwin.api.sequences import SequenceTwin
from datatwin.api.table import Twin
from datatwin.errors import ConfigError
from datatwin.monitor.drift import DriftReport, measure_drift
from datatwin.progress import Progress


def drift(
    twin: Twin | str | Path,
    data: pd.DataFrame | str | Path,
    *,
    seed: int = 0,
    progress: Progress | None = None,
    encryption_key: bytes | str | None = None,
) -> DriftReport:
    """How far ``data`` (new real rows: a DataFrame, or a CSV or Parquet file, read in batches)
    has moved from what ``twin`` learnt (see :mod:`datatwin.monitor.drift`).

    Parameters
    ----------
    twin
        A table twin, or the path of its file.
    data
        The new rows, with the twin's columns.
    seed
        Seeds the twin's rows drawn for the multivariate check and the calibration draws.
    progress
        Callback receiving progress of reading the new rows.
    encryption_key
        Passphrase of an encrypted twin file (default ``$DATATWIN_ENCRYPTION_KEY``).

    Returns
    -------
    DriftReport
        Per column, per watched pair and for the rows as a whole; ``verdict`` is ``"fresh"``,
        ``"drifting"`` or ``"refresh recommended"``.

    Raises
    ------
    ConfigError
        When the twin is not a table twin, or the data shares no column with it.
    """
    loaded = load(twin, encryption_key=encryption_key) if isinstance(twin, str | Path) else twin
    if isinstance(loaded, DatabaseTwin | SequenceTwin):
        raise ConfigError(
            f"Drift is measured for table twins; this is a {type(loaded).__name__}: check each table with a "
            "table twin fitted on it."
        )
    return measure_drift(loaded.fitted, data, seed=seed, progress=progress)
