"""Making every table's rows, a batch at a time, with keys, references and checks held.

Before any row is drawn, :class:`Layout` settles each table's size, every key column's values
(from the row's index, :mod:`~datatwin.testdata.keys`) and every reference's parent rows. A
table's rows can then be drawn in batches in any order — a child before its parent, a cycle of
references included — since the keys a batch refers to are known; the writer adds or checks the
foreign keys once every table is written.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd

from datatwin.constraints import AfterParent, ChildSum
from datatwin.constraints.expression import Formula as Expression
from datatwin.errors import ConfigError
from datatwin.testdata.cells import as_column, as_numbers, step_of
from datatwin.testdata.edges import with_edge_cases
from datatwin.testdata.hold import hold_rules
from datatwin.testdata.keys import (
    children_count,
    distinct_combinations,
    earlier_rows,
    parents_of,
    unique_values,
)
from datatwin.testdata.spec import DataSpec, ForeignKeyPlan, TablePlan
from datatwin.testdata.values import draw_column

BATCH_ROWS = 100_000
NULL_SHARE = 0.02
"""Share of missing cells in a column that allows them (and is no key), unless its generator says."""


class Layout:
    """Sizes, key values and parent rows of every table, settled before drawing.

    Raises
    ------
    ConfigError
        When sizes cannot be met: a unique column or a key's parents with too little room,
        references to a table without rows, a size that is not a whole number ≥ 0.
    """

    def __init__(self, spec: DataSpec, *, rows: int, sizes: dict[str, int], seed: int) -> None:
        unknown = sorted(set(sizes) - {t.name for t in spec.tables})
        if unknown:
            raise ConfigError(
                f"--size names unknown table(s) {unknown}; the tables are {[t.name for t in spec.tables]}."
            )
        if rows < 0 or any(v < 0 for v in sizes.values()):
            raise ConfigError("Row counts must be whole numbers ≥ 0.")
        self.spec, self.seed = spec, seed
        from faker import Faker

        self.faker = Faker(spec.locale)
        self.sizes: dict[str, int] = {}
        for table in _parents_first(spec):
            self.sizes[table.name] = self._size(table, rows, sizes)
        self.keys: dict[tuple[str, str], pd.Series] = {}
        self.parents: dict[tuple[str, int], np.ndarray] = {}
        self.counters: dict[tuple[str, str], np.ndarray] = {}
        for table in spec.tables:
            self._key_values(table)
        for table in spec.tables:
            self._references(table)
        self.settled: dict[tuple[str, str], pd.Series] = {}
        for rule in spec.rules:
            self._settle(rule)

    def _rng(self, *parts: Any) -> np.random.Generator:
        """A stream of its own for each purpose (same seed, same bytes, whatever else is made)."""
        digest = hashlib.sha256("\x1f".join(map(str, parts)).encode()).digest()
        return np.random.default_rng([self.seed, int.from_bytes(digest[:8], "little")])

    def _size(self, table: TablePlan, rows: int, sizes: dict[str, int]) -> int:
        if table.name in sizes:
            return int(sizes[table.name])
        if table.rows is not None:
            return table.rows
        ranged = [k for k in table.foreign_keys if k.children_per_parent is not None and k.parent != table.name]
        if ranged:
            key = ranged[0]
            return children_count(key, self.sizes[key.parent], self._rng("children", table.name, key.parent))
        return rows

    def _key_values(self, table: TablePlan) -> None:
        """Values of the table's single-column primary and unique keys, from each row's index."""
        referenced = {c for k in table.foreign_keys for c in k.columns}
        singles = [(table.primary_key[0],)] if len(table.primary_key) == 1 else []
        singles += [u for u in table.unique if len(u) == 1]
        composite = [k for k in [table.primary_key, *table.unique] if len(k) > 1]
        for key in composite:  # a composite key: a column of its own made unique, unless all are references
            own = [c for c in key if c not in referenced]
            if own:
                singles.append((own[-1],))
        n = self.sizes[table.name]
        for (name,) in dict.fromkeys(singles):
            if name in referenced:
                continue
            column = table.column(name)
            self.keys[table.name, name] = unique_values(
                column, 0, n, n, table.name, self._rng("key", table.name, name), self.faker
            )

    def _settle(self, rule: ChildSum | AfterParent) -> None:
        """Draw, once for all rows, the columns a rule across tables reads: the parent's value a
        child's date follows, the children's inputs to a parent's sum — and the sums."""
        if isinstance(rule, AfterParent):
            key = self.spec.table(rule.table).foreign_keys[self.spec.parent_link(rule)]
            self._settle_column(self.spec.table(key.parent), rule.parent_column)
            return
        child, parent = self.spec.table(rule.child), self.spec.table(rule.table)
        expression = Expression(rule.expression)
        for name in expression.names:
            self._settle_column(child, name)
        values = expression.evaluate(
            {n: np.nan_to_num(as_numbers(self.settled[child.name, n])) for n in expression.names}
        )
        rows = self.parents[child.name, self.spec.link(child.name, parent.name)]
        totals = np.bincount(rows, weights=values, minlength=self.sizes[parent.name])
        column = parent.column(rule.column)
        places = rule.decimals if rule.decimals is not None else (0 if column.type == "integer" else column.scale)
        shown = np.round(totals, places if places is not None else 6)
        self.settled[parent.name, rule.column] = as_column(shown, column).reset_index(drop=True)

    def _settle_column(self, table: TablePlan, name: str) -> None:
        if (table.name, name) not in self.keys and (table.name, name) not in self.settled:
            rng = self._rng("settled", table.name, name)
            drawn = draw_column(table.column(name), self.sizes[table.name], rng, self.faker)
            self.settled[table.name, name] = drawn.reset_index(drop=True)

    def _after_parents(self, frame: pd.DataFrame, table: TablePlan, start: int) -> pd.DataFrame:
        """Each of the table's after-parent columns at or after its parent's value: the parent's
        value plus the gap the two drawn values had (a strict rule: at least one step more)."""
        for rule in self.spec.rules:
            if not isinstance(rule, AfterParent) or rule.table != table.name:
                continue
            index = self.spec.parent_link(rule)
            key = table.foreign_keys[index]
            rows = self.parents[table.name, index][start : start + len(frame)]
            base = as_numbers(self.settled[key.parent, rule.parent_column].iloc[rows].reset_index(drop=True))
            own = as_numbers(frame[rule.column])
            column = table.column(rule.column)
            gap = np.abs(own - base) + (step_of(column) if rule.strict else 0.0)
            frame[rule.column] = as_column(np.where(np.isnan(own), np.nan, base + gap), column)
        return frame

    def _references(self, table: TablePlan) -> None:
        n = self.sizes[table.name]
        referenced_key = next(
            (
                k
                for k in [table.primary_key, *table.unique]
                if len(k) > 1 and all(c in _columns_of(table.foreign_keys) for c in k)
            ),
            None,
        )
        keys = [k for k in table.foreign_keys if k.parent != table.name]
        if referenced_key is not None:  # a key made of references: distinct parent combinations
            covering = [k for k in keys if set(k.columns) & set(referenced_key)]
            combos = distinct_combinations(
                [self.sizes[k.parent] for k in covering], n, self._rng("combos", table.name), table
            )
            for i, key in enumerate(covering):
                self.parents[table.name, table.foreign_keys.index(key)] = combos[:, i]
        for key in keys:
            index = table.foreign_keys.index(key)
            if (table.name, index) not in self.parents:
                ranged = key.children_per_parent is not None  # the stream that drew the table's size
                rng = (
                    self._rng("children", table.name, key.parent) if ranged else self._rng("parents", table.name, index)
                )
                self.parents[table.name, index] = parents_of(key, n, self.sizes[key.parent], rng)
        for composite in [table.primary_key, *table.unique]:  # an invoice's lines numbered 1, 2, 3 within it
            own = [c for c in composite if c not in _columns_of(table.foreign_keys)]
            parents = [k for k in keys if set(k.columns) <= set(composite)]
            if len(composite) > 1 and len(own) == 1 and len(parents) == 1 and table.column(own[0]).type == "integer":
                rows = pd.Series(self.parents[table.name, table.foreign_keys.index(parents[0])])
                self.keys[table.name, own[0]] = (
                    (rows.groupby(rows).cumcount() + 1).astype(np.int64).reset_index(drop=True)
                )
        for key in keys:  # a parent's rows need keys to point at
            for column in key.parent_columns:
                if (key.parent, column) not in self.keys:
                    raise ConfigError(
                        f"Table {table.name!r} refers to {key.parent}({', '.join(key.parent_columns)}), which is not a "
                        f"single-column primary or unique key of {key.parent!r}: the generator cannot point at it."
                    )

    def batches(self, table: TablePlan, *, edge_share: float) -> Iterator[pd.DataFrame]:
        """The table's rows, :data:`BATCH_ROWS` at a time."""
        n = self.sizes[table.name]
        for number, start in enumerate(range(0, n, BATCH_ROWS)):
            size = min(BATCH_ROWS, n - start)
            yield self._batch(table, start, size, self._rng("rows", table.name, number), edge_share)

    def _batch(
        self, table: TablePlan, start: int, size: int, rng: np.random.Generator, edge_share: float
    ) -> pd.DataFrame:
        out: dict[str, pd.Series] = {}
        fixed: set[str] = set()
        for index, key in enumerate(table.foreign_keys):
            if key.parent == table.name:
                rows = earlier_rows(size, start, rng)
                for referring, parent_column in zip(key.columns, key.parent_columns, strict=True):
                    values = self.keys[table.name, parent_column]
                    picked = values.iloc[np.maximum(rows, 0)].reset_index(drop=True)
                    out[referring] = (
                        picked.where(pd.Series(rows >= 0), None) if not table.column(referring).not_null else picked
                    )
            else:
                rows = self.parents[table.name, index][start : start + size]
                for referring, parent_column in zip(key.columns, key.parent_columns, strict=True):
                    out[referring] = self.keys[key.parent, parent_column].iloc[rows].reset_index(drop=True)
            fixed.update(key.columns)
        for column in table.columns:
            settled = self.keys.get((table.name, column.name), self.settled.get((table.name, column.name)))
            if settled is not None:
                out[column.name] = settled.iloc[start : start + size].reset_index(drop=True)
                fixed.add(column.name)
            elif column.name not in out:
                out[column.name] = draw_column(column, size, rng, self.faker).reset_index(drop=True)
        frame = pd.DataFrame({c.name: out[c.name] for c in table.columns})
        keys = fixed | {c for k in [table.primary_key, *table.unique] for c in k}
        frame = _with_nulls(frame, table, keys, rng)
        frame = with_edge_cases(frame, table, keys, edge_share, rng)
        frame = _ordered(self._after_parents(frame, table, start), table)
        return hold_rules(frame, table, rng)


def _columns_of(keys: list[ForeignKeyPlan]) -> set[str]:
    return {c for k in keys for c in k.columns}


def _parents_first(spec: DataSpec) -> list[TablePlan]:
    """Tables whose size follows their parents' (children per parent) after those parents."""
    from graphlib import CycleError, TopologicalSorter

    graph = {
        t.name: [k.parent for k in t.foreign_keys if k.children_per_parent is not None and k.parent != t.name]
        for t in spec.tables
    }
    try:
        order = list(TopologicalSorter(graph).static_order())
    except CycleError as exc:
        raise ConfigError(f"children_per_parent ranges go round in a circle: {list(exc.args[1])}.") from None
    return [spec.table(name) for name in order]


def _with_nulls(frame: pd.DataFrame, table: TablePlan, keys: set[str], rng: np.random.Generator) -> pd.DataFrame:
    for column in table.columns:
        if column.not_null or column.name in keys:
            continue
        share = float((column.generator or {}).get("null_share", NULL_SHARE))
        missing = rng.random(len(frame)) < share
        if missing.any():
            frame[column.name] = frame[column.name].astype(object).where(~pd.Series(missing), None)
    return frame


def _ordered(frame: pd.DataFrame, table: TablePlan) -> pd.DataFrame:
    """Each CHECK ``low < high`` held: ``high`` redrawn as ``low`` plus the gap the two values had."""
    for low, high, strict in table.orders:
        a, b = as_numbers(frame[low]), as_numbers(frame[high])
        both = ~np.isnan(a) & ~np.isnan(b)
        column = table.column(high)
        step = step_of(column)
        gap = np.abs(b - a) + (step if strict else 0.0)
        if column.maximum is not None and column.type in ("integer", "decimal", "float"):
            gap = np.minimum(gap, np.maximum(float(column.maximum) - a, step if strict else 0.0))
        value = np.where(both, a + gap, b)
        frame[high] = as_column(value, column)
    return frame
