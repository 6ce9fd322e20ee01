"""Drawing a synthetic database from a :class:`~datatwin.relational.model.FittedDatabase`.

Tables are drawn parents first (:mod:`datatwin.relational.order`):

- a reference table is written out as it is (its size does not scale);
- a root table gets ``scale`` × its real rows; each child table's rows are drawn under its
  primary parent, each parent getting its learnt number of children (the counts rescaled so the
  table gets ``scale`` × its real size), with the parent's values (and the grandparent's the
  parent was drawn with) as context; events of a parent along a time column are drawn by their
  sequence twin (:mod:`datatwin.relational.events`), other sequences position by position,
  each row given the previous sibling it follows;
- other foreign keys are drawn in proportion to the parents' learnt child counts; in a table
  whose composite key is made of foreign keys (many-to-many links) a parent's rows refer to
  distinct partners, so the key does not repeat;
- single-column primary keys are drawn anew: whole numbers beyond the real ones (never a real
  key), or codes in the real keys' shape (text); keys deferred by the generation plan
  (self-references, one key per cycle) are filled once every table exists; rows still
  repeating a composite key or a unique set are dropped before any child refers to them.

A large sample is drawn in partitions (``part`` of ``parts``), each on its own, by any process
or machine: a partition is a database of its own share of every root table's rows, their
children and their children's children, with references among its own rows (and to every
reference table); its keys come from its own share of each key's range or strings, so the
partitions' tables put together repeat no key. A one-partition sample is the whole database.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from datatwin.constraints.cross import hold_database_rules
from datatwin.io.database import Database
from datatwin.pipeline import sample_table
from datatwin.relational.columns import CHILDREN, PARENT, POSITION, PREVIOUS, count_column
from datatwin.relational.context import as_drawn, grandparent_context, is_context, parent_values
from datatwin.relational.dangling import add_dangling
from datatwin.relational.events import sample_events
from datatwin.relational.model import FittedDatabase, TableModel
from datatwin.schema import ColumnKind
from datatwin.schema.keys import key_text
from datatwin.schema.relational import ForeignKey, TableSchema
from datatwin.transforms.identifier import new_codes, new_whole_keys

_REDRAW_ROUNDS = 20
"""Rounds of redrawing repeated link-table partners before the rest are dropped."""


def sample_database(twin: FittedDatabase, *, scale: float, seed: int, part: int = 0, parts: int = 1) -> Database:
    """A synthetic database (see the module docstring), every table ``scale`` times its real
    size; with ``parts``, partition ``part`` of it, drawn from (``seed``, ``part``) alone."""
    if parts == 1:
        rng = np.random.default_rng(seed)
        key_rng = np.random.default_rng(np.random.SeedSequence(seed).spawn(1)[0])  # keys: a stream of their own
        dangling_seed = seed
    else:
        stream = np.random.SeedSequence(seed, spawn_key=(PARTITION_STREAM, part))
        rng, key_rng = (np.random.default_rng(s) for s in stream.spawn(2))
        dangling_seed = int(stream.generate_state(1)[0])
    share = _Share(scale, part, parts)
    plan = twin.plan
    drawn: dict[str, pd.DataFrame] = {}
    for name in plan.order:
        model, table = twin.tables[name], twin.schema.table(name)
        if model.reference is not None:  # written out as it is, keys and all
            drawn[name] = model.reference.copy()
            continue
        if model.primary is None:
            rows = _with_counts(_sample_values(model, share.rows(model), None, rng), model, rng)
        else:
            rows = _sample_children(twin, model, drawn[model.primary.parent], share.rows(model), rng)
        rows = _with_primary_key(rows, table, model, share, key_rng)
        for column in model.empty_text:  # learnt as missing, but the source never had NULLs there
            rows[column] = rows[column].astype(object).where(rows[column].notna(), "")
        _fill_not_null(rows, table)
        for key in twin.schema.parents_of(name):
            if key != model.primary and key not in plan.deferred:
                _draw_references(rows, key, drawn[key.parent], model, rng, distinct_within=_link_partner(table, model))
        drawn[name] = _without_repeats(rows, table)
    for key in plan.deferred:
        _draw_references(drawn[key.table], key, drawn[key.parent], twin.tables[key.table], rng)
    tables = {t.name: drawn[t.name].reindex(columns=list(t.columns)).reset_index(drop=True) for t in twin.schema.tables}
    add_dangling(tables, twin.schema, twin.dangling, dangling_seed)
    if twin.schema.rules:
        hold_database_rules(tables, twin.schema, _decimals(twin))
    return Database(twin.schema, tables, "datatwin synthetic database")


PARTITION_STREAM = 1
"""Spawn key under which a partition's random streams are drawn from the sample's seed."""


class _Share:
    """A partition's share of every table: ``part`` of ``parts`` equal cuts of its rows."""

    def __init__(self, scale: float, part: int, parts: int) -> None:
        self.scale, self.part, self.parts = scale, part, parts

    def total(self, model: TableModel) -> int:
        """The table's rows in the whole sample."""
        return max(round(self.scale * model.real_rows), 0)

    def start(self, model: TableModel) -> int:
        """Where the partition's rows begin among the whole sample's."""
        return self.total(model) * self.part // self.parts

    def rows(self, model: TableModel) -> int:
        """The partition's rows of the table."""
        return self.total(model) * (self.part + 1) // self.parts - self.start(model)


def _decimals(twin: FittedDatabase) -> dict[tuple[str, str], int | None]:
    """Decimals each learnt number column is written with (whole numbers: 0)."""
    out: dict[tuple[str, str], int | None] = {}
    for name, model in twin.tables.items():
        if model.fitted is None:
            continue
        for spec in model.fitted.schema.columns:
            out[name, spec.name] = 0 if spec.kind is ColumnKind.INTEGER else spec.decimals
    return out


def _sample_children(
    twin: FittedDatabase, model: TableModel, parents: pd.DataFrame, total: int, rng: np.random.Generator
) -> pd.DataFrame:
    """``total`` rows of a child table under ``parents``, each parent its learnt share of them."""
    key = model.primary
    assert key is not None
    counts = _rescaled(parents[count_column(key)].to_numpy(), total, rng)
    parent = twin.tables[key.parent]
    each_parent = np.arange(len(parents))
    per_parent = pd.concat(
        [
            as_drawn(parent_values(parents, parent.value_columns, each_parent), parent),
            grandparent_context(parents, each_parent),
        ],
        axis=1,
    )
    rows_of_parent = np.repeat(each_parent, counts)
    given = per_parent.iloc[rows_of_parent].reset_index(drop=True)
    context = given[[c for c in given.columns if c.startswith(PARENT)]]
    if model.events is not None:
        rows = _whole_counts(sample_events(model.events, per_parent, counts, rng))
    elif model.sequence_length:
        rows = _sample_sequences(model, given, counts, rng)
    else:
        rows = _sample_values(model, int(counts.sum()), given, rng)
    rows = _with_counts(rows, model, rng)
    rows[list(context.columns)] = context.to_numpy()  # kept (not written) for the grandchildren
    for column, parent_column in zip(key.columns, key.parent_columns, strict=True):
        rows[column] = parents[parent_column].repeat(counts).to_numpy()
    _redraw_repeated_keys(rows, twin.schema.table(key.table), model, given, counts, rng)
    return rows


def _redraw_repeated_keys(
    rows: pd.DataFrame,
    table: TableSchema,
    model: TableModel,
    given: pd.DataFrame,
    counts: np.ndarray,
    rng: np.random.Generator,
) -> None:
    """Rows repeating a composite primary key made partly of drawn values (a country's languages)
    drawn again in their context (and, in a sequence, after the sibling before them), a few
    rounds, so that fewer are dropped."""
    drawn = [c for c in table.primary_key if c in model.value_columns]
    if len(table.primary_key) < 2 or not drawn:
        return
    positions = _positions(counts)
    for _ in range(_REDRAW_ROUNDS):
        repeated = np.flatnonzero(rows.duplicated(subset=list(table.primary_key)).to_numpy())
        if not len(repeated):
            return
        context = given.iloc[repeated].reset_index(drop=True)
        if model.sequence_length:
            context[POSITION] = np.minimum(positions[repeated], model.sequence_length - 1)
            first = positions[repeated] == 0
            for column in model.value_columns:
                before = rows[column].to_numpy(dtype=object)[np.maximum(repeated - 1, 0)]
                context[PREVIOUS + column] = np.where(first, None, before)
        again = _sample_values(model, len(repeated), context, rng)
        for column in model.value_columns:
            _set_rows(rows, column, repeated, again[column].to_numpy())
    if len(drawn) == 1:
        _complete_from_pool(rows, table, drawn[0], rng)


def _set_rows(rows: pd.DataFrame, column: str, at: np.ndarray, values: np.ndarray) -> None:
    """``rows[column]`` at positions ``at`` set to ``values``; a column whose type cannot hold
    them (a redrawn missing value in a column of booleans) is widened to objects first."""
    try:
        rows.loc[rows.index[at], column] = values
    except (TypeError, ValueError):
        widened = rows[column].to_numpy(dtype=object, copy=True)
        widened[at] = values
        rows[column] = widened


def _complete_from_pool(rows: pd.DataFrame, table: TableSchema, column: str, rng: np.random.Generator) -> None:
    """Rows still repeating a composite key whose one drawn part is ``column`` (an hourly
    reading's hour under its station) take a value of that column that their group does not
    use yet, from the values drawn for the whole table, by their frequency: a station's hours
    fill its grid instead of its repeated hours being dropped."""
    repeated = rows.duplicated(subset=list(table.primary_key)).to_numpy()
    if not repeated.any():
        return
    groups = key_text(rows, [c for c in table.primary_key if c != column]).to_numpy()
    pool = rows[column].value_counts()
    used = rows[column][~repeated].groupby(groups[~repeated], sort=False).agg(set)
    for group, index in rows.index[repeated].groupby(groups[repeated]).items():
        free = pool[~pool.index.isin(used.get(group, set()))]
        take = min(len(index), len(free))
        if take:
            chosen = rng.choice(len(free), size=take, replace=False, p=(free / free.sum()).to_numpy())
            rows.loc[index[:take], column] = free.index[np.sort(chosen)].to_numpy()


def _sample_sequences(
    model: TableModel, context: pd.DataFrame, counts: np.ndarray, rng: np.random.Generator
) -> pd.DataFrame:
    """Children drawn position by position, each given the sibling before it (parents' children
    lie in consecutive rows, so the sibling before row ``i`` is row ``i − 1``)."""
    total = int(counts.sum())
    positions = _positions(counts)
    columns: dict[str, np.ndarray] = {}
    for position in range(int(counts.max(initial=0))):
        at = np.flatnonzero(positions == position)
        layer = context.iloc[at].reset_index(drop=True)
        layer[POSITION] = min(position, model.sequence_length - 1)
        for column in model.value_columns:
            layer[PREVIOUS + column] = columns[column][at - 1] if position and column in columns else None
        for column, values in _sample_values(model, len(at), layer, rng).items():
            columns.setdefault(str(column), np.full(total, None, dtype=object))[at] = values.to_numpy(dtype=object)
    return pd.DataFrame(columns, index=pd.RangeIndex(total)).infer_objects()


def _positions(counts: np.ndarray) -> np.ndarray:
    """Each child's place among its siblings, for children laid out parent by parent."""
    return np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)


def _sample_values(model: TableModel, n: int, context: pd.DataFrame | None, rng: np.random.Generator) -> pd.DataFrame:
    if model.fitted is None or n == 0:
        return pd.DataFrame(index=pd.RangeIndex(n))
    seed = int(rng.integers(0, 2**31))
    usable = [] if context is None else [c for c in context.columns if c in model.fitted.schema.names]
    given = context[usable] if usable and context is not None else None
    rows = _whole_counts(sample_table(model.fitted, n, seed=seed, context=given))
    return rows.drop(columns=[c for c in rows.columns if is_context(c)])


def _whole_counts(rows: pd.DataFrame) -> pd.DataFrame:
    """Drawn children counts as whole numbers ≥ 0."""
    counts = [c for c in rows.columns if c.startswith(CHILDREN)]
    rows[counts] = rows[counts].clip(lower=0).round().astype(np.int64)
    return rows


def _rescaled(counts: np.ndarray, total: int, rng: np.random.Generator) -> np.ndarray:
    """Counts scaled to sum to ``total`` (the table's real size times the scale), keeping their
    shape: each count scaled, the remainders given out at random in proportion."""
    counts = np.asarray(counts, dtype=np.float64)  # a reference table read back from JSON holds objects
    if len(counts) == 0:
        return counts.astype(np.int64)
    if counts.sum() == 0:
        return rng.multinomial(total, np.full(len(counts), 1 / len(counts)))
    scaled = counts * total / counts.sum()
    whole = np.floor(scaled).astype(np.int64)
    rest = total - int(whole.sum())
    if rest > 0:
        fractions = scaled - whole
        extra = rng.choice(len(counts), size=rest, replace=False, p=fractions / fractions.sum())
        whole[extra] += 1
    return whole


def _with_counts(rows: pd.DataFrame, model: TableModel, rng: np.random.Generator) -> pd.DataFrame:
    """Child counts the twin did not draw (a table without a twin): Poisson around the real mean."""
    for column, mean in model.mean_children.items():
        if column not in rows:
            rows[column] = rng.poisson(mean, size=len(rows))
    return rows


def _with_primary_key(
    rows: pd.DataFrame, table: TableSchema, model: TableModel, share: _Share, key_rng: np.random.Generator
) -> pd.DataFrame:
    """New single-column primary keys, from the partition's share of the key space: whole numbers
    beyond the real ones (none is a real key), or codes of the real keys' length."""
    if len(table.primary_key) != 1 or table.primary_key[0] in rows.columns:
        return rows
    column, start, total = table.primary_key[0], share.start(model), share.total(model)
    if model.text_key_length is None:
        low, high = model.key_range or (1, max(model.real_rows, 1))
        rows[column] = new_whole_keys(len(rows), low, high, model.real_rows, key_rng, start=start, total=total)
    else:
        rows[column] = new_codes(
            len(rows), model.text_key_length, key_rng, start=start, total=total, part=share.part, parts=share.parts
        )
    return rows


def _fill_not_null(rows: pd.DataFrame, table: TableSchema) -> None:
    """NOT NULL value columns drawn missing (a CSV source cannot tell '' from a missing cell):
    texts become '', numbers and times the column's median."""
    for column in table.not_null:
        if column not in rows.columns or not (missing := rows[column].isna()).any():
            continue
        values = rows[column]
        if pd.api.types.is_numeric_dtype(values.dtype) or pd.api.types.is_datetime64_any_dtype(values.dtype):
            present = values.dropna()
            rows[column] = values.fillna(present.median() if len(present) else 0)
        else:
            rows[column] = values.astype(object).where(~missing, "")


def _link_partner(table: TableSchema, model: TableModel) -> list[str] | None:
    """For a table whose composite primary key holds its primary foreign key (a many-to-many
    link such as PlaylistTrack), the primary key's columns: partners must differ per parent."""
    if model.primary is None or len(table.primary_key) < 2:
        return None
    return list(table.primary_key) if set(model.primary.columns) <= set(table.primary_key) else None


def _draw_references(
    rows: pd.DataFrame,
    key: ForeignKey,
    parents: pd.DataFrame,
    model: TableModel,
    rng: np.random.Generator,
    *,
    distinct_within: list[str] | None = None,
) -> None:
    """Fill ``key``'s columns with parent keys, drawn in proportion to the parents' learnt child
    counts when there are some, uniformly otherwise; missing at the real rate when nullable.
    With ``distinct_within``, rows repeating those columns get new picks (a few rounds)."""
    if len(rows) == 0:
        return
    if len(parents) == 0:
        for column in key.columns:
            rows[column] = None
        return
    column = count_column(key)
    weights = parents[column].to_numpy(dtype=float) if column in parents else np.ones(len(parents))
    if key.is_self_reference or weights.sum() <= 0:
        weights = np.ones(len(parents))
    p = weights / weights.sum()
    picks = rng.choice(len(parents), size=len(rows), p=p)
    if distinct_within is not None:
        uniform = np.full(len(parents), 1 / len(parents))
        for round_ in range(2 * _REDRAW_ROUNDS):  # in proportion first, then any partner not yet taken
            rows[list(key.columns)] = parents[list(key.parent_columns)].iloc[picks].to_numpy()
            repeated = rows.duplicated(subset=distinct_within).to_numpy()
            if not repeated.any():
                break
            chances = p if round_ < _REDRAW_ROUNDS else uniform
            picks[repeated] = rng.choice(len(parents), size=int(repeated.sum()), p=chances)
    missing = rng.random(len(rows)) < model.null_shares.get(key.columns[0], 0.0)
    for name, parent_column in zip(key.columns, key.parent_columns, strict=True):
        rows[name] = parents[parent_column].iloc[picks].reset_index(drop=True).mask(missing).to_numpy()


def _without_repeats(rows: pd.DataFrame, table: TableSchema) -> pd.DataFrame:
    """Rows repeating a composite primary key or a unique set (with every part present) dropped."""
    for columns in ([table.primary_key] if len(table.primary_key) > 1 else []) + list(table.unique):
        present = [c for c in columns if c in rows.columns]
        if len(present) == len(columns):
            full = rows[present].notna().all(axis=1)
            rows = rows[~(rows[present].duplicated() & full)]
    return rows.reset_index(drop=True)
