"""The rules a database twin holds: those its relational schema states, those given in Python,
and — when the schema states none — those found in the data:

- a parent's column that is its children's sum (:func:`~datatwin.constraints.cross.discover_database_rules`);
- a child's date or time at or after its primary parent's (an order's shipment after the order
  was placed): an :class:`~datatwin.constraints.cross.AfterParent`;
- each table's own rules between its value columns (:func:`~datatwin.constraints.discover_rules`:
  orders, formulas, fixed combinations, conditional missingness), as
  :class:`~datatwin.constraints.cross.InTable`.

A rule found for a column that a stated or given rule already names is left out.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import pandas as pd

from datatwin.constraints import Order, Rule, discover_rules
from datatwin.constraints.cross import (
    SUPPORT,
    AfterParent,
    DatabaseRule,
    InTable,
    database_rules,
    discover_database_rules,
)
from datatwin.errors import DataError
from datatwin.io.database import Database
from datatwin.relational.columns import PARENT, filled_column_specs, value_columns
from datatwin.relational.order import GenerationPlan
from datatwin.relational.primary import KIND_SAMPLE, primary_key_of
from datatwin.schema import ColumnKind, infer_schema
from datatwin.schema.coerce import blanks_as_missing, coerce_table
from datatwin.schema.keys import parent_rows
from datatwin.schema.relational import ForeignKey


def with_rules(
    database: Database, rules: Sequence[Any], *, find: bool, plan: GenerationPlan, seed: int
) -> tuple[Database, list[DatabaseRule]]:
    """``database`` with its schema's rules — stated, then ``rules``, then (``find``, when the
    schema states none) those found in the data — every rule checked against the schema; and
    the rules found.

    Raises
    ------
    ConstraintError
        When a rule is malformed or names an unknown table, column or key column.
    """
    stated = [*(database.schema.rules or ()), *(r.to_dict() if isinstance(r, Rule) else r for r in rules)]
    checked = database_rules(stated, database.schema)
    found: list[DatabaseRule] = []
    if find and database.schema.rules is None:
        decided = {(r.table, c) for r in checked for c in r.columns()}
        found = [
            *discover_database_rules(database.tables, database.schema),
            *_found_in_tables(database, plan, seed),
        ]
        found = [r for r in found if not any((r.table, c) in decided for c in r.columns())]
    schema = dataclasses.replace(database.schema, rules=(*stated, *(r.to_dict() for r in found)))
    database_rules(schema.rules, schema)
    return Database(schema, database.tables, database.source), found


def without_rules(database: Database, left_out: list[DatabaseRule]) -> Database:
    """``database`` with its schema's rules but those ``left_out`` (found, but not held)."""
    dropped = [r.to_dict() for r in left_out]
    kept = tuple(r for r in database.schema.rules or () if r not in dropped)
    return Database(dataclasses.replace(database.schema, rules=kept), database.tables, database.source)


def _found_in_tables(database: Database, plan: GenerationPlan, seed: int) -> list[DatabaseRule]:
    """Each table's own rules, and its columns that come at or after its primary parent's."""
    found: list[DatabaseRule] = []
    for table in database.schema.tables:
        frame = database.tables[table.name]
        own = value_columns(database.schema, table, frame)
        joint = blanks_as_missing(frame[own]).reset_index(drop=True)
        primary = primary_key_of(database, table, plan)
        if primary is not None:
            joint = pd.concat([joint, _parent_times(database, primary)], axis=1)
        if joint.shape[1] < 2 or len(joint) < SUPPORT:
            continue
        try:
            schema = infer_schema(joint)
            rules = discover_rules(coerce_table(joint, schema), schema, seed=seed)
        except DataError:
            continue  # a column that cannot be learnt is reported when the table is
        for rule in rules:
            parents = [c for c in rule.columns() if c.startswith(PARENT)]
            if not parents:
                found.append(InTable(table.name, rule, support=rule.support))
            elif isinstance(rule, Order) and len(rule.columns()) == 2 and parents == [rule.columns()[0]]:
                after = AfterParent(table.name, rule.columns()[1], parents[0].removeprefix(PARENT), rule.strict)
                found.append(dataclasses.replace(after, support=rule.support))
    return found


def _parent_times(database: Database, key: ForeignKey) -> pd.DataFrame:
    """The primary parent's date and time value columns, per child row (``__parent__.<column>``)."""
    parent = database.tables[key.parent]
    table = database.schema.table(key.parent)
    values = blanks_as_missing(parent[value_columns(database.schema, table, parent)])
    times = [s.name for s in filled_column_specs(values.head(KIND_SAMPLE)) if s.kind is ColumnKind.DATETIME]
    rows = parent_rows(database.tables, key)
    linked = values[times].iloc[rows.clip(min=0)].reset_index(drop=True).astype(object)
    linked.loc[rows < 0, :] = None  # a child whose parent is missing
    return linked.rename(columns={c: PARENT + c for c in times})
