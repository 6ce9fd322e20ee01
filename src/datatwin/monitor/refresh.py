"""Refreshing a twin on new data: the old schema carried over, widened where the data moved.

A refreshed twin keeps its predecessor's columns, kinds, formats and rules, so what it writes
stays compatible with what the old one wrote; where the new data goes beyond the old schema,
the schema is widened and the change reported: new labels join a column's categories, bounds
grow to take in new extremes, columns that appeared are added (as inferred), columns gone
from the data are dropped (nothing is left to learn them from), and a column whose kind
changed takes its new kind. The model is the old one's, with its options and seed, trained
afresh: starting argn from the old weights took no fewer epochs, from a worse first epoch,
because its number bins move with the data and the old weights then point at the wrong bins
(docs/monitoring.md has the measurement).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from datatwin.constraints.rules import rule_from_dict
from datatwin.schema import ColumnKind, ColumnSpec, Schema


@dataclass
class SchemaChanges:
    """How the new data's schema differs from the old twin's (``to_dict`` for JSON)."""

    new_columns: list[str] = field(default_factory=list)
    gone_columns: list[str] = field(default_factory=list)
    new_labels: dict[str, list[Any]] = field(default_factory=dict)
    widened_bounds: dict[str, dict[str, list[Any]]] = field(default_factory=dict)
    changed_kinds: dict[str, list[str]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def lines(self) -> list[str]:
        """One readable line per change."""
        out = [f"new column {c!r}" for c in self.new_columns]
        out += [f"column {c!r} is gone from the data (dropped)" for c in self.gone_columns]
        out += [f"column {c!r}: new label(s) {labels}" for c, labels in self.new_labels.items()]
        out += [f"column {c!r}: bounds {b['before']} widened to {b['now']}" for c, b in self.widened_bounds.items()]
        out += [f"column {c!r}: kind {k[0]} is now {k[1]}" for c, k in self.changed_kinds.items()]
        return out


def merge_schemas(old: Schema, new: Schema) -> tuple[Schema, SchemaChanges]:
    """The old schema carried over to the new data's columns and widened to them (see the module)."""
    changes = SchemaChanges()
    columns: list[ColumnSpec] = []
    new_names = set(new.names)
    for spec in old.columns:
        if spec.name not in new_names:
            changes.gone_columns.append(spec.name)
            continue
        seen = new[spec.name]
        if seen.kind != spec.kind:
            changes.changed_kinds[spec.name] = [spec.kind.value, seen.kind.value]
            columns.append(seen)
            continue
        columns.append(_widened(spec, seen, changes))
    for spec in new.columns:
        if spec.name not in set(old.names):
            changes.new_columns.append(spec.name)
            columns.append(spec)
    kept = {c.name for c in columns}
    rules = None
    if old.rules is not None:
        rules = tuple(r for r in old.rules if set(rule_from_dict(r, "the old twin's schema").columns()) <= kept)
    sequence = old.sequence if old.sequence is not None and set(old.sequence.columns()) <= kept else None
    return dataclasses.replace(old, columns=tuple(columns), rules=rules, sequence=sequence), changes


def _widened(spec: ColumnSpec, seen: ColumnSpec, changes: SchemaChanges) -> ColumnSpec:
    updates: dict[str, Any] = {}
    if spec.kind == ColumnKind.CATEGORICAL and spec.categories is not None and seen.categories is not None:
        added = [label for label in seen.categories if label not in set(spec.categories)]
        if added:
            changes.new_labels[spec.name] = added
            updates["categories"] = (*spec.categories, *added)
    if spec.minimum is not None and seen.minimum is not None and _below(seen.minimum, spec.minimum):
        updates["minimum"] = seen.minimum
    if spec.maximum is not None and seen.maximum is not None and _below(spec.maximum, seen.maximum):
        updates["maximum"] = seen.maximum
    if "minimum" in updates or "maximum" in updates:
        changes.widened_bounds[spec.name] = {
            "before": [spec.minimum, spec.maximum],
            "now": [updates.get("minimum", spec.minimum), updates.get("maximum", spec.maximum)],
        }
    return dataclasses.replace(spec, **updates) if updates else spec


def _below(a: Any, b: Any) -> bool:
    try:
        return bool(a < b)
    except TypeError:  # bounds of different types (a number and a date string): not comparable
        return False
