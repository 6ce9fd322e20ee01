"""Sampling one fitted table: model → decode, in batches, with conditions, context or rebalancing."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from datatwin.conditions import Wanted
from datatwin.constraints.rules import Unique
from datatwin.errors import ConfigError, ConstraintError
from datatwin.io.memory import check_memory_for
from datatwin.models.base import check_row_count
from datatwin.pipeline.fitted import FittedTable
from datatwin.progress import Progress, advance
from datatwin.rebalance import rebalanced_counts
from datatwin.schema import ColumnKind, Schema, coerce_table
from datatwin.seeds import DEFAULT_SEED, check_seed
from datatwin.transforms import TableEncoder
from datatwin.transforms.identifier import IdTransform
from datatwin.transforms.private import PrivateEncoder

SAMPLE_BATCH_ROWS = 100_000
"""Rows drawn and decoded at a time, bounding memory for large samples."""
LABEL_SHARE_ROWS = 20_000
"""Rows a DP twin draws to measure the label shares it rebalances."""


def sample_table(
    table: FittedTable,
    n: int,
    *,
    seed: int = DEFAULT_SEED,
    conditions: dict[str, Wanted] | None = None,
    rebalance: str | None = None,
    ratio: float | None = None,
    context: pd.DataFrame | None = None,
    progress: Progress | None = None,
) -> pd.DataFrame:
    """Draw ``n`` synthetic rows of a fitted table (see :meth:`datatwin.Twin.sample`)."""
    check_seed(seed)
    check_row_count(n)
    conditions = dict(conditions or {})
    if context is not None:
        if rebalance is not None:
            raise ConfigError("Rebalancing and a context cannot be combined: the context fixes the rows.")
        return _sample_in_context(table, int(n), seed, conditions, context, progress)
    if rebalance is None:
        if ratio is not None:
            raise ConfigError("ratio applies to rebalancing: name the column with rebalance=.")
        return _sample_rows(table, int(n), seed, conditions, progress)
    if rebalance in conditions:
        raise ConfigError(f"Column {rebalance!r} cannot be both rebalanced and conditioned on.")
    counts = rebalanced_counts(_label_shares(table, rebalance), int(n), ratio)
    seeds = np.random.SeedSequence(seed).generate_state(len(counts) + 1)
    parts = [
        _sample_rows(table, count, int(s), {**conditions, rebalance: label}, None)
        for (label, count), s in zip(counts.items(), seeds, strict=False)
        if count
    ]
    advance(progress, "sampling rows", int(n), int(n))
    rows = pd.concat(parts, ignore_index=True)
    return rows.iloc[np.random.default_rng(seeds[-1]).permutation(len(rows))].reset_index(drop=True)


def _sample_in_context(
    table: FittedTable,
    n: int,
    seed: int,
    conditions: dict[str, Wanted],
    context: pd.DataFrame,
    progress: Progress | None,
) -> pd.DataFrame:
    if not table.model.capabilities.context:
        raise ConfigError(f"Model {table.model.name!r} cannot sample in a context; fit with model='argn'.")
    problems = [f"column {c!r} is not in the twin's table" for c in context.columns if c not in table.schema.names]
    problems += [f"column {c!r} is both context and condition" for c in context.columns if c in conditions]
    if len(context) != n:
        problems.append(f"the context has {len(context)} rows for {n} rows to draw")
    if problems:
        raise ConfigError("Context: " + "; ".join(problems) + ".")
    columns = [str(c) for c in context.columns]
    # context values may lie outside the learnt bounds (a new parent): they map to the edge tokens
    partial = Schema(tuple(table.schema[c].without_bounds() for c in columns))
    given = coerce_table(context.set_axis(columns, axis=1), partial)
    if table.rules and isinstance(table.encoder, TableEncoder):  # a DP twin holds no rules
        given = table.rules.as_context(given, table.encoder, np.random.default_rng(seed))
    encoded = table.encoder.encode_columns(given, seed=seed)
    return _sample_rows(table, n, seed, conditions, progress, encoded)


def _sample_rows(
    table: FittedTable,
    n: int,
    seed: int,
    conditions: dict[str, Wanted],
    progress: Progress | None,
    context: dict[str, np.ndarray] | None = None,
) -> pd.DataFrame:
    if n > SAMPLE_BATCH_ROWS:
        check_fits_in_memory(table, n)
    parts = list(sample_batches(table, n, seed=seed, conditions=conditions, progress=progress, context=context))
    return pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]


def sample_batches(
    table: FittedTable,
    n: int,
    *,
    seed: int = DEFAULT_SEED,
    conditions: dict[str, Wanted] | None = None,
    progress: Progress | None = None,
    context: dict[str, np.ndarray] | None = None,
) -> Iterator[pd.DataFrame]:
    """The rows of :func:`sample_table` (without rebalancing), :data:`SAMPLE_BATCH_ROWS` at a
    time, so that a sample of any size can be written out without holding it in memory. Batch
    ``i`` is :func:`sample_partition`'s partition ``i``; values of unique rules are also
    checked against the batches before (which partitions drawn apart cannot do)."""
    plan = _plan(table, n, seed, conditions, SAMPLE_BATCH_ROWS)
    unique: dict[str, set[Any]] = {}  # values of unique rules drawn by earlier batches
    for index in range(partition_count(n, plan.part_rows)):
        part = _context_part(context, index, n, plan.part_rows)
        rows = _partition(table, plan, index, unique, part)
        advance(progress, "sampling rows", min((index + 1) * plan.part_rows, n), n)
        yield rows


def partition_count(n: int, part_rows: int) -> int:
    """Partitions of ``part_rows`` rows, the last one shorter, of an ``n``-row sample."""
    return -(-int(n) // part_rows)


def sample_partition(
    table: FittedTable,
    n: int,
    index: int,
    *,
    part_rows: int,
    seed: int = DEFAULT_SEED,
    conditions: dict[str, Wanted] | None = None,
) -> pd.DataFrame:
    """Partition ``index`` of an ``n``-row sample cut in partitions of ``part_rows`` rows, drawn
    on its own: seeded from (``seed``, ``index``) alone, so that partitions drawn in any order,
    by any number of processes or machines, give the rows :func:`sample_batches` gives when
    ``part_rows`` is its batch size (the caller fixes it, so that every worker agrees).

    Raises
    ------
    ConfigError
        When the sample spans several partitions and the twin has a unique rule: its uniqueness
        across partitions needs the partitions before (:func:`check_partitionable`).
    """
    plan = _plan(table, n, seed, conditions, part_rows)
    check_partitionable(table, n, plan.part_rows)
    if not 0 <= index < (count := partition_count(n, plan.part_rows)):
        raise ConfigError(f"Partition {index} is outside the {count} partition(s) of {n:,} rows.")
    return _partition(table, plan, index, {}, None)


def check_partitionable(table: FittedTable, n: int, part_rows: int) -> None:
    """Refuse a sample drawn in independent partitions that could repeat a unique rule's value.

    Keys are safe: each partition takes its own share of the whole-number key range, or of its
    text keys' strings. Values of unique rules are drawn by the model and checked against the
    earlier batches, which only a sample drawn in order (:func:`sample_batches`) has.

    Raises
    ------
    ConfigError
        Naming the rules and saying to sample in order (one process) instead.
    """
    if partition_count(n, part_rows) <= 1:
        return
    unique = [str(rule) for rule in table.rules.rules if isinstance(rule, Unique)] if table.rules else []
    if unique:
        raise ConfigError(
            f"This twin's unique rule(s) {unique} must hold across all {n:,} rows, which partitions drawn apart "
            "cannot check: sample with the local engine (one process, streamed in order)."
        )


@dataclass(frozen=True)
class _Plan:
    """What every partition of one sample shares: its size, seed, conditions and key columns."""

    n: int
    seed: int
    checked: dict[str, Wanted]
    options: dict[str, Any]
    keys: list[str]
    part_rows: int


def _plan(table: FittedTable, n: int, seed: int, conditions: dict[str, Wanted] | None, part_rows: int) -> _Plan:
    check_seed(seed)
    check_row_count(n)
    conditions = dict(conditions or {})
    unknown = sorted(set(conditions) - set(table.schema.names))
    if unknown:
        raise ConfigError(f"Conditions name unknown column(s) {unknown}; the columns are {table.schema.names}.")
    table.rules.check_room(n)
    drawn, checked = table.rules.split_conditions(conditions)
    options: dict[str, Any] = {"conditions": table.encoder.conditions(drawn) if drawn else None}
    if isinstance(table.encoder, PrivateEncoder) and (within := table.encoder.intervals(drawn)):
        options["within"] = within
    keys = [s.name for s in table.schema.columns if s.kind is ColumnKind.ID]
    return _Plan(int(n), seed, checked, options, keys, int(part_rows))


def _partition(
    table: FittedTable,
    plan: _Plan,
    index: int,
    unique: dict[str, set[Any]],
    context: dict[str, np.ndarray] | None,
) -> pd.DataFrame:
    """Partition ``index``'s rows; ``unique`` holds the earlier partitions' values of unique rules
    (empty for a partition drawn on its own) and is updated."""
    start = index * plan.part_rows
    size = min(plan.part_rows, plan.n - start)
    state = np.random.SeedSequence(plan.seed).generate_state(2 * index + 2)  # a prefix whatever the length
    model_seed, decode_seed = int(state[2 * index]), int(state[2 * index + 1])
    options = plan.options if context is None else {**plan.options, "context": context}
    rows = _draw(table, size, model_seed, decode_seed, options)
    if table.rules:
        rows = redraw_unmet(table, rows, plan.checked, unique, model_seed, options)
    if plan.n > plan.part_rows:
        key_rng = np.random.default_rng(np.random.SeedSequence(plan.seed, spawn_key=(KEY_STREAM, index)))
        parts = partition_count(plan.n, plan.part_rows)
        for column in plan.keys:
            assert isinstance(table.encoder, TableEncoder)  # a DP twin has no keys
            transform = table.encoder.transforms_[column]  # type: ignore[index]
            assert isinstance(transform, IdTransform)
            rows[column] = transform.keys_for(start, size, plan.n, part=index, parts=parts, rng=key_rng).to_numpy()
    return rows


KEY_STREAM = 0
"""Spawn key of the random stream a partition's keys are drawn from (beside its model and decoding seeds)."""


def _context_part(
    context: dict[str, np.ndarray] | None, index: int, n: int, part_rows: int
) -> dict[str, np.ndarray] | None:
    if context is None:
        return None
    start = index * part_rows
    return {k: v[start : min(start + part_rows, n)] for k, v in context.items()}


def _draw(table: FittedTable, size: int, model_seed: int, decode_seed: int, options: dict[str, Any]) -> pd.DataFrame:
    """Rows drawn by the model, decoded (a DP twin's numbers within the intervals asked for),
    with the twin's rules rebuilt."""
    options = dict(options)
    within = options.pop("within", None)
    encoded = table.model.sample(size, seed=model_seed, **options)
    if isinstance(table.encoder, PrivateEncoder):
        rows = table.encoder.decode(encoded, seed=decode_seed, within=within)
    else:
        rows = table.encoder.decode(encoded, seed=decode_seed)
    return table.rules.restore(rows, np.random.default_rng(decode_seed)) if table.rules else rows


REDRAW_ROUNDS = 20
"""Rounds of redrawing the rows that miss a rule construction cannot hold, before giving up."""
MAX_SPARE_SHARE = 50
"""A round draws at most this many rows per row it needs (a condition met once in 50 rows)."""
MAX_SPARE_ROWS = 200_000


def redraw_unmet(
    table: FittedTable,
    rows: pd.DataFrame,
    checked: dict[str, Wanted],
    taken: dict[str, set[Any]],
    seed: int,
    options: dict[str, Any],
) -> pd.DataFrame:
    """Redraw, a bounded number of rounds, the rows that break a rule the rules cannot hold by
    construction (uniqueness, a conditional allowing several values) or miss a condition on a
    rebuilt column; then check that every rule holds.

    Raises
    ------
    ConstraintError
        When rows still miss after :data:`REDRAW_ROUNDS` rounds, naming the rule or
        condition; or when a drawn row breaks a rule (a fault, never a partial result).
    """
    rules = table.rules
    unmet = rules.unmet(rows, checked, taken)
    rng = np.random.default_rng(seed)
    rate = 1.0  # share of redrawn rows that met everything, last round
    for _ in range(REDRAW_ROUNDS):
        if not unmet.any():
            break
        where = np.flatnonzero(unmet)
        model_seed, decode_seed = (int(s) for s in rng.integers(2**31, size=2))
        if options.get("context") is not None:  # each row has its own context: redraw it in place
            subset = {**options, "context": {k: v[where] for k, v in options["context"].items()}}
            fresh = _draw(table, len(where), model_seed, decode_seed, subset).set_axis(where)
            rows = pd.concat([rows[~unmet], fresh]).sort_index()
        else:  # draw enough spare rows for the share that meets everything
            size = int(min(np.ceil(1.25 * len(where) / rate) + 16, MAX_SPARE_ROWS))
            fresh = _draw(table, size, model_seed, decode_seed, options)
            kept = rows[~unmet]
            good = ~rules.unmet(pd.concat([kept, fresh], ignore_index=True), checked, taken)[len(kept) :]
            rate = max(float(good.mean()), 1.0 / MAX_SPARE_SHARE)
            chosen = fresh[good].iloc[: len(where)]
            chosen = chosen.set_axis(where[: len(chosen)])
            rows = pd.concat([rows.drop(index=chosen.index), chosen]).sort_index()
        unmet = rules.unmet(rows, checked, taken)
    if unmet.any():
        what = ", ".join(f"{c} {w!r}" for c, w in checked.items()) or "the rules' uniqueness or allowed values"
        raise ConstraintError(
            f"{int(unmet.sum()):,} row(s) still miss {what} after {REDRAW_ROUNDS} rounds of redrawing: the twin "
            "rarely draws such rows; ask for fewer rows, loosen the condition or drop the rule."
        )
    rules.remember(rows, taken)
    broken = rules.broken(rows)
    if broken:
        raise ConstraintError(f"Drawn rows break the twin's rules {broken}: please report this fault.")
    return rows


def check_fits_in_memory(table: FittedTable, n: int) -> None:
    """Refuse, before the work, a sample that would not fit in memory, saying what it needs.

    Raises
    ------
    ConfigError
        When ``n`` rows (their size measured on a small sample) exceed :data:`~datatwin.io.memory.MEMORY_SHARE`
        of the available memory.
    """
    pilot = next(sample_batches(table, min(n, 500), seed=0))
    check_memory_for(
        pilot.memory_usage(deep=True).sum() / len(pilot) * n,
        f"{n:,} rows in memory",
        "write them to a file instead (`datatwin sample -o rows.csv`, which streams them in batches), "
        "or ask for fewer rows",
    )


def _label_shares(table: FittedTable, column: str) -> dict[object, float]:
    if column not in table.schema.names:
        raise ConfigError(f"Column {column!r} to rebalance is not in the twin's table: {list(table.schema.names)}.")
    if isinstance(table.encoder, PrivateEncoder):  # as the twin draws them: post-processing
        return table.encoder.label_shares(column, table.model.sample(LABEL_SHARE_ROWS, seed=0))
    shares = table.rules.label_shares(column, table.encoder)
    if shares is not None:
        return shares
    transform = table.encoder.transforms_.get(column) if table.encoder.transforms_ else None
    if transform is None or not hasattr(transform, "label_shares"):
        raise ConfigError(f"Only a categorical or boolean column can be rebalanced; {column!r} is not one.")
    return transform.label_shares()
