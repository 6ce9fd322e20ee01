"""The foreign key each table's rows are drawn under: its *primary* parent."""

from __future__ import annotations

import numpy as np

from datatwin.io.database import Database
from datatwin.relational.columns import filled_column_specs, value_columns
from datatwin.relational.order import GenerationPlan
from datatwin.schema import ColumnKind
from datatwin.schema.relational import ForeignKey, RelationalSchema, TableSchema

KIND_SAMPLE = 1000
"""Rows a column kind is judged on when only the kind matters."""


def primary_key_of(database: Database, table: TableSchema, plan: GenerationPlan) -> ForeignKey | None:
    """The foreign key a table's rows are drawn under, among the non-deferred keys that every
    row fills and whose parents are numerous enough to learn children counts from (at least √n
    of them for n children: payments not under Sakila's two staff members): the one to the
    deepest parent (order lines under their order, not under a product list), then to a parent
    with a date or time (an event that its children belong to: invoice lines under their
    invoice, not their track), then the one whose parents have the most children each. The key
    to the largest parent when no parent is numerous enough."""
    frame = database.tables[table.name]
    candidates = [
        k
        for k in database.schema.parents_of(table.name)
        if k not in plan.deferred and frame[list(k.columns)].notna().all(axis=None)
    ]
    if not candidates:
        return None
    sizes = {k: len(database.tables[k.parent]) for k in candidates}
    numerous = [k for k in candidates if sizes[k] >= np.sqrt(len(frame))]
    if not numerous:
        return max(candidates, key=lambda k: (sizes[k], k.describe()))
    depth = _depths(database.schema, plan)
    return max(
        numerous,
        key=lambda k: (depth[k.parent], _has_time(database, k.parent), len(frame) / max(sizes[k], 1), k.describe()),
    )


def _has_time(database: Database, name: str) -> bool:
    """Whether a table has a date or time value column (judged on its first rows)."""
    frame = database.tables[name]
    values = frame[value_columns(database.schema, database.schema.table(name), frame)].head(KIND_SAMPLE)
    return any(c.kind is ColumnKind.DATETIME for c in filled_column_specs(values))


def _depths(schema: RelationalSchema, plan: GenerationPlan) -> dict[str, int]:
    """Each table's distance from the roots through the keys drawn in order (not the deferred)."""
    depth: dict[str, int] = {}
    for name in plan.order:
        parents = [k.parent for k in schema.parents_of(name) if k not in plan.deferred]
        depth[name] = 1 + max((depth[p] for p in parents), default=-1)
    return depth
