"""Fitting one table: schema → transforms → model."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from datatwin.constraints import Rule, RuleSet, discover_rules
from datatwin.errors import DataError
from datatwin.io import TableSource
from datatwin.lineage import Lineage
from datatwin.models import registry
from datatwin.pipeline.choose import (
    CANDIDATES,
    best_candidate,
    holdout_rows,
    holdout_split,
    should_measure,
    two_sample_auc,
)
from datatwin.pipeline.fitted import FittedTable
from datatwin.pipeline.sample import sample_table
from datatwin.progress import Progress, advance
from datatwin.schema import DEFAULT_RARE_THRESHOLD, Schema, coerce_table, infer_schema
from datatwin.seeds import DEFAULT_SEED, check_seed
from datatwin.transforms import TableEncoder

MIN_TRAINING_SECONDS = 0.1
"""Training time a model gets even when reading and encoding spent the whole budget."""

MIN_ROWS = 5
"""Fewer rows than this cannot be learnt from without copying them."""


def fit_table(
    source: TableSource,
    *,
    model: str = registry.AUTO,
    seed: int = DEFAULT_SEED,
    schema: Schema | str | Path | None = None,
    model_options: dict[str, Any] | None = None,
    rare_threshold: int = DEFAULT_RARE_THRESHOLD,
    max_time: float | None = None,
    min_rows: int = MIN_ROWS,
    progress: Progress | None = None,
    rules: Sequence[Rule | dict[str, Any]] = (),
    find_rules: bool = False,
    given: Sequence[str] = (),
) -> FittedTable:
    """Learn a table: infer (or take) its schema and rules, fit its transforms, then its model.

    Parameters are those of :func:`datatwin.fit`, with the table already read; ``find_rules``
    looks for rules in the data when the schema states none (``rules`` are added to them);
    ``given`` names columns every sample will give (a context), which rules never rebuild.
    """
    check_seed(seed)
    frame = source.data
    model_name = registry.resolve(model, len(frame))
    options = dict(model_options or {})
    timed = max_time is not None and registry.get(model_name).capabilities.time_budget
    if timed:
        options["max_time"] = max_time
    generator = registry.create(model_name, options)
    started = time.perf_counter()  # loading the model's library (torch: seconds, once) is not the table's time
    advance(progress, "checking data", 0, 1)
    resolved_schema = _resolve_schema(schema, frame, rare_threshold)
    table = coerce_table(frame, resolved_schema)
    if len(table) < min_rows:
        raise DataError(
            [f"The table has {len(table)} row(s); at least {min_rows} are needed to learn from it without copying it."]
        )
    advance(progress, "checking data", 1, 1)
    scores = None
    if model == registry.AUTO and max_time is None and not given and should_measure(len(table)):
        settings = {"rare_threshold": rare_threshold, "min_rows": min_rows, "rules": rules, "find_rules": find_rules}
        scores = _measure_candidates(frame, resolved_schema, seed=seed, settings=settings)
        model_name = best_candidate(scores, holdout_rows(len(frame)))
        generator = registry.create(model_name)
    encoder_seed, model_seed = np.random.SeedSequence(seed).generate_state(2)
    stated = list(resolved_schema.rules or ())
    found = discover_rules(table, resolved_schema, seed=seed) if find_rules and resolved_schema.rules is None else []
    ruleset = RuleSet([*stated, *found, *rules], resolved_schema, given)
    resolved_schema = dataclasses.replace(resolved_schema, rules=tuple(r.to_dict() for r in ruleset))
    ruleset.schema = resolved_schema
    ruleset.fit(table, rare_threshold=rare_threshold, seed=int(encoder_seed))
    model_table = ruleset.forward(table)
    encoder = TableEncoder(ruleset.model_schema).fit(model_table, seed=int(encoder_seed))
    encoded = encoder.encode(model_table, seed=int(encoder_seed))
    if timed:  # the budget is the whole fit's: what is left of it after reading and encoding
        assert max_time is not None
        left = max(max_time - (time.perf_counter() - started), MIN_TRAINING_SECONDS)
        generator = registry.create(model_name, {**options, "max_time": left})
    generator.fit(encoded, seed=int(model_seed), progress=progress)
    lineage = Lineage.record(
        source=source.name,
        source_sha256=source.sha256,
        data=frame,
        model=model_name,
        seed=seed,
        rows_in_source=source.rows_in_source,
        model_scores=scores,
    )
    return FittedTable(resolved_schema, encoder, generator, lineage, ruleset, ruleset.broken_in(table))


def _measure_candidates(frame: Any, schema: Schema, *, seed: int, settings: dict[str, Any]) -> dict[str, float]:
    """Each ``auto`` candidate's two-sample AUC (see :mod:`datatwin.pipeline.choose`): fitted on
    part of ``frame``'s rows, as many rows drawn as were held out, told from those."""
    fitted_on, held_out = holdout_split(frame, seed)
    source = TableSource(fitted_on, "<rows auto fits the candidates on>", "")
    real = coerce_table(held_out, schema)
    scores = {}
    for name in CANDIDATES:
        candidate = fit_table(source, model=name, seed=seed, schema=schema, **settings)
        drawn = coerce_table(sample_table(candidate, len(held_out), seed=seed), schema)
        scores[name] = two_sample_auc(real, drawn, schema, seed=seed)
    return scores


def _resolve_schema(schema: Schema | str | Path | None, frame: Any, rare_threshold: int) -> Schema:
    if schema is None:
        return infer_schema(frame, rare_threshold=rare_threshold)
    if isinstance(schema, Schema):
        return schema
    return Schema.from_json(schema)
