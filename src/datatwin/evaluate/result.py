"""What every metric returns, and how a value is judged pass, warn or fail.

A metric is a plain function returning a :class:`MetricResult`; the report only aggregates.
Thresholds live in one table (:data:`DEFAULT_THRESHOLDS`) that users may override by key.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal

from datatwin.errors import ConfigError

Direction = Literal["higher", "lower"]


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
    "column_shapes": Threshold(0.90, 0.80, "higher"),
    "missing_values": Threshold(0.98, 0.95, "higher"),
    "coverage": Threshold(0.90, 0.75, "higher"),
    "invented_values": Threshold(0.01, 0.05, "lower"),
    "pair_trends": Threshold(0.90, 0.80, "higher"),
    "detection": Threshold(0.60, 0.75, "lower"),
    "utility": Threshold(0.95, 0.85, "higher"),
    "importance_agreement": Threshold(0.70, 0.40, "higher"),
    "dcr_share": Threshold(0.53, 0.60, "lower"),
    "nndr": Threshold(-0.05, -0.15, "higher", relative=True),
    "near_copies": Threshold(0.03, 0.10, "lower", relative=True),
    "exact_copies": Threshold(0.002, 0.01, "lower", relative=True),
    "key_collisions": Threshold(0.001, 0.01, "lower"),
    "membership_inference": Threshold(0.55, 0.60, "lower"),
    "singling_out": Threshold(0.10, 0.20, "lower"),
    "linkability": Threshold(0.10, 0.20, "lower"),
    "attribute_inference": Threshold(0.10, 0.20, "lower"),
    "fairness": Threshold(0.05, 0.10, "lower"),
    "constraints": Threshold(0.0, 0.01, "lower"),
    "referential_integrity": Threshold(1.0, 0.999, "higher"),
    "copied_identifiers": Threshold(0.01, 0.05, "lower"),
    "children_per_parent": Threshold(0.90, 0.80, "higher"),
    "parent_child_trends": Threshold(0.90, 0.80, "higher"),
}


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
        ``"fidelity"``, ``"utility"``, ``"privacy"``, ``"fairness"`` or ``"constraints"``.
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

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "section": self.section,
            "title": self.title,
            "subject": self.subject,
            "value": _finite_or_none(self.value),
            "ideal": _finite_or_none(self.ideal),
            "direction": self.direction,
            "status": self.status.value,
            "summary": self.summary,
            "details": self.details,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> MetricResult:
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
        )


def measured(
    key: str,
    section: str,
    title: str,
    value: float,
    ideal: float,
    summary: str,
    thresholds: dict[str, Threshold],
    details: dict[str, Any] | None = None,
    subject: str | None = None,
) -> MetricResult:
    """A result judged by the threshold for ``key``."""
    threshold = thresholds[key]
    return MetricResult(
        key=key,
        section=section,
        title=title,
        value=float(value),
        ideal=float(ideal),
        direction=threshold.direction,
        status=threshold.judge(float(value), float(ideal)),
        summary=summary,
        details=details or {},
        subject=subject,
    )


def skipped(key: str, section: str, title: str, why: str, thresholds: dict[str, Threshold]) -> MetricResult:
    """A result for a metric that could not be measured, saying why."""
    return MetricResult(
        key=key,
        section=section,
        title=title,
        value=None,
        ideal=math.nan,
        direction=thresholds[key].direction,
        status=Status.SKIPPED,
        summary=why,
    )


def _finite_or_none(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else round(float(value), 6)
