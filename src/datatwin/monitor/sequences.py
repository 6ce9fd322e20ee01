"""Drift of sequences: the events and the entities, each seen as a table and checked like one.

An event twin's profile holds two table profiles (:mod:`datatwin.monitor.profile`):

- **events**: one event drawn at random from each entity, its columns but the entity, static and
  order ones, plus :data:`GAP`, the time since the entity's previous event (seconds for
  timestamps, steps for a step number): the rhythm, which the order column itself does not show
  (its values move on with the calendar by design, so they are not compared). One event per
  entity, because one entity's events are alike (a customer's habits): counted all together
  they would vary from one set of entities to the next far more than independent rows, and the
  checks' thresholds, calibrated for independent rows, would call that sampling noise drift;
- **entities**: one row per entity, its static columns plus
  :data:`~datatwin.sequential.fitted.LENGTH`, how many events it has.

A series twin (a handful of long series) carries no profile: its rows are steps of a few
series, each like the one before, so no set of them is a sample of independent rows to compare.
New data is read whole (its events must be grouped by entity), leniently: a row without a
readable time has no gap.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from datatwin.errors import ConfigError
from datatwin.monitor.binning import number_values
from datatwin.monitor.drift import TablesDriftReport, compare_with_profile, tables_report
from datatwin.monitor.multivariate import MULTIVARIATE_ROWS
from datatwin.monitor.profile import build_profile
from datatwin.schema import ColumnKind, ColumnSpec, Schema
from datatwin.sequential import FittedSequences, sample_sequences
from datatwin.sequential.fitted import LENGTH

GAP = "__gap__"
"""The events table's column of time since the entity's previous event."""
EVENTS, ENTITIES = "events", "entities"


def sequence_profile(fitted: FittedSequences, frame: pd.DataFrame, *, seed: int) -> dict[str, Any] | None:
    """The profile of ``frame``, the events ``fitted`` was learnt from: one table profile per view,
    each with a baseline against the twin's own sequences; ``None`` for a series twin."""
    if not _profiled(fitted):
        return None
    real, drawn, schemas = _views(fitted, frame, seed), _drawn_views(fitted, seed), view_schemas(fitted)
    return {name: build_profile(real[name], schemas[name], drawn[name], seed=seed) for name in schemas}


def measure_sequence_drift(fitted: FittedSequences, frame: pd.DataFrame, *, seed: int = 0) -> TablesDriftReport:
    """Drift of new events ``frame`` against the twin's profile, view by view; the verdict is the worse one.

    Raises
    ------
    ConfigError
        When the twin has no profile, or the new events lack its entity or order column.
    """
    if not _profiled(fitted):
        raise ConfigError(
            "Drift is measured for event twins (many entities); this series twin draws a few long series, whose "
            "steps are not independent rows to compare: compare new series with its samples in datatwin evaluate."
        )
    if fitted.profile is None:
        raise ConfigError("This sequence twin carries no profile to compare with: fit it again with this datatwin.")
    keys = fitted.keys
    missing = [c for c in (keys.entity, keys.order) if c is not None and c not in frame.columns]
    if missing:
        raise ConfigError(f"The new events have no column(s) {missing}: they are needed to put events in sequences.")
    if not len(frame):
        raise ConfigError("The new data has no rows.")
    views, schemas = _views(fitted, frame, seed), view_schemas(fitted)
    drawn = functools.cache(lambda drawn_seed: _drawn_views(fitted, drawn_seed))  # one draw serves both views

    reports = {
        name: compare_with_profile(
            fitted.profile[name],
            schemas[name],
            [views[name]],
            functools.partial(_drawn_rows, drawn, name),
            reference=f"profile of the training {name}",
            seed=seed,
        )
        for name in schemas
    }
    return tables_report(reports, [])


def _drawn_rows(drawn: Callable[[int], dict[str, pd.DataFrame]], name: str, rows: int, drawn_seed: int) -> pd.DataFrame:
    return drawn(drawn_seed)[name].iloc[:rows]


def view_schemas(fitted: FittedSequences) -> dict[str, Schema]:
    """The schema of each view: the event columns and the gap; the static columns and the length."""
    keys = fitted.keys
    static = set(keys.static or ())
    left_out = {keys.entity, keys.order, *static}
    events = [c for c in fitted.schema.columns if c.name not in left_out]
    entity_columns = [c for c in fitted.schema.columns if c.name in static]
    return {
        EVENTS: Schema((*events, ColumnSpec(GAP, ColumnKind.NUMERIC))),
        ENTITIES: Schema((*entity_columns, ColumnSpec(LENGTH, ColumnKind.INTEGER))),
    }


def _profiled(fitted: FittedSequences) -> bool:
    """Whether the twin's sequences are many entities' (a profile compares sets of entities)."""
    return fitted.mode == "events" and fitted.keys.entity is not None


def _views(fitted: FittedSequences, frame: pd.DataFrame, seed: int) -> dict[str, pd.DataFrame]:
    """One event of each entity of ``frame`` (drawn with ``seed``; with its gap) and the entities."""
    keys = fitted.keys
    time, _ = number_values(frame[keys.order], ColumnKind(fitted.schema[keys.order].kind))
    entity = (
        np.zeros(len(frame), dtype=np.int64)
        if keys.entity is None
        else pd.factorize(frame[keys.entity], use_na_sentinel=True)[0]
    )
    order = np.lexsort((time, entity))
    entity, time = entity[order], time[order]
    rows = frame.iloc[order].reset_index(drop=True)
    gap = np.full(len(rows), np.nan)
    same = (entity[1:] == entity[:-1]) & (entity[1:] >= 0)
    gap[1:][same] = time[1:][same] - time[:-1][same]
    schemas = view_schemas(fitted)
    known = entity >= 0
    firsts = np.flatnonzero(known & np.r_[True, entity[1:] != entity[:-1]])
    lengths = np.bincount(entity[known])[entity[firsts]]
    picked = firsts + np.floor(np.random.default_rng(seed).random(len(firsts)) * lengths).astype(np.int64)
    events = rows[[c for c in schemas[EVENTS].names if c in rows.columns]].assign(**{GAP: gap}).iloc[picked]
    entities = rows.iloc[firsts][[c for c in schemas[ENTITIES].names if c in rows.columns]]
    return {
        EVENTS: events.reset_index(drop=True),
        ENTITIES: entities.reset_index(drop=True).assign(**{LENGTH: lengths}),
    }


def _drawn_views(fitted: FittedSequences, seed: int) -> dict[str, pd.DataFrame]:
    """Views of up to :data:`MULTIVARIATE_ROWS` entities drawn from the twin."""
    drawn = sample_sequences(fitted, entities=min(MULTIVARIATE_ROWS, fitted.lengths["entities"]), seed=seed)
    return _views(fitted, drawn, seed)
