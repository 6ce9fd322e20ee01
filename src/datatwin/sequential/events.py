"""An event table made ready to learn: checked, sorted by entity then time, its static columns found."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from datatwin.errors import ConfigError, DataError
from datatwin.schema import ColumnKind, Schema, SequenceKeys, coerce_table
from datatwin.transforms.datetime import seconds_since_1970

ORDER_KINDS = (ColumnKind.DATETIME, ColumnKind.INTEGER, ColumnKind.NUMERIC)
"""Kinds an order column may have: a timestamp or a step number."""

_SHOWN = 5
"""Examples (rows, entities) an error message names."""


@dataclass
class Events:
    """Events sorted by entity, then time (ties in the source's order).

    Attributes
    ----------
    frame
        The events in working form (see :func:`datatwin.schema.coerce_table`), sorted.
    keys
        Entity, order and static columns (static ones found when not declared).
    entity_of
        Each row's entity number, ``0 .. entities-1`` in order of first appearance.
    time
        Each row's order value as a number: seconds since 1970 for timestamps.
    lengths, starts
        Each entity's number of events and its first row.
    ties
        Rows whose time equals the previous event's of the same entity.
    """

    frame: pd.DataFrame
    keys: SequenceKeys
    entity_of: np.ndarray
    time: np.ndarray
    lengths: np.ndarray
    starts: np.ndarray
    ties: int

    @property
    def entities(self) -> int:
        """Number of entities."""
        return len(self.lengths)

    @property
    def position(self) -> np.ndarray:
        """Each row's place in its entity's sequence, from 0."""
        return np.arange(len(self.frame)) - np.repeat(self.starts, self.lengths)


def check_keys(columns: list[str], keys: SequenceKeys) -> None:
    """Refuse keys naming columns the table lacks (one line naming them and the columns)."""
    missing = [c for c in keys.columns() if c not in columns]
    if missing:
        shown = columns if len(columns) <= 12 else [*columns[:12], "…"]
        raise ConfigError(
            f"The table has no column(s) {missing} named as entity, order or static; its columns are {shown}."
        )
    if keys.entity is not None and keys.entity == keys.order:
        raise ConfigError(f"Column {keys.order!r} cannot be both the entity and the order column.")


def prepare_events(frame: pd.DataFrame, schema: Schema) -> Events:
    """Check and sort the events of ``frame`` (whose columns ``schema`` describes, its
    ``sequence`` keys set).

    Raises
    ------
    DataError
        When the order column cannot be sorted (a kind other than a timestamp or a number,
        missing values), rows have no entity, or a declared static column changes within an
        entity: each problem names its column and examples.
    """
    keys = schema.sequence
    assert keys is not None
    check_keys([str(c) for c in frame.columns], keys)
    order_spec = schema[keys.order]
    if order_spec.kind not in ORDER_KINDS:
        raise DataError(
            [
                f"Order column {keys.order!r} holds {order_spec.kind.value} values, which cannot be sorted as time: "
                "give a timestamp or a whole-number step (or declare its kind as datetime in the schema)."
            ]
        )
    table = coerce_table(frame, schema)
    time = order_numbers(table[keys.order], order_spec.kind)
    problems = []
    if np.isnan(time).any():
        rows = np.flatnonzero(np.isnan(time))
        problems.append(
            f"Order column {keys.order!r} is empty in {len(rows)} row(s) (rows {_rows(rows)}): "
            "every event needs a time."
        )
    if keys.entity is not None and table[keys.entity].isna().any():
        rows = np.flatnonzero(table[keys.entity].isna().to_numpy())
        problems.append(
            f"Entity column {keys.entity!r} is empty in {len(rows)} row(s) (rows {_rows(rows)}): "
            "every event needs an entity."
        )
    if problems:
        raise DataError(problems)
    if keys.entity is None:
        codes = np.zeros(len(table), dtype=np.int64)
    else:
        codes = pd.factorize(table[keys.entity], sort=False)[0].astype(np.int64)
    rows = np.lexsort((time, codes))  # stable: ties keep the source's order
    table = table.iloc[rows].reset_index(drop=True)
    codes, time = codes[rows], time[rows]
    lengths = np.bincount(codes).astype(np.int64)
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
    same = np.zeros(len(table), dtype=bool)
    same[1:] = (codes[1:] == codes[:-1]) & (time[1:] == time[:-1])
    static = _static_columns(table, keys, codes, lengths, starts)
    return Events(table, SequenceKeys(keys.order, keys.entity, static), codes, time, lengths, starts, int(same.sum()))


def order_numbers(values: pd.Series, kind: ColumnKind) -> np.ndarray:
    """An order column's values as numbers: seconds since 1970 for timestamps."""
    if kind == ColumnKind.DATETIME:
        return seconds_since_1970(values)
    return values.to_numpy(dtype=np.float64, na_value=np.nan)


def _static_columns(
    table: pd.DataFrame, keys: SequenceKeys, codes: np.ndarray, lengths: np.ndarray, starts: np.ndarray
) -> tuple[str, ...]:
    """The declared static columns, checked constant within each entity; else the columns
    constant within every entity that has several events (none when fewer than two have)."""
    others = [c for c in table.columns if c not in (keys.entity, keys.order)]
    if keys.entity is None:
        return tuple(keys.static or ())
    entity_keys = table[keys.entity].to_numpy()[starts]  # the table is sorted: each entity's first row
    varying = _varying_within(table, others if keys.static is None else list(keys.static), codes, entity_keys)
    if keys.static is not None:
        problems = [
            f"Static column {column!r} changes within entity {entities[0]!r}"
            + (f" and {len(entities) - 1} other(s)" if len(entities) > 1 else "")
            + ": remove it from 'static' or make it constant per entity."
            for column, entities in varying.items()
        ]
        if problems:
            raise DataError(problems)
        return keys.static
    if (lengths > 1).sum() < 2:
        return ()
    return tuple(c for c in others if c not in varying)


def _varying_within(
    table: pd.DataFrame, columns: list[str], codes: np.ndarray, entity_keys: np.ndarray
) -> dict[str, list[object]]:
    """Per column that changes within some entity, those entities' keys (``entity_keys``, by
    entity number; missing counts as a value)."""
    found = {}
    for column in columns:
        values = pd.Series(pd.factorize(table[column], use_na_sentinel=False)[0])
        changes = (values.groupby(codes).nunique() > 1).to_numpy()
        if changes.any():
            found[column] = list(entity_keys[changes])
    return found


def _rows(rows: np.ndarray) -> str:
    shown = ", ".join(str(int(r) + 1) for r in rows[:_SHOWN])
    return shown + (", …" if len(rows) > _SHOWN else "")
