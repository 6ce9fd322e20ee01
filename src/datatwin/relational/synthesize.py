"""Twins of whole databases: every table learnt given its parent, every key generated anew.

For each table, in generation order (parents first):

- its *value* columns (not keys) get a single-table twin; a child table's twin also sees its
  primary parent's value columns (``__parent__.<column>``) and is sampled with them fixed per
  row (:meth:`datatwin.Twin.sample` ``context``), so child rows fit their parent;
- a parent's twin learns, per row, how many children each child table has through it
  (``__children__.<table>.<n>`` columns), so children-per-parent follows the parent's values;
  the counts are then scaled so each table gets its real size times ``scale``;
  the primary foreign key of a child is the parent the row was drawn for, other foreign keys
  are drawn in proportion to those learnt counts;
- single-column primary keys are renumbered (integers) or regenerated in the real keys' shape
  (text); keys deferred by the generation plan (self-references, one key per cycle) are filled
  once every table exists; rows repeating a composite primary key or a unique set are dropped.

This is the first version (issue 5): no saving yet, no sequences inside a parent; tables too
small to learn from (fewer than 5 rows, Sakila's store and staff) get no value columns yet, so
NOT NULL columns there fail on writing; rows repeating a composite key are dropped (Chinook's
PlaylistTrack comes out ~16% short).
"""

from __future__ import annotations

import string
from dataclasses import dataclass

import numpy as np
import pandas as pd

from datatwin.relational.checks import check_database
from datatwin.relational.database import Database
from datatwin.relational.keys import key_text
from datatwin.relational.order import GenerationPlan, generation_plan
from datatwin.relational.schema import ForeignKey, RelationalSchema, TableSchema
from datatwin.twin import Twin, fit

_PARENT = "__parent__."
_CHILDREN = "__children__."
_MIN_TWIN_ROWS = 5


@dataclass
class TableModel:
    """What was learnt of one table."""

    twin: Twin | None
    value_columns: list[str]
    primary: ForeignKey | None
    real_rows: int
    text_key_length: int | None
    null_shares: dict[str, float]
    mean_children: dict[str, float]
    empty_text: list[str]


@dataclass
class DatabaseTwin:
    """A fitted database twin: sample it with :func:`sample_database`."""

    schema: RelationalSchema
    plan: GenerationPlan
    tables: dict[str, TableModel]


def fit_database(database: Database, *, seed: int = 0, max_time: float | None = None) -> DatabaseTwin:
    """Learn every table of ``database`` (checked first: keys must identify and resolve)."""
    check_database(database)
    schema = database.schema
    plan = generation_plan(schema)
    primaries = {t.name: _primary_key_of(database, t, plan) for t in schema.tables}
    models = {}
    for index, table in enumerate(schema.tables):
        frame = database.tables[table.name]
        values = _value_columns(schema, table, frame)
        # database text cells may be '' next to numbers (Sakila's postal_code): learnt as missing
        training = frame[values].replace("", np.nan).reset_index(drop=True)
        for key in [k for k in schema.foreign_keys if k.parent == table.name and k not in plan.deferred]:
            training[_count_column(key)] = _children_per_row(database, key).to_numpy()
        counts = {c: float(training[c].mean()) for c in training.columns if c.startswith(_CHILDREN)}
        primary = primaries[table.name]
        if primary is not None:
            training = pd.concat([training, _parent_context(database, primary)], axis=1)
        twin = None
        if training.shape[1] and len(training) >= _MIN_TWIN_ROWS:
            model = "argn" if primary is not None and any(c.startswith(_PARENT) for c in training) else "auto"
            twin = fit(training, model=model, seed=seed + index, max_time=max_time)
        models[table.name] = TableModel(
            twin=twin,
            value_columns=values,
            primary=primary,
            real_rows=len(frame),
            text_key_length=_text_key_length(frame, table),
            null_shares={c: float(frame[c].isna().mean()) for c in table.columns},
            mean_children=counts,
            empty_text=[c for c in values if frame[c].isna().sum() == 0 and frame[c].eq("").any()],
        )
    return DatabaseTwin(schema, plan, models)


def sample_database(twin: DatabaseTwin, *, scale: float = 1.0, seed: int = 0) -> Database:
    """A synthetic database: root tables get ``scale`` × their real rows, children follow."""
    rng = np.random.default_rng(seed)
    drawn: dict[str, pd.DataFrame] = {}
    for name in twin.plan.order:
        model, table = twin.tables[name], twin.schema.table(name)
        if model.primary is None:
            rows = _sample_values(model, max(round(scale * model.real_rows), 0), None, rng)
            rows = _with_counts(rows, twin.tables[name], rng)
        else:
            parents = drawn[model.primary.parent]
            counts = _rescaled(parents[_count_column(model.primary)].to_numpy(), round(scale * model.real_rows), rng)
            context = _repeat_parents(parents, counts, twin.tables[model.primary.parent].value_columns)
            rows = _with_counts(_sample_values(model, int(counts.sum()), context, rng), model, rng)
            for column, parent_column in zip(model.primary.columns, model.primary.parent_columns, strict=True):
                rows[column] = parents[parent_column].repeat(counts).to_numpy()
        rows = _with_primary_key(rows, table, model, rng)
        for column in model.empty_text:  # learnt as missing, but the source never had NULLs there
            rows[column] = rows[column].astype(object).where(rows[column].notna(), "")
        for key in twin.schema.parents_of(name):
            if key != model.primary and key not in twin.plan.deferred:
                _draw_references(rows, key, drawn[key.parent], model, rng)
        drawn[name] = rows
    for key in twin.plan.deferred:
        _draw_references(drawn[key.table], key, drawn[key.parent], twin.tables[key.table], rng)
    tables = {}
    for table in twin.schema.tables:
        rows = drawn[table.name].reindex(columns=list(table.columns))
        for columns in ([table.primary_key] if len(table.primary_key) > 1 else []) + list(table.unique):
            rows = rows.drop_duplicates(subset=list(columns))
        tables[table.name] = rows.reset_index(drop=True)
    return Database(twin.schema, tables, "datatwin synthetic database")


def _primary_key_of(database: Database, table: TableSchema, plan: GenerationPlan) -> ForeignKey | None:
    """The foreign key a table's rows are drawn under: among the non-deferred keys that every
    row fills, the one to the largest parent (the best-learnt children-per-parent counts)."""
    frame = database.tables[table.name]
    candidates = [
        k
        for k in database.schema.parents_of(table.name)
        if k not in plan.deferred and frame[list(k.columns)].notna().all(axis=None)
    ]
    if not candidates:
        return None
    return max(candidates, key=lambda k: (len(database.tables[k.parent]), k.describe()))


def _value_columns(schema: RelationalSchema, table: TableSchema, frame: pd.DataFrame) -> list[str]:
    own_key = set(table.primary_key) if len(table.primary_key) == 1 else set()  # composite parts are values
    keys = own_key | {c for k in schema.parents_of(table.name) for c in k.columns}
    filled = lambda c: frame[c].replace("", np.nan).notna().any()  # noqa: E731
    return [c for c in table.columns if c not in keys and not _is_binary(frame[c]) and filled(c)]


def _is_binary(values: pd.Series) -> bool:
    present = values.dropna()
    return bool(len(present)) and bool(present.map(lambda v: isinstance(v, bytes | bytearray | memoryview)).any())


def _count_column(key: ForeignKey) -> str:
    return f"{_CHILDREN}{key.table}.{'.'.join(key.columns)}"


def _children_per_row(database: Database, key: ForeignKey) -> pd.Series:
    parent = database.tables[key.parent]
    child = database.tables[key.table]
    child = child[child[list(key.columns)].notna().all(axis=1)]
    counts = key_text(child, key.columns).value_counts()
    return key_text(parent, key.parent_columns).map(counts).fillna(0).astype(np.int64)


def _parent_context(database: Database, key: ForeignKey) -> pd.DataFrame:
    parent = database.tables[key.parent]
    values = [c for c in _value_columns(database.schema, database.schema.table(key.parent), parent)]
    lookup = dict(zip(key_text(parent, key.parent_columns), range(len(parent)), strict=True))
    rows = key_text(database.tables[key.table], key.columns).map(lookup).to_numpy()
    context = parent[values].iloc[rows].replace("", np.nan).reset_index(drop=True)
    return context.set_axis([_PARENT + c for c in values], axis=1)


def _repeat_parents(parents: pd.DataFrame, counts: np.ndarray, values: list[str]) -> pd.DataFrame:
    context = parents[values].loc[parents.index.repeat(counts)].replace("", np.nan).reset_index(drop=True)
    return context.set_axis([_PARENT + c for c in values], axis=1)


def _sample_values(model: TableModel, n: int, context: pd.DataFrame | None, rng: np.random.Generator) -> pd.DataFrame:
    if model.twin is None or n == 0:
        return pd.DataFrame(index=pd.RangeIndex(n))
    seed = int(rng.integers(0, 2**31))
    if context is not None and any(c in model.twin.schema.names for c in context.columns):
        usable = context[[c for c in context.columns if c in model.twin.schema.names]]
        rows = model.twin.sample(n, seed=seed, context=usable)
    else:
        rows = model.twin.sample(n, seed=seed)
    counts = [c for c in rows.columns if c.startswith(_CHILDREN)]
    rows[counts] = rows[counts].clip(lower=0).round().astype(np.int64)
    return rows.drop(columns=[c for c in rows.columns if c.startswith(_PARENT)])


def _rescaled(counts: np.ndarray, total: int, rng: np.random.Generator) -> np.ndarray:
    """Counts scaled to sum to ``total`` (the table's real size times the scale), keeping their
    shape: each count scaled, the remainders given out at random in proportion."""
    if counts.sum() == 0 or len(counts) == 0:
        return rng.multinomial(total, np.full(len(counts), 1 / len(counts))) if len(counts) else counts
    scaled = counts * total / counts.sum()
    whole = np.floor(scaled).astype(np.int64)
    rest = total - int(whole.sum())
    if rest > 0:
        fractions = scaled - whole
        extra = rng.choice(len(counts), size=rest, replace=False, p=fractions / fractions.sum())
        whole[extra] += 1
    return whole


def _with_counts(rows: pd.DataFrame, model: TableModel, rng: np.random.Generator) -> pd.DataFrame:
    """Child counts for a table too small to have a twin: Poisson around the real mean."""
    for column, mean in model.mean_children.items():
        if column not in rows:
            rows[column] = rng.poisson(mean, size=len(rows))
    return rows


def _with_primary_key(
    rows: pd.DataFrame, table: TableSchema, model: TableModel, rng: np.random.Generator
) -> pd.DataFrame:
    if len(table.primary_key) != 1 or table.primary_key[0] in rows.columns:
        return rows
    column = table.primary_key[0]
    if model.text_key_length is None:
        rows[column] = np.arange(1, len(rows) + 1)
    else:
        rows[column] = _new_codes(len(rows), model.text_key_length, rng)
    return rows


def _text_key_length(frame: pd.DataFrame, table: TableSchema) -> int | None:
    if len(table.primary_key) != 1 or pd.api.types.is_numeric_dtype(frame[table.primary_key[0]].dtype):
        return None
    lengths = frame[table.primary_key[0]].dropna().astype(str).str.len()
    return int(lengths.mode().iloc[0]) if len(lengths) else 8


def _new_codes(n: int, length: int, rng: np.random.Generator) -> list[str]:
    """``n`` distinct upper-case codes of ``length`` letters (longer when too few exist)."""
    while 26**length < 2 * n:
        length += 1
    codes: set[str] = set()
    letters = np.array(list(string.ascii_uppercase))
    while len(codes) < n:
        codes.update("".join(row) for row in rng.choice(letters, size=(n - len(codes), length)))
    return sorted(codes)[:n] if len(codes) > n else list(codes)


def _draw_references(
    rows: pd.DataFrame, key: ForeignKey, parents: pd.DataFrame, model: TableModel, rng: np.random.Generator
) -> None:
    """Fill ``key``'s columns with parent keys, drawn in proportion to the parents' learnt child
    counts when there are some, uniformly otherwise; missing at the real rate when nullable."""
    if len(rows) == 0:
        return
    if len(parents) == 0:
        for column in key.columns:
            rows[column] = None
        return
    column = _count_column(key)
    weights = parents[column].to_numpy(dtype=float) if column in parents else np.ones(len(parents))
    if key.is_self_reference or weights.sum() <= 0:
        weights = np.ones(len(parents))
    picks = rng.choice(len(parents), size=len(rows), p=weights / weights.sum())
    missing = rng.random(len(rows)) < model.null_shares.get(key.columns[0], 0.0)
    for name, parent_column in zip(key.columns, key.parent_columns, strict=True):
        rows[name] = parents[parent_column].iloc[picks].reset_index(drop=True).mask(missing).to_numpy()
