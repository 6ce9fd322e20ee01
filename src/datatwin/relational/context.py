"""What a child table's twin is given: its parent's values as drawn, its grandparent's, and in a
sequence its position and the sibling before it."""

from __future__ import annotations

import numpy as np
import pandas as pd

from datatwin.io.database import Database
from datatwin.relational.columns import GRANDPARENT, PARENT, POOLED, POSITION, PREVIOUS, value_columns
from datatwin.relational.model import TableModel
from datatwin.schema import ColumnKind
from datatwin.schema.coerce import blanks_as_missing
from datatwin.schema.keys import key_text
from datatwin.schema.relational import ForeignKey, TableSchema

UNLEARNT_CONTEXT = (ColumnKind.PII, ColumnKind.ID, ColumnKind.TEXT)
"""Kinds a context column is not learnt from: they are regenerated, so they tell nothing."""


def is_context(column: str) -> bool:
    """Whether a twin column is given to the twin (context) rather than drawn for the table."""
    return column.startswith((PARENT, GRANDPARENT, PREVIOUS)) or column == POSITION


def parent_context(database: Database, key: ForeignKey, rows: np.ndarray) -> pd.DataFrame:
    """Each child row's parent values through ``key`` (``rows``: the parent row of every child)."""
    parent = database.tables[key.parent]
    return parent_values(parent, value_columns(database.schema, database.schema.table(key.parent), parent), rows)


def parent_values(parents: pd.DataFrame, values: list[str], rows: np.ndarray) -> pd.DataFrame:
    """The ``values`` columns of parent row ``rows[i]`` for each child ``i``, as
    ``__parent__.<column>`` ('' read as missing, as the twins learn it)."""
    context = blanks_as_missing(parents[values].iloc[rows]).reset_index(drop=True)
    return context.set_axis([PARENT + c for c in values], axis=1)


def grandparent_context(parent_context: pd.DataFrame | None, rows: np.ndarray) -> pd.DataFrame:
    """The context the parents were drawn in (their own parent's values), repeated for each
    child (``rows``: the parent row of every child) as ``__grandparent__.<column>``."""
    if parent_context is None:
        return pd.DataFrame(index=pd.RangeIndex(len(rows)))
    columns = [c for c in parent_context.columns if c.startswith(PARENT)]
    grand = parent_context[columns].iloc[rows].reset_index(drop=True)
    return grand.set_axis([GRANDPARENT + c.removeprefix(PARENT) for c in columns], axis=1)


def as_drawn(context: pd.DataFrame, parent: TableModel) -> pd.DataFrame:
    """Parent context as the parent's twin writes it: labels it pools (too rare to write back)
    become :data:`POOLED`, in training as in sampling, where the parent's regenerated labels
    would otherwise look like labels never seen. Columns the parent fakes or rebuilds (names,
    free text) are left out."""
    if parent.fitted is None:
        return context
    schema = parent.fitted.schema
    regenerated = [
        c
        for c in context.columns
        if c.removeprefix(PARENT) in schema.names and schema[c.removeprefix(PARENT)].kind in UNLEARNT_CONTEXT
    ]
    context = context.drop(columns=regenerated)  # faked or rebuilt: nothing to learn from
    for column in context.columns:
        name = column.removeprefix(PARENT)
        if name in schema.names and (categories := schema[name].categories) is not None:
            known = context[column].isna() | context[column].isin(categories)
            context[column] = context[column].astype(object).where(known, POOLED)
    return context


def sibling_order(frame: pd.DataFrame, table: TableSchema, key: ForeignKey) -> np.ndarray:
    """Each row's position among the rows of the same parent: in primary-key order for a
    single-column key, else in the source's row order."""
    groups = key_text(frame, key.columns).reset_index(drop=True)
    if len(table.primary_key) == 1:
        by_key = frame[table.primary_key[0]].reset_index(drop=True)
        ranked = pd.DataFrame({"g": groups, "k": by_key}).sort_values(["g", "k"], kind="stable")
        positions = ranked.groupby("g", sort=False).cumcount()
        return positions.reindex(groups.index).to_numpy(dtype=np.int64)
    return groups.groupby(groups, sort=False).cumcount().to_numpy(dtype=np.int64)


def previous_context(values: pd.DataFrame, order: np.ndarray, frame: pd.DataFrame, key: ForeignKey) -> pd.DataFrame:
    """The previous sibling's values for every row (missing for a parent's first child), and the
    row's position."""
    groups, _ = pd.factorize(key_text(frame, key.columns))
    rows = np.lexsort((order, groups))  # rows grouped by parent, in sibling order
    previous = np.full(len(frame), -1, dtype=np.int64)
    following = rows[1:][order[rows[1:]] > 0]
    previous[following] = rows[np.flatnonzero(order[rows[1:]] > 0)]
    shifted = blanks_as_missing(values).reset_index(drop=True).iloc[np.maximum(previous, 0)].reset_index(drop=True)
    shifted = shifted.where(np.broadcast_to((previous >= 0)[:, None], shifted.shape))
    context = shifted.set_axis([PREVIOUS + c for c in values.columns], axis=1)
    context[POSITION] = order
    return context
