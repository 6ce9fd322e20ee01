"""The order tables are generated in: parents before children, with foreign-key cycles broken."""

from __future__ import annotations

from dataclasses import dataclass

from datatwin.schema.relational import ForeignKey, RelationalSchema


@dataclass(frozen=True)
class GenerationPlan:
    """Tables in generation order, and the foreign keys filled in only after every table exists
    (self-references and the one key chosen to break each cycle)."""

    order: tuple[str, ...]
    deferred: tuple[ForeignKey, ...]


def generation_plan(schema: RelationalSchema) -> GenerationPlan:
    """Topological order over foreign keys. Self-references are always deferred; a cycle is
    broken at a nullable key when it has one (``country.capital`` in World), else at its key
    with the fewest columns, then the first by name (Sakila's store ↔ staff, both NOT NULL)."""
    deferred = [k for k in schema.foreign_keys if k.is_self_reference]
    edges = [k for k in schema.foreign_keys if not k.is_self_reference]
    while True:
        order, stuck = _topological(schema, edges)
        if not stuck:
            return GenerationPlan(tuple(order), tuple(deferred))
        cycle = [k for k in edges if k.table in stuck and _reaches(edges, k.parent, k.table)]
        broken = min(cycle, key=lambda k: (not _nullable(schema, k), len(k.columns), k.describe()))
        deferred.append(broken)
        edges.remove(broken)


def _topological(schema: RelationalSchema, edges: list[ForeignKey]) -> tuple[list[str], set[str]]:
    """Kahn's algorithm in table order; the tables left over sit on (or behind) a cycle."""
    waiting = {t.name: {k.parent for k in edges if k.table == t.name} for t in schema.tables}
    order: list[str] = []
    while True:
        ready = [name for name, parents in waiting.items() if not parents]
        if not ready:
            break
        for name in ready:
            order.append(name)
            del waiting[name]
        for parents in waiting.values():
            parents.difference_update(ready)
    return order, set(waiting)


def _reaches(edges: list[ForeignKey], start: str, goal: str) -> bool:
    """Whether ``start`` depends, through foreign keys, on ``goal`` (so an edge goal → start closes a cycle)."""
    seen, todo = set(), [start]
    while todo:
        table = todo.pop()
        if table == goal:
            return True
        if table not in seen:
            seen.add(table)
            todo += [k.parent for k in edges if k.table == table]
    return False


def _nullable(schema: RelationalSchema, key: ForeignKey) -> bool:
    table = schema.table(key.table)
    return not any(c in table.not_null or c in table.primary_key for c in key.columns)
