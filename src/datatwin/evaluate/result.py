"""What every metric returns, and how a value is judged pass, warn or fail.

A metric is a plain function returning a :class:`MetricResult`; the report only aggregates.
Each metric's facts and default limits are declared once, in :mod:`datatwin.evaluate.registry`;
users may override the limits by key.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from datatwin.errors import ConfigError
from datatwin.evaluate.registry import METRICS, Direction


class Status(StrEnum):
    """The verdict on one metric (or on the whole report)."""

    PASS = "pass"
    WARN = "warn"
    FAIL = "fail"
    SKIPPED = "skipped"


@dataclass(frozen=True)
class Threshold:
    """Limits for one metric.

    Parameters
    ----------
    passing, warning
        A value at least as good as ``passing`` passes; at least as good as ``warning`` warns;
        anything worse fails. "Good" follows the metric's direction.
    direction
        ``"higher"`` when larger values are better, ``"lower"`` when smaller ones are.
    relative
        When true the limits apply to ``value − ideal`` (the metric's ideal is measured on the
        data, e.g. the holdout's own rate), not to the value itself.
    """

    passing: float
    warning: float
    direction: Direction
    relative: bool = False

    def __post_init__(self) -> None:
        better = (lambda a, b: a >= b) if self.direction == "higher" else (lambda a, b: a <= b)
        if not better(self.passing, self.warning):
            raise ConfigError(
                f"threshold pass limit {self.passing} must be at least as good as the warn limit {self.warning} "
                f"(direction: {self.direction} is better)."
            )

    def judge(self, value: float, ideal: float) -> Status:
        """The status of ``value`` (NaN is skipped)."""
        if value is None or math.isnan(value):
            return Status.SKIPPED
        measured = value - ideal if self.relative else value
        better = (lambda a, b: a >= b) if self.direction == "higher" else (lambda a, b: a <= b)
        if better(measured, self.passing):
            return Status.PASS
        return Status.WARN if better(measured, self.warning) else Status.FAIL


DEFAULT_THRESHOLDS: dict[str, Threshold] = {
    spec.key: Threshold(spec.passing, spec.warning, spec.direction, spec.relative) for spec in METRICS.values()
}
"""Each metric's default limits, from :data:`datatwin.evaluate.registry.METRICS`."""


def thresholds_with(overrides: dict[str, tuple[float, float]] | None) -> dict[str, Threshold]:
    """The default thresholds with some replaced: ``{"detection": (0.65, 0.8)}``.

    Raises
    ------
    ConfigError
        For an unknown metric key or limits in the wrong order.
    """
    table = dict(DEFAULT_THRESHOLDS)
    for key, (passing, warning) in (overrides or {}).items():
        if key not in table:
            raise ConfigError(f"No metric {key!r} to set a threshold for; known: {sorted(table)}.")
        old = table[key]
        table[key] = Threshold(float(passing), float(warning), old.direction, old.relative)
    return table


@dataclass(frozen=True)
class MetricResult:
    """One measured property of a synthetic table.

    Parameters
    ----------
    key
        The metric's name in :data:`DEFAULT_THRESHOLDS` (``"detection"``, ``"fairness"`` ...).
    section
        One of :data:`~datatwin.evaluate.registry.SECTIONS` (``"fidelity"``, ``"utility"``, ``"privacy"`` …).
    title
        A short human name ("Two-sample classifier AUC").
    value, ideal
        The measured value and the value a perfect (unseen real) sample would get.
    direction
        Whether higher or lower values are better.
    status
        Pass, warn, fail or skipped (when it could not be measured; ``summary`` says why).
    summary
        One sentence a person reads first.
    details
        JSON-ready figures behind the value (per column, per group ...), used for the plots.
    subject
        What the metric is about when it is repeated (a column name), else ``None``.
    """

    key: str
    section: str
    title: str
    value: float | None
    ideal: float
    direction: Direction
    status: Status
    summary: str
    details: dict[str, Any] = field(default_factory=dict)
    subject: str | None = None
    limits: Threshold | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form, with the limits that decided the status."""
        limits = self.limits
        return {
            "key": self.key,
            "section": self.section,
            "title": self.title,
            "subject": self.subject,
            "value": _finite_or_none(self.value),
            "ideal": _finite_or_none(self.ideal),
            "direction": self.direction,
            "limits": None
            if limits is None
            else {"pass": limits.passing, "warn": limits.warning, "relative_to_ideal": limits.relative},
            "status": self.status.value,
            "summary": self.summary,
            "details": self.details,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> MetricResult:
        """Inverse of :meth:`to_dict`."""
        limits = data.get("limits")
        return cls(
            key=data["key"],
            section=data["section"],
            title=data["title"],
            subject=data.get("subject"),
            value=data["value"],
            ideal=math.nan if data["ideal"] is None else data["ideal"],
            direction=data["direction"],
            status=Status(data["status"]),
            summary=data["summary"],
            details=data.get("details", {}),
            limits=None
            if limits is None
            else Threshold(limits["pass"], limits["warn"], data["direction"], limits["relative_to_ideal"]),
        )


def measured(
    key: str,
    value: float,
    ideal: float | None,
    summary: str,
    thresholds: dict[str, Threshold],
    details: dict[str, Any] | None = None,
    subject: str | None = None,
) -> MetricResult:
    """The result of metric ``key`` (see :data:`METRICS`), judged by its limits in ``thresholds``;
    ``ideal`` ``None`` takes the metric's fixed ideal."""
    spec, threshold = METRICS[key], thresholds[key]
    ideal = spec.ideal if ideal is None else ideal
    assert ideal is not None, f"metric {key!r} has no fixed ideal: measure it"
    return MetricResult(
        key=key,
        section=spec.section,
        title=spec.title,
        value=_zero_if_rounding_noise(float(value)),
        ideal=float(ideal),
        direction=threshold.direction,
        status=threshold.judge(float(value), float(ideal)),
        summary=summary,
        details=details or {},
        subject=subject,
        limits=threshold,
    )


def skipped(key: str, why: str, thresholds: dict[str, Threshold], subject: str | None = None) -> MetricResult:
    """The result of metric ``key`` when it could not be measured, saying why."""
    spec = METRICS[key]
    return MetricResult(
        key=key,
        section=spec.section,
        title=spec.title,
        value=None,
        ideal=math.nan if spec.ideal is None else spec.ideal,
        direction=thresholds[key].direction,
        status=Status.SKIPPED,
        summary=why,
        subject=subject,
        limits=thresholds[key],
    )


def _zero_if_rounding_noise(value: float) -> float:
    """``-1.665e-16`` (a difference of equal floats) is 0."""
    return 0.0 if abs(value) < 1e-12 else value


def _finite_or_none(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else round(float(value), 6)
