"""Keys by construction: primary and unique columns from each row's index, references from the
parents' keys — no regenerate-until-new.

A whole-number key is its row's number (1, 2, …; within a CHECK's bounds); a text key is a
drawn value with a counter where the pool of drawn values runs out, cut to the column's length;
a composite key of references draws distinct parent combinations; a composite key with a
column of its own numbers that column within each parent (an invoice's lines 1, 2, 3). A
reference picks a parent by a skewed popularity (some customers order much more than others)
or, with ``children_per_parent``, gives each parent a count in the range. A table that refers
to itself points each row at an earlier one (a hierarchy, never a loop).
"""

from __future__ import annotations

import string
from typing import Any

import numpy as np
import pandas as pd

from datatwin.errors import ConfigError
from datatwin.testdata.spec import ColumnPlan, ForeignKeyPlan, TablePlan
from datatwin.testdata.values import fit_length, pool, provider_for

DIGITS = string.digits + string.ascii_uppercase


def room(column: ColumnPlan) -> float:
    """How many distinct values a column can take (infinite when it is not a closed set)."""
    if column.categories is not None:
        return len(column.categories)
    if column.type == "boolean":
        return 2
    if column.type == "integer" and column.minimum is not None and column.maximum is not None:
        return float(column.maximum) - float(column.minimum) + 1
    if column.type == "date" and column.minimum is not None and column.maximum is not None:
        return (pd.Timestamp(column.maximum) - pd.Timestamp(column.minimum)).days + 1
    if column.type == "text" and column.length is not None:
        return float(len(DIGITS)) ** column.length
    return np.inf


def unique_values(
    column: ColumnPlan, start: int, size: int, total: int, table: str, rng: np.random.Generator, faker: Any
) -> pd.Series:
    """Values ``start … start + size − 1`` of a column no two rows share (of ``total`` rows).

    Raises
    ------
    ConfigError
        When the column cannot hold ``total`` distinct values (naming table, column and room).
    """
    if room(column) < total:
        raise ConfigError(
            f"Table {table!r} wants {total:,} rows, but its unique column {column.name!r} can take only "
            f"{int(room(column)):,} distinct values: ask for fewer rows or widen the column."
        )
    index = np.arange(start, start + size)
    if column.categories is not None:
        return pd.Series(np.asarray(column.categories, dtype=object)[index])
    if column.type in ("integer", "decimal", "float"):
        low = 1 if column.minimum is None else float(column.minimum) + (1 if column.strict_minimum else 0)
        step = 1.0 if column.type == "integer" else 10.0 ** -(column.scale or 0)
        values = low + index * step
        return pd.Series(values.astype(np.int64) if column.type == "integer" else np.round(values, column.scale or 6))
    if column.type == "boolean":
        return pd.Series(index == 1)
    if column.type in ("date", "timestamp"):
        first = pd.Timestamp(column.minimum if column.minimum is not None else "2020-01-01")
        stamps = pd.Series(first + pd.to_timedelta(index, unit="D" if column.type == "date" else "s"))
        return stamps.dt.date.astype(object) if column.type == "date" else stamps
    if column.type == "uuid":
        return pd.Series([f"{(n * 0x9E3779B97F4A7C15) % (1 << 128):032x}" for n in index]).map(
            lambda h: f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:32]}"
        )
    return pd.Series(_unique_text(column, index, total, rng, faker), dtype=object)


def _unique_text(column: ColumnPlan, index: np.ndarray, total: int, rng: np.random.Generator, faker: Any) -> np.ndarray:
    width = len(_base36(max(total - 1, 0)))
    if column.length is not None and column.length < width + 1:
        return np.array([_base36(i).rjust(min(column.length, width), "0") for i in index], dtype=object)
    provider = (column.generator or {}).get("faker") or provider_for(column) or "word"
    base = pool(str(provider), faker, np.random.default_rng(int(rng.integers(2**31))))[index % 997]
    counter = [_base36(i) for i in index]
    if column.length is not None:
        base = fit_length(base, ColumnPlan(column.name, "text", length=column.length - width - 1))
    out = []
    for value, count in zip(base, counter, strict=True):
        local, at, domain = value.partition("@")
        out.append(f"{local}.{count}@{domain}" if at else f"{value}-{count}")
    return np.array(out, dtype=object)


def _base36(number: int) -> str:
    text = ""
    while True:
        number, digit = divmod(int(number), 36)
        text = DIGITS[digit] + text
        if number == 0:
            return text


def parents_of(key: ForeignKeyPlan, children: int, parents: int, rng: np.random.Generator) -> np.ndarray:
    """Each child row's parent (a row index of the parent table), grouped by parent when the
    key gives a range of children per parent."""
    if parents == 0:
        raise ConfigError(f"Rows refer to table {key.parent!r}, which gets no rows: give it rows.")
    if key.children_per_parent is not None:  # the counts children_count drew, from the same stream
        low, high = key.children_per_parent
        counts = rng.integers(low, high + 1, parents)
        rows = np.repeat(np.arange(parents), counts)
        if len(rows) < children:  # a size set by hand above the ranges: the rest to random parents
            rows = np.sort(np.concatenate([rows, rng.choice(parents, children - len(rows))]))
        return rows[:children]
    popularity = np.exp(rng.normal(0, 1.0, parents))
    return rng.choice(parents, size=children, p=popularity / popularity.sum())


def children_count(key: ForeignKeyPlan, parents: int, rng: np.random.Generator) -> int:
    """Rows a table gets from its parents' ranges of children."""
    assert key.children_per_parent is not None
    low, high = key.children_per_parent
    return int(rng.integers(low, high + 1, parents).sum())


def earlier_rows(size: int, start: int, rng: np.random.Generator) -> np.ndarray:
    """For rows ``start …``: an earlier row each (−1 for the very first row: none)."""
    index = np.arange(start, start + size)
    return np.where(index > 0, np.floor(rng.random(size) * index).astype(np.int64), -1)


def distinct_combinations(sizes: list[int], count: int, rng: np.random.Generator, table: TablePlan) -> np.ndarray:
    """``count`` distinct tuples of row indices, one per parent (a composite key of references).

    Raises
    ------
    ConfigError
        When the parents have fewer combinations than rows asked for.
    """
    space = float(np.prod([float(s) for s in sizes]))
    if space < count:
        raise ConfigError(
            f"Table {table.name!r} wants {count:,} rows, but its key's parents allow only {int(space):,} "
            "distinct combinations: ask for fewer rows or more parent rows."
        )
    if space <= 50_000_000:
        flat = rng.choice(int(space), size=count, replace=False)
    else:
        flat = np.unique(rng.integers(0, int(space), int(count * 1.2) + 64))
        while len(flat) < count:
            flat = np.unique(np.r_[flat, rng.integers(0, int(space), count)])
        flat = rng.permutation(flat)[:count]
    out = np.empty((count, len(sizes)), dtype=np.int64)
    for i in range(len(sizes) - 1, -1, -1):
        flat, out[:, i] = np.divmod(flat, sizes[i])
    return out
