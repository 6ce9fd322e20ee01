"""Sampling one fitted table: model → decode, in batches, with conditions, context or rebalancing."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from datatwin.conditions import Wanted
from datatwin.errors import ConfigError
from datatwin.models.base import check_row_count
from datatwin.pipeline.fitted import FittedTable
from datatwin.progress import Progress, report
from datatwin.rebalance import rebalanced_counts
from datatwin.schema import ColumnKind, Schema, coerce_table
from datatwin.seeds import DEFAULT_SEED, check_seed

SAMPLE_BATCH_ROWS = 100_000
"""Rows drawn and decoded at a time, bounding memory for large samples."""


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
    report(progress, "sampling rows", int(n), int(n))
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
    encoded = table.encoder.encode_columns(coerce_table(context.set_axis(columns, axis=1), partial), seed=seed)
    return _sample_rows(table, n, seed, conditions, progress, encoded)


def _sample_rows(
    table: FittedTable,
    n: int,
    seed: int,
    conditions: dict[str, Wanted],
    progress: Progress | None,
    context: dict[str, np.ndarray] | None = None,
) -> pd.DataFrame:
    encoded_conditions = table.encoder.conditions(conditions) if conditions else None
    batches = range(0, n, SAMPLE_BATCH_ROWS)
    seeds = np.random.SeedSequence(seed).generate_state(2 * len(batches))
    parts = []
    for i, start in enumerate(batches):
        size = min(SAMPLE_BATCH_ROWS, n - start)
        options: dict[str, Any] = {"conditions": encoded_conditions}
        if context is not None:
            options["context"] = {k: v[start : start + size] for k, v in context.items()}
        encoded = table.model.sample(size, seed=int(seeds[2 * i]), **options)
        parts.append(table.encoder.decode(encoded, seed=int(seeds[2 * i + 1])))
        report(progress, "sampling rows", start + size, n)
    if len(parts) == 1:
        return parts[0]
    rows = pd.concat(parts, ignore_index=True)
    # keys drawn batch by batch could repeat across batches: drawn again once, for every row
    key_rng = np.random.default_rng(np.random.SeedSequence(seed).spawn(1)[0])
    for spec in table.schema.columns:
        if spec.kind is ColumnKind.ID:
            rows[spec.name] = table.encoder.transforms_[spec.name].decode({}, n, rng=key_rng).to_numpy()
    return rows


def _label_shares(table: FittedTable, column: str) -> dict[object, float]:
    if column not in table.schema.names:
        raise ConfigError(f"Column {column!r} to rebalance is not in the twin's table: {list(table.schema.names)}.")
    transform = table.encoder.transforms_.get(column) if table.encoder.transforms_ else None
    if transform is None or not hasattr(transform, "label_shares"):
        raise ConfigError(f"Only a categorical or boolean column can be rebalanced; {column!r} is not one.")
    return transform.label_shares()
