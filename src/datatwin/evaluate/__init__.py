"""Metrics comparing real and synthetic tables and databases: fidelity, detection, utility,
privacy and fairness.

:func:`evaluate` runs them all and returns a :class:`Report`; it is also ``datatwin.evaluate``.
Import the building blocks from this package (``from datatwin.evaluate import detection_auc``);
they load on first use, so importing the package stays cheap.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING, Any

from datatwin._lazy import lazy_getattr
from datatwin.monitor.audit import logged_call

if TYPE_CHECKING:
    from datatwin.dp import PrivacyLedger
    from datatwin.evaluate.database import evaluate_database
    from datatwin.evaluate.detection import detection_auc, detection_test
    from datatwin.evaluate.inputs import TableInput
    from datatwin.evaluate.privacy import dcr_share, exact_match_rate
    from datatwin.evaluate.report import Report
    from datatwin.evaluate.result import DEFAULT_THRESHOLDS, MetricResult, Status, Threshold
    from datatwin.evaluate.shapes import column_shape_similarity, column_shapes
    from datatwin.evaluate.trends import pair_trends
    from datatwin.evaluate.utility import train_test_auc
    from datatwin.lineage import Lineage
    from datatwin.monitor.drift import DriftReport, TablesDriftReport
    from datatwin.progress import Progress
    from datatwin.schema import Schema

_LAZY = {
    "DEFAULT_THRESHOLDS": "datatwin.evaluate.result",
    "MetricResult": "datatwin.evaluate.result",
    "Report": "datatwin.evaluate.report",
    "Status": "datatwin.evaluate.result",
    "Threshold": "datatwin.evaluate.result",
    "column_shape_similarity": "datatwin.evaluate.shapes",
    "column_shapes": "datatwin.evaluate.shapes",
    "dcr_share": "datatwin.evaluate.privacy",
    "detection_auc": "datatwin.evaluate.detection",
    "detection_test": "datatwin.evaluate.detection",
    "evaluate_database": "datatwin.evaluate.database",
    "exact_match_rate": "datatwin.evaluate.privacy",
    "pair_trends": "datatwin.evaluate.trends",
    "train_test_auc": "datatwin.evaluate.utility",
}

__all__ = [
    "DEFAULT_THRESHOLDS",
    "MetricResult",
    "Report",
    "Status",
    "Threshold",
    "column_shape_similarity",
    "column_shapes",
    "dcr_share",
    "detection_auc",
    "detection_test",
    "evaluate",
    "evaluate_database",
    "exact_match_rate",
    "pair_trends",
    "train_test_auc",
]


@logged_call(
    "evaluate",
    inputs=("real", "synthetic", "holdout", "schema"),
    settings=("target", "sensitive", "seed", "entity", "order", "max_rows"),
)
def evaluate(
    real: TableInput,
    synthetic: TableInput,
    holdout: TableInput | None = None,
    *,
    target: str | None = None,
    sensitive: list[str] | None = None,
    schema: Schema | str | Path | None = None,
    thresholds: dict[str, tuple[float, float]] | None = None,
    lineage: Lineage | dict[str, Any] | None = None,
    seed: int = 0,
    progress: Progress | None = None,
    entity: str | None = None,
    order: str | None = None,
    privacy: PrivacyLedger | None = None,
    max_rows: int | None = None,
    drift: DriftReport | TablesDriftReport | None = None,
) -> Report:
    """Measure how faithful, useful and private a synthetic table (or set of sequences) is.

    Parameters
    ----------
    real
        The real rows the synthetic table was made from (DataFrame or CSV/Parquet path).
    synthetic
        The synthetic rows — from datatwin or any other tool — with the same columns.
    holdout
        Real rows the generator never saw. Needed for the privacy checks beyond exact copies and
        used as the test rows for utility and the reference for the two-sample test.
    target
        Column a downstream model would predict (utility, fairness, attribute inference).
    sensitive
        Columns whose groups are checked for bias and whose values an attacker tries to infer.
    schema
        The real table's schema; when given, its rules are checked too. Inferred otherwise.
    thresholds
        Pass/warn limits replacing the defaults by metric key: ``{"detection": (0.65, 0.8)}``.
    lineage
        The twin's lineage, shown in the report.
    seed
        The same inputs and seed give the same report.
    progress
        Called as each part of the evaluation finishes.
    entity, order
        For sequences: the entity and order columns (``order`` alone: one series). The sequence
        metrics are added: lengths, time between events, autocorrelation, cross-correlation,
        an entity-level two-sample test, the TimeGAN discriminative and predictive scores, and
        copied sequences, distance to closest sequence and membership inference per entity.
    privacy
        The ledger of a differentially private twin (``twin.privacy``): the report states its
        guarantee, what it covers and what it does not.
    max_rows
        Tables: compare a uniform random sample of at most this many rows of each table (a
        file is then read in batches, never whole); the report says which were sampled, from
        how many rows. Without it, a file too large to read into memory is refused with that
        advice.
    drift
        A drift check of the real rows against the twin that made the synthetic ones
        (:func:`datatwin.drift`): the report gains a freshness section saying whether the twin
        still pictures them.

    Raises
    ------
    DataError
        For mismatched columns, empty tables, an unknown target or sensitive column, wrong types.
    """
    from datatwin.errors import ConfigError
    from datatwin.evaluate.report import evaluate_tables
    from datatwin.evaluate.sequences import evaluate_sequences
    from datatwin.schema import SequenceKeys

    options: dict[str, Any] = {
        "target": target,
        "sensitive": sensitive,
        "schema": schema,
        "thresholds": thresholds,
        "lineage": lineage,
        "seed": seed,
        "progress": progress,
    }
    keys = SequenceKeys.named(entity, order)
    if keys is None:
        report = evaluate_tables(real, synthetic, holdout, **options, privacy=privacy, max_rows=max_rows)
    elif max_rows is not None:
        raise ConfigError("max_rows samples rows, which would cut sequences apart: evaluate sequences without it.")
    elif privacy is not None:
        raise ConfigError("Sequence twins are not fitted under differential privacy: evaluate without privacy=.")
    else:
        report = evaluate_sequences(real, synthetic, holdout, keys, **options)
    if drift is None:
        return report
    from datatwin.evaluate.freshness import freshness_metrics

    return dataclasses.replace(report, metrics=(*report.metrics, *freshness_metrics(drift)))


__getattr__ = lazy_getattr(__name__, _LAZY, globals())
