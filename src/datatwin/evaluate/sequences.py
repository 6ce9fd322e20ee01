"""Evaluating synthetic sequences: the table metrics on their events, then the sequence metrics."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from datatwin.evaluate.inputs import TableInput
from datatwin.evaluate.report import Report, evaluate_tables
from datatwin.evaluate.result import MetricResult, thresholds_with
from datatwin.evaluate.sequence_data import sequence_set
from datatwin.evaluate.sequence_fidelity import (
    autocorrelation_metrics,
    cross_correlation_metric,
    entity_detection_metric,
    inter_event_times_metric,
    sequence_lengths_metric,
)
from datatwin.evaluate.sequence_privacy import sequence_privacy_metrics
from datatwin.evaluate.sequence_scores import discriminative_metric, predictive_metric
from datatwin.lineage import Lineage
from datatwin.progress import Progress, advance
from datatwin.schema import Schema, SequenceKeys
from datatwin.sequential import check_keys

SEQUENCE_KEYS = (
    "sequence_lengths",
    "inter_event_times",
    "autocorrelation",
    "cross_correlation",
    "entity_detection",
    "discriminative_score",
    "predictive_score",
    "sequence_copies",
    "sequence_dcr",
    "sequence_membership",
)


def evaluate_sequences(
    real: TableInput,
    synthetic: TableInput,
    holdout: TableInput | None,
    keys: SequenceKeys,
    *,
    target: str | None = None,
    sensitive: list[str] | None = None,
    schema: Schema | str | Path | None = None,
    thresholds: dict[str, tuple[float, float]] | None = None,
    lineage: Lineage | dict[str, Any] | None = None,
    seed: int = 0,
    progress: Progress | None = None,
) -> Report:
    """Every table metric on the events and every sequence metric (see
    :func:`datatwin.evaluate.evaluate` with ``order=``)."""
    from datatwin.evaluate.inputs import prepare

    limits = thresholds_with(thresholds)
    data = prepare(real, synthetic, holdout, schema=schema, target=target, sensitive=sensitive)
    check_keys(list(data.real.columns), keys)
    values = [c for c in data.real.columns if c != keys.entity]  # keys are no values to compare
    table = evaluate_tables(
        data.real[values],
        data.synthetic[values],
        None if data.holdout is None else data.holdout[values],
        target=target,
        sensitive=sensitive,
        schema=Schema(tuple(c for c in data.schema.columns if c.name != keys.entity)) if data.declared_schema else None,
        thresholds=thresholds,
        lineage=lineage,
        seed=seed,
    )
    advance(progress, "evaluating", 1, 4)
    sets = [
        None if f is None else sequence_set(f, data.schema, keys) for f in (data.real, data.synthetic, data.holdout)
    ]
    real_set, synthetic_set, holdout_set = sets
    assert real_set is not None and synthetic_set is not None
    metrics: list[MetricResult] = [
        sequence_lengths_metric(real_set, synthetic_set, limits),
        inter_event_times_metric(real_set, synthetic_set, limits),
        *autocorrelation_metrics(real_set, synthetic_set, limits),
        cross_correlation_metric(real_set, synthetic_set, limits),
        entity_detection_metric(real_set, synthetic_set, limits, seed=seed),
    ]
    advance(progress, "evaluating", 2, 4)
    metrics += [
        discriminative_metric(real_set, synthetic_set, limits, seed=seed),
        predictive_metric(real_set, synthetic_set, holdout_set, limits, seed=seed),
    ]
    advance(progress, "evaluating", 3, 4)
    metrics += sequence_privacy_metrics(real_set, synthetic_set, holdout_set, limits, seed=seed)
    advance(progress, "evaluating", 4, 4)
    context = dict(table.context)
    context["sequence"] = {
        **keys.to_dict(),
        "entities": {"real": len(real_set.lengths), "synthetic": len(synthetic_set.lengths)},
    }
    context["sequence_examples"] = _examples(real_set, synthetic_set)
    ordered = _in_sections(list(table.metrics) + metrics)
    return Report(tuple(ordered), context, table.lineage)


EXAMPLES = 3
"""Series of each side shown in the report."""
EXAMPLE_STEPS = 200


def _examples(real: Any, synthetic: Any) -> dict[str, Any]:
    """A few real and synthetic series (first numeric column first), for the report's plots."""
    out: dict[str, Any] = {"columns": real.number_columns[:3]}
    for name, sequences in (("real", real), ("synthetic", synthetic)):
        longest = list(reversed(sorted(range(len(sequences.lengths)), key=lambda i: sequences.lengths[i])))[:EXAMPLES]
        series = []
        for entity in longest:
            start, n = int(sequences.starts[entity]), int(min(sequences.lengths[entity], EXAMPLE_STEPS))
            values = sequences.numbers[start : start + n, : len(out["columns"])]
            series.append([[None if v != v else round(float(v), 6) for v in column] for column in values.T])
        out[name] = series
    return out


def _in_sections(metrics: list[MetricResult]) -> list[MetricResult]:
    from datatwin.evaluate.registry import SECTIONS

    return sorted(metrics, key=lambda m: SECTIONS.index(m.section))
