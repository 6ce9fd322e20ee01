"""Telling a table of sequences from a table of independent rows, and proposing its keys.

A table looks sequential when some column orders rows — a timestamp, or a whole-number step
with a time-like name — and either it is unique on its own (one series) or unique within the
groups of another column that repeats (an entity: a customer, a station, a ticker).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from datatwin.schema import ColumnKind, Schema, SequenceKeys

UNIQUE_WITHIN = 0.95
"""Share of rows whose (entity, order) pair no other row has."""
MIN_MEAN_LENGTH = 2.0
MIN_SERIES_ROWS = 50
_ORDER_NAMES = re.compile(r"(time|date|ts|stamp|step|period|year|day|hour|seq|when|at)$|^(t|ts|step)$", re.I)
_ENTITY_NAMES = re.compile(r"(id|key|code|name|station|ticker|symbol|user|customer|account|device|entity)$", re.I)
ENTITY_KINDS = (ColumnKind.ID, ColumnKind.CATEGORICAL, ColumnKind.INTEGER, ColumnKind.PII)


def propose_keys(frame: pd.DataFrame, schema: Schema) -> SequenceKeys | None:
    """The entity and order columns ``frame`` looks sequential by, or ``None``."""
    orders = [c.name for c in schema.columns if _orders(frame, c.name, c.kind)]
    if not orders:
        return None
    orders.sort(key=lambda c: (schema[c].kind != ColumnKind.DATETIME, not _ORDER_NAMES.search(c)))
    candidates = [c.name for c in schema.columns if c.kind in ENTITY_KINDS and c.name not in orders]
    candidates.sort(key=lambda c: not _ENTITY_NAMES.search(c))
    for order in orders:
        for entity in candidates:
            groups = frame[entity]
            distinct = groups.nunique()
            if distinct < 2 or len(frame) / distinct < MIN_MEAN_LENGTH:
                continue
            named = bool(_ENTITY_NAMES.search(entity)) or schema[entity].kind == ColumnKind.ID
            if not named and frame[order].duplicated().mean() <= 0.05:
                continue  # any label splits a log of unique times: only a key-like one is an entity
            unique = ~frame.duplicated(subset=[entity, order], keep=False)
            if unique.mean() >= UNIQUE_WITHIN:
                return SequenceKeys(order, entity)
        if len(frame) >= MIN_SERIES_ROWS and not frame[order].duplicated().any():
            return SequenceKeys(order, None)
    return None


def _orders(frame: pd.DataFrame, name: str, kind: ColumnKind) -> bool:
    if kind == ColumnKind.DATETIME:
        return bool(frame[name].notna().all())
    if kind == ColumnKind.INTEGER and _ORDER_NAMES.search(name):
        values = pd.to_numeric(frame[name], errors="coerce")
        return bool(values.notna().all()) and bool(np.all(np.isfinite(values)))
    return False
