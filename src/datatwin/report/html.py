"""Rendering a :class:`~datatwin.evaluate.report.Report` as one self-contained HTML page."""

from __future__ import annotations

import html
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from datatwin.evaluate.report import Report
from datatwin.evaluate.result import MetricResult
from datatwin.report import plots, sequence_plots

_environment = Environment(loader=PackageLoader("datatwin.report", "templates"), autoescape=select_autoescape(["html"]))


def render_html(report: Report) -> str:
    """The page: summary cards, one section per metric family with its plots, then lineage."""
    sections = []
    for section in report.sections:
        metrics = [m for m in report.metrics if m.section == section]
        sections.append(
            {
                "name": section,
                "status": report.section_status(section).value,
                "metrics": metrics,
                "figures": _figures(section, metrics, report.context),
            }
        )
    return _environment.get_template("report.html").render(
        report=report,
        score=report.score,
        privacy=report.privacy.value,
        sections=sections,
        context=report.context,
        lineage=report.lineage,
        guarantee=report.guarantee,
        fmt=_format,
        limits=_limits,
        escape=html.escape,
    )


def _figures(section: str, metrics: list, context: dict[str, Any]) -> list[dict[str, str]]:
    """(caption, image) pairs for one section, from the metrics' details (and, for sequences,
    the examples the report's context holds)."""
    figures: list[dict[str, str]] = []

    def add(caption: str, image: str | None) -> None:
        if image:
            figures.append({"caption": caption, "image": image})

    if section == "fidelity" and "sequence_examples" in context:
        add(
            "The longest real and synthetic series, side by side",
            sequence_plots.series_panels(context["sequence_examples"]),
        )

    for metric in metrics:
        if metric.value is None:
            continue
        details: dict[str, Any] = metric.details
        table = f" in {metric.subject}" if metric.subject else ""  # a database report's table
        if metric.key == "column_shapes":
            for name, column in details["columns"].items():
                add(f"Distribution of {name!r}{table}", plots.distribution_plot(name, column))
        elif metric.key == "pair_trends":
            add(
                f"Column associations{table} (Pearson ρ for number pairs, Cramér's V otherwise)",
                plots.association_heatmaps(details),
            )
        elif metric.key == "detection":
            add(
                "Columns that give the synthetic rows away (AUC lost when shuffled)",
                plots.bar_plot(details["giveaways"], "Give-away columns", "AUC lost when the column is shuffled"),
            )
        elif metric.key == "importance_agreement":
            names = sorted(details["real"], key=lambda n: -details["real"][n])[:15]
            add(
                "Feature importance: model trained on real vs on synthetic rows",
                plots.paired_bars(
                    names,
                    [details["real"][n] for n in names],
                    [details["synthetic"].get(n, 0.0) for n in names],
                    "Feature importance",
                    "score lost when shuffled",
                ),
            )
        elif metric.key == "autocorrelation":
            add(f"Autocorrelation of {metric.subject!r}", sequence_plots.autocorrelation_plot(metric.subject, details))
        elif metric.key == "dcr_share":
            add("Distances to the closest training row", plots.distance_histogram(details))
        elif metric.key == "fairness":
            groups = details["groups"]
            add(
                f"{details['outcome']} per {metric.subject!r} group",
                plots.paired_bars(
                    [g["group"] for g in groups],
                    [g["real_rate"] for g in groups],
                    [g["synthetic_rate"] for g in groups],
                    metric.title,
                    details["outcome"],
                ),
            )
    return figures


def _limits(metric: MetricResult) -> str:
    """``≥ 0.9 · ≥ 0.8`` (or ``≤``), relative to the ideal when the limits are."""
    if metric.limits is None:
        return "—"
    sign = "≥" if metric.direction == "higher" else "≤"
    over = " over the ideal" if metric.limits.relative else ""
    return f"{sign} {_format(metric.limits.passing)} · {sign} {_format(metric.limits.warning)}{over}"


def _format(value: float | None) -> str:
    if value is None:
        return "—"
    if abs(value) < 1e-12:
        return "0"
    if value != 0 and abs(value) < 0.001:
        return f"{value:.2e}"
    return f"{value:.4f}".rstrip("0").rstrip(".") if abs(value) < 10 else f"{value:,.1f}"
