"""Every metric, declared once: its key, section, title, direction, ideal and default limits.

The metric functions look their facts up here by key, :func:`datatwin.evaluate.evaluate`
judges their values against these limits (or the user's, by key), and the report renders the
sections and rows in this order, each with its limits and direction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Direction = Literal["higher", "lower"]

SECTIONS = ("fidelity", "utility", "privacy", "fairness", "constraints", "freshness", "scenario")


@dataclass(frozen=True)
class MetricSpec:
    """The facts of one metric.

    Parameters
    ----------
    key
        Its name in reports, ``--threshold`` options and :meth:`Report.metric`.
    section
        One of :data:`SECTIONS`.
    title
        A short human name; what a repeated metric is about (a column, a key) is its subject.
    direction
        ``"higher"`` when larger values are better, ``"lower"`` when smaller ones are.
    passing, warning
        Default limits: a value at least as good as ``passing`` passes, at least as good as
        ``warning`` warns, anything worse fails.
    relative
        The limits apply to ``value − ideal`` (an ideal measured on the data, such as the
        holdout's own rate), not to the value.
    ideal
        The value a perfect synthetic table gets, when it is fixed; ``None`` when measured.
    """

    key: str
    section: str
    title: str
    direction: Direction
    passing: float
    warning: float
    relative: bool = False
    ideal: float | None = None


METRICS: dict[str, MetricSpec] = {
    spec.key: spec
    for spec in (
        MetricSpec("scenario_labels", "scenario", "Labels reconcile with the ground truth", "lower", 0, 0, ideal=0.0),
        MetricSpec(
            "shortcut_auc", "scenario", "Shortcut audit: one feature group's AUC", "lower", 0.75, 0.80, ideal=0.5
        ),
        MetricSpec(
            "detector_recall", "scenario", "Detector recall at 1% false positives", "higher", 0.5, 0.2, ideal=1.0
        ),
        MetricSpec("rhythm", "scenario", "Normal events a day against the rules", "lower", 0.05, 0.15, ideal=0.0),
        MetricSpec("population_shapes", "scenario", "Population's column shapes", "higher", 0.90, 0.80, ideal=1.0),
        MetricSpec("column_shapes", "fidelity", "Column shapes", "higher", 0.90, 0.80, ideal=1.0),
        MetricSpec("missing_values", "fidelity", "Missing values", "higher", 0.98, 0.95, ideal=1.0),
        MetricSpec("coverage", "fidelity", "Range and category coverage", "higher", 0.90, 0.75, ideal=1.0),
        MetricSpec("invented_values", "fidelity", "Invented values", "lower", 0.01, 0.05, ideal=0.0),
        MetricSpec("pair_trends", "fidelity", "Column-pair trends", "higher", 0.90, 0.80, ideal=1.0),
        MetricSpec("detection", "fidelity", "Two-sample classifier AUC", "lower", 0.60, 0.75, ideal=0.5),
        MetricSpec("children_per_parent", "fidelity", "Children per parent", "higher", 0.90, 0.80, ideal=1.0),
        MetricSpec("parent_child_trends", "fidelity", "Parent–child trends", "higher", 0.90, 0.80, ideal=1.0),
        MetricSpec("sequence_lengths", "fidelity", "Sequence lengths", "higher", 0.95, 0.85, ideal=1.0),
        MetricSpec("inter_event_times", "fidelity", "Time between events", "higher", 0.90, 0.80, ideal=1.0),
        MetricSpec("autocorrelation", "fidelity", "Autocorrelation distance", "lower", 0.05, 0.10, ideal=0.0),
        MetricSpec("cross_correlation", "fidelity", "Cross-correlation distance", "lower", 0.05, 0.10, ideal=0.0),
        MetricSpec("entity_detection", "fidelity", "Entity two-sample AUC", "lower", 0.65, 0.75, ideal=0.5),
        MetricSpec("discriminative_score", "fidelity", "Discriminative score", "lower", 0.10, 0.20, ideal=0.0),
        MetricSpec("predictive_score", "utility", "Predictive score (MAE ratio)", "lower", 1.05, 1.20, ideal=1.0),
        MetricSpec("utility", "utility", "Train synthetic, test real", "higher", 0.95, 0.85, ideal=1.0),
        MetricSpec("importance_agreement", "utility", "Feature-importance agreement", "higher", 0.70, 0.40, ideal=1.0),
        MetricSpec("exact_copies", "privacy", "Exact copies of real rows", "lower", 0.002, 0.01, relative=True),
        MetricSpec("key_collisions", "privacy", "Synthetic keys that are real keys", "lower", 0.001, 0.01, ideal=0.0),
        MetricSpec("copied_identifiers", "privacy", "Copied identifiers", "lower", 0.01, 0.05, ideal=0.0),
        MetricSpec("dcr_share", "privacy", "Distance to closest record", "lower", 0.53, 0.60, ideal=0.5),
        MetricSpec("nndr", "privacy", "Nearest-neighbour distance ratio", "higher", -0.05, -0.15, relative=True),
        MetricSpec("near_copies", "privacy", "Near copies", "lower", 0.03, 0.10, relative=True),
        MetricSpec("membership_inference", "privacy", "Membership inference", "lower", 0.55, 0.60, ideal=0.5),
        MetricSpec("singling_out", "privacy", "Singling out", "lower", 0.10, 0.20, ideal=0.0),
        MetricSpec("linkability", "privacy", "Linkability", "lower", 0.10, 0.20, ideal=0.0),
        MetricSpec("attribute_inference", "privacy", "Attribute inference", "lower", 0.10, 0.20, ideal=0.0),
        MetricSpec("sequence_copies", "privacy", "Copied sequences", "lower", 0.0, 0.01, ideal=0.0),
        MetricSpec("sequence_dcr", "privacy", "Sequence distance to closest record", "lower", 0.53, 0.60, ideal=0.5),
        MetricSpec("sequence_membership", "privacy", "Membership inference per entity", "lower", 0.55, 0.60, ideal=0.5),
        MetricSpec("fairness", "fairness", "Bias across groups", "lower", 0.05, 0.10, ideal=0.0),
        MetricSpec("constraints", "constraints", "Declared rules kept", "lower", 0.0, 0.01, ideal=0.0),
        MetricSpec("referential_integrity", "constraints", "Referential integrity", "higher", 1.0, 0.999, ideal=1.0),
        MetricSpec(
            "drift_columns", "freshness", "Columns drifted from the twin's profile", "lower", 0.0, 0.0, ideal=0.0
        ),
        MetricSpec("drift_relations", "freshness", "Watched relations drifted", "lower", 0.0, 0.0, ideal=0.0),
        MetricSpec("drift_rows", "freshness", "Rise of the classifier AUC since the fit", "lower", 0.0, 0.0, ideal=0.0),
        MetricSpec("dangling_share", "constraints", "Dangling share vs real", "lower", 0.01, 0.05, ideal=0.0),
        MetricSpec("database_rules", "constraints", "Rules across tables kept", "lower", 0.0, 0.01, ideal=0.0),
    )
}
"""The metrics in report order."""
