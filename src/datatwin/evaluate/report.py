"""The trust report: every metric of one evaluation, a headline score and a privacy verdict."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from datatwin._version import __version__
from datatwin.dp import PrivacyLedger
from datatwin.errors import DataError
from datatwin.evaluate.attacks import ATTACKER_ROWS
from datatwin.evaluate.constraints import constraints_metric
from datatwin.evaluate.fairness import fairness_metric
from datatwin.evaluate.fidelity import (
    column_shapes_metric,
    coverage_metric,
    detection_metric,
    invented_values_metric,
    missing_values_metric,
    pair_trends_metric,
)
from datatwin.evaluate.inputs import EvaluationData, TableInput, prepare
from datatwin.evaluate.privacy_metrics import privacy_metrics
from datatwin.evaluate.registry import SECTIONS
from datatwin.evaluate.result import MetricResult, Status, Threshold, skipped, thresholds_with
from datatwin.evaluate.utility_metrics import utility_metrics
from datatwin.lineage import Lineage
from datatwin.progress import Progress, advance
from datatwin.schema import Schema

REPORT_FORMAT = "datatwin.report"
REPORT_VERSION = 2
_STATUS_ORDER = (Status.FAIL, Status.WARN, Status.PASS)


@dataclass(frozen=True)
class Report:
    """The result of :func:`datatwin.evaluate`: metrics, their score and verdicts, and JSON.

    Rendering it as HTML, and saving it, is :mod:`datatwin.report`'s job.

    Parameters
    ----------
    metrics
        Every metric, in section order.
    context
        Table sizes, the columns compared and left out, target, sensitive columns, seed.
    lineage
        Where the synthetic table came from, when known.
    guarantee
        The differential-privacy guarantee of the twin that made the synthetic table
        (:meth:`~datatwin.dp.PrivacyLedger.guarantee`), when it was fitted under one.
    """

    metrics: tuple[MetricResult, ...]
    context: dict[str, Any]
    lineage: dict[str, Any] | None = field(default=None)
    guarantee: dict[str, Any] | None = field(default=None)

    @property
    def score(self) -> float:
        """Overall quality in [0, 1]: the mean of column shapes, pair trends, the detection score
        (2 × (1 − AUC), capped to [0, 1]) and, with a target, the utility ratio (capped at 1)."""
        parts: list[float] = []
        for metric in self.measured:
            assert metric.value is not None  # measured
            if metric.key in ("column_shapes", "pair_trends"):
                parts.append(metric.value)
            elif metric.key == "detection":
                parts.append(float(np.clip(2 * (1 - metric.value), 0, 1)))
            elif metric.key == "utility":
                parts.append(min(1.0, metric.value))
        return float(np.mean(parts)) if parts else float("nan")

    @property
    def privacy(self) -> Status:
        """The worst status among the privacy metrics measured (skipped when none could be)."""
        return _worst([m for m in self.measured if m.section == "privacy"])

    @property
    def measured(self) -> list[MetricResult]:
        """The metrics that have a value."""
        return [m for m in self.metrics if m.value is not None and m.status is not Status.SKIPPED]

    @property
    def sections(self) -> list[str]:
        """The sections holding at least one metric, in :data:`SECTIONS` order."""
        return [s for s in SECTIONS if any(m.section == s for m in self.metrics)]

    def section_status(self, section: str) -> Status:
        """The worst status in one section."""
        return _worst([m for m in self.measured if m.section == section])

    def metric(self, key: str, subject: str | None = None) -> MetricResult:
        """The metric named ``key`` (and ``subject`` for per-column ones)."""
        for m in self.metrics:
            if m.key == key and (subject is None or m.subject == subject):
                return m
        raise KeyError(key if subject is None else f"{key}[{subject}]")

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": REPORT_FORMAT,
            "version": REPORT_VERSION,
            "datatwin_version": __version__,
            "score": None if np.isnan(self.score) else round(self.score, 6),
            "privacy": self.privacy.value,
            "sections": {s: self.section_status(s).value for s in self.sections},
            "context": self.context,
            "lineage": self.lineage,
            "differential_privacy": self.guarantee,
            "metrics": [m.to_dict() for m in self.metrics],
        }

    def to_json(self) -> str:
        """The report as indented JSON text."""
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False, allow_nan=False) + "\n"

    @classmethod
    def from_json(cls, text: str) -> Report:
        """Read a report written by :meth:`to_json`."""
        data = json.loads(text)
        if data.get("format") != REPORT_FORMAT:
            raise DataError([f'not a datatwin report: expected "format": "{REPORT_FORMAT}"'])
        metrics = tuple(MetricResult.from_dict(m) for m in data["metrics"])
        return cls(metrics, data["context"], data.get("lineage"), data.get("differential_privacy"))


def evaluate_tables(
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
    privacy: PrivacyLedger | None = None,
    max_rows: int | None = None,
) -> Report:
    """Every metric of one table evaluation (see :func:`datatwin.evaluate.evaluate`)."""
    limits = thresholds_with(thresholds)
    data = prepare(
        real, synthetic, holdout, schema=schema, target=target, sensitive=sensitive, max_rows=max_rows, seed=seed
    )
    steps = [
        ("fidelity", lambda: _fidelity(data, limits, seed)),
        ("utility", lambda: utility_metrics(data, limits, seed=seed)),
        ("privacy", lambda: privacy_metrics(data, limits, seed=seed)),
        ("fairness", lambda: _fairness(data, limits)),
        ("constraints", lambda: _constraints(data, limits)),
    ]
    metrics: list[MetricResult] = []
    for done, (_, step) in enumerate(steps, start=1):
        metrics.extend(step())
        advance(progress, "evaluating", done, len(steps))
    if isinstance(lineage, Lineage):
        lineage = lineage.to_dict()
    guarantee = None if privacy is None else privacy.guarantee()
    return Report(tuple(metrics), _context(data, seed), lineage, guarantee)


def _fidelity(data: EvaluationData, limits: dict[str, Threshold], seed: int) -> list[MetricResult]:
    return [
        column_shapes_metric(data, limits),
        missing_values_metric(data, limits),
        coverage_metric(data, limits),
        invented_values_metric(data, limits),
        pair_trends_metric(data, limits),
        detection_metric(data, limits, seed=seed),
    ]


def _fairness(data: EvaluationData, limits: dict[str, Threshold]) -> list[MetricResult]:
    if not data.sensitive:
        return [skipped("fairness", "Name --sensitive columns to check.", limits)]
    if data.target is None:
        why = "Needs a target column (--target) whose rate is compared across groups."
        return [skipped("fairness", why, limits)]
    return [fairness_metric(data, column, limits) for column in data.sensitive]


def _constraints(data: EvaluationData, limits: dict[str, Threshold]) -> list[MetricResult]:
    if not data.declared_schema:
        why = "No declared rules: pass the schema (--schema) to check its bounds and domains."
        return [skipped("constraints", why, limits)]
    return [constraints_metric(data, limits)]


def _context(data: EvaluationData, seed: int) -> dict[str, Any]:
    compared = set(data.columns)
    return {
        "rows": {
            "real": len(data.real),
            "synthetic": len(data.synthetic),
            "holdout": None if data.holdout is None else len(data.holdout),
        },
        "columns_compared": data.columns,
        "columns_not_compared": {c.name: c.kind.value for c in data.schema.columns if c.name not in compared},
        "target": data.target,
        "sensitive": data.sensitive,
        "attacker_synthetic_rows": min(len(data.synthetic), ATTACKER_ROWS),
        "sampled_from": data.sampled_from,
        "seed": seed,
    }


def _worst(metrics: list[MetricResult]) -> Status:
    statuses = {m.status for m in metrics}
    return next((s for s in _STATUS_ORDER if s in statuses), Status.SKIPPED)
