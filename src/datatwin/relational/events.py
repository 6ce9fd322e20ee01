"""Child tables whose rows are events of their parent — a customer's rentals, invoices or
payments — learnt and drawn with the sequence model (:mod:`datatwin.sequential`).

Such a child has a primary parent and a date or time column along which each parent's rows
happen (:func:`event_time`). Its twin is a sequence twin whose entities are the parents: their
values (as the parent's twin draws them, and the grandparent's) are the entity's static columns,
and its entity twin learns, per parent, when the first event happens and where the numbers
start, given the parent's values and its number of children. Each event is then drawn given the
parent, the calendar, the time since the previous event and the parent's history so far (lags,
running means, position), instead of the previous sibling alone. The number of children stays
the parent twin's to draw (it is learnt with the parent's values), so children per parent keep
following their parent.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from datatwin.constraints import Order, Rule
from datatwin.io import TableSource
from datatwin.lineage import hash_frame
from datatwin.relational.columns import filled_column_specs
from datatwin.schema import DEFAULT_RARE_THRESHOLD, ColumnKind, ColumnSpec, Schema, SequenceKeys
from datatwin.schema.coerce import blanks_as_missing
from datatwin.sequential import FittedSequences, fit_sequences, sample_sequences
from datatwin.sequential.fitted import START
from datatwin.sequential.learn import MIN_ENTITIES

PARENT_ROW = "__parent_row__"
"""The entity column of a child's sequence twin: the parent's row number."""
MIN_DISTINCT_TIMES = 0.2
"""Share of distinct values a time column needs to order events (a ``last_update`` stamped on
every row at once orders nothing)."""
MIN_EVENTS = 2.0
"""Children a parent with children has on average for them to be its history (a city's one or
two addresses are no history)."""
KIND_SAMPLE = 1000
"""Rows a column's kind is judged on when looking for the time column."""


def event_time(frame: pd.DataFrame, values: list[str]) -> str | None:
    """The column a child's rows (``frame``, its ``values`` columns) are events along: of the
    date and time columns filled in every row ('' counting as missing; kinds judged on the first
    :data:`KIND_SAMPLE` rows), the one with the most distinct values, when at least
    :data:`MIN_DISTINCT_TIMES` of the rows have their own; ``None`` when there is no such column."""
    filled = blanks_as_missing(frame[values])
    specs = filled_column_specs(filled.head(KIND_SAMPLE))
    times = [c.name for c in specs if c.kind is ColumnKind.DATETIME and filled[c.name].notna().all()]
    if not times or len(filled) == 0:
        return None
    distinct = {c: filled[c].nunique() for c in times}
    best = max(times, key=lambda c: distinct[c])
    return best if distinct[best] >= MIN_DISTINCT_TIMES * len(filled) else None


def has_enough_parents(parent_of: np.ndarray) -> bool:
    """Whether every child has a parent and children spread over enough parents to learn
    parents as entities from, with :data:`MIN_EVENTS` each on average."""
    if len(parent_of) == 0 or (parent_of < 0).any():
        return False
    children = np.bincount(parent_of)
    having = int((children > 0).sum())
    return having >= MIN_ENTITIES and len(parent_of) >= MIN_EVENTS * having


def fit_events(
    training: pd.DataFrame,
    schema: Schema,
    parent_of: np.ndarray,
    order: str,
    *,
    source: str,
    seed: int,
    max_time: float | None,
    rules: Sequence[Rule] = (),
    found_rules: Sequence[Rule] = (),
    start_after: Sequence[Order] = (),
) -> FittedSequences:
    """A sequence twin of the child rows ``training`` (value columns, children counts and the
    parent context, described by ``schema``), whose entities are the parent rows ``parent_of``
    and whose events are ordered by ``order``. The columns constant within each parent are the
    entity's: the parent context, and the child's own columns that never change under one
    parent (an invoice's billing country), which the entity twin then draws once per parent.
    ``rules`` between the child's columns hold in every event (``found_rules`` too, where a
    sequence twin can hold them: see :func:`~datatwin.sequential.fit_sequences`); ``start_after`` orders
    (``(context column, order)``) hold for each parent's first event, so for all of them."""
    events = training.assign(**{PARENT_ROW: parent_of})
    keys = SequenceKeys(order=order, entity=PARENT_ROW)
    full = Schema((*schema.columns, ColumnSpec(PARENT_ROW, ColumnKind.ID)), keys)
    return fit_sequences(
        TableSource(events, source, hash_frame(events)),
        keys,
        seed=seed,
        schema=full,
        rare_threshold=DEFAULT_RARE_THRESHOLD,
        max_time=max_time,
        rules=rules,
        found_rules=found_rules,
        entity_rules=[Order((rule.columns()[0], START), strict=rule.strict) for rule in start_after],
    )


def sample_events(
    fitted: FittedSequences, context: pd.DataFrame, counts: np.ndarray, rng: np.random.Generator
) -> pd.DataFrame:
    """The child rows of parents with the given ``context`` (one row per parent) and ``counts``
    children each, laid out parent by parent in time order, without the context columns."""
    learnt = [c for c in context.columns if c in (fitted.keys.static or ())]
    having = np.flatnonzero(counts > 0)
    given = context.iloc[having].reset_index(drop=True)[learnt]
    given[PARENT_ROW] = having
    drawn = sample_sequences(
        fitted, context=given, lengths=counts[having].astype(np.int64), seed=int(rng.integers(0, 2**31))
    )
    return drawn.drop(columns=[PARENT_ROW, *learnt]).reset_index(drop=True)
