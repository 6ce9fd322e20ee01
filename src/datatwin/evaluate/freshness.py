"""The trust report's freshness section: a drift check's result (:mod:`datatwin.monitor.drift`) as metrics.

Each check keeps the drift check's own verdict, whose thresholds are calibrated on the data's
size: columns fail when the drift verdict calls for a refresh because of them (a quarter or more
drifted, one moved by more than :data:`~datatwin.monitor.drift.REFRESH_DISTANCE`, one gone), and
warn when some drifted; relations warn when one drifted; the rows as a whole fail when the
classifier's AUC rose past the threshold the check measured, which is the metric's limit.
"""

from __future__ import annotations

from datatwin.evaluate.registry import METRICS
from datatwin.evaluate.result import DEFAULT_THRESHOLDS, MetricResult, Status, Threshold
from datatwin.monitor.drift import REFRESH_DISTANCE, REFRESH_SHARE, DriftReport, TablesDriftReport

_SHOWN = 5


def freshness_metrics(drift: DriftReport | TablesDriftReport) -> list[MetricResult]:
    """The metrics of a drift check: per table of a database or sequences (their subject), else one set."""
    if isinstance(drift, TablesDriftReport):
        return [m for name, table in drift.tables.items() for m in _table_metrics(table, name)]
    return _table_metrics(drift, None)


def _table_metrics(report: DriftReport, subject: str | None) -> list[MetricResult]:
    drifted = [c for c in report.columns if c.drifted]
    large = [c.column for c in drifted if c.distance > REFRESH_DISTANCE]
    share = len(drifted) / max(len(report.columns), 1)
    failing = bool(large or report.missing_columns or (report.columns and share >= REFRESH_SHARE))
    cells = "; ".join(f"{m['column']} {m['cell']} {m['before']:.1%} → {m['now']:.1%}" for m in report.segments(3))
    summary = (
        f"{len(drifted)} of {len(report.columns)} columns moved past their thresholds"
        + (f": {[c.column for c in drifted][:_SHOWN]}; most moved: {cells}" if drifted else "")
        + (f"; gone from the new rows: {report.missing_columns}" if report.missing_columns else "")
        + f" ({report.rows:,} rows against the {report.reference})."
    )
    metrics = [
        _metric(
            "drift_columns",
            share,
            Status.FAIL if failing else Status.WARN if drifted else Status.PASS,
            None,
            summary,
            {"columns": [vars(c) for c in report.columns], "missing_columns": report.missing_columns},
            subject,
        )
    ]
    moved = [p.columns for p in report.pairs if p.drifted]
    metrics.append(
        _metric(
            "drift_relations",
            len(moved) / max(len(report.pairs), 1),
            Status.WARN if moved else Status.PASS,
            None,
            f"{len(moved)} of {len(report.pairs)} watched relations changed strength"
            + (f": {moved[:_SHOWN]}." if moved else "."),
            {"pairs": [vars(p) for p in report.pairs]},
            subject,
        )
    )
    rows = report.multivariate
    if rows is not None:
        metrics.append(
            _metric(
                "drift_rows",
                float(rows["rise"]),
                Status.FAIL if rows["drifted"] else Status.PASS,
                Threshold(float(rows["threshold"]), float(rows["threshold"]), "lower"),
                f"A classifier tells the new rows from the twin's with AUC {rows['auc']:.3f}, against "
                f"{rows['baseline_auc']:.3f} for the training rows at fit (threshold +{rows['threshold']:.3f}).",
                dict(rows),
                subject,
            )
        )
    return metrics


def _metric(
    key: str,
    value: float,
    status: Status,
    limits: Threshold | None,
    summary: str,
    details: dict,
    subject: str | None,
) -> MetricResult:
    spec = METRICS[key]
    return MetricResult(
        key=key,
        section=spec.section,
        title=spec.title,
        value=round(float(value), 4),
        ideal=0.0,
        direction=spec.direction,
        status=status,
        summary=summary,
        details=details,
        subject=subject,
        limits=limits or DEFAULT_THRESHOLDS[key],
    )
