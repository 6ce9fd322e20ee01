"""Static plots for the HTML report, drawn with matplotlib's object API and inlined as PNG data URIs.

Every function reads a metric's JSON ``details`` (so a report read back from JSON renders the
same page) and returns ``data:image/png;base64,...`` text.
"""

from __future__ import annotations

import base64
import io
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

REAL, SYNTHETIC, HOLDOUT = "#1f77b4", "#ff7f0e", "#2ca02c"
_DPI = 80


def distribution_plot(name: str, column: dict[str, Any]) -> str | None:
    """Real vs synthetic histogram (numbers, datetimes) or label shares (labels) of one column."""
    if "real" not in column:
        return None
    figure = Figure(figsize=(4.2, 2.6), dpi=_DPI, layout="constrained")
    axes = figure.subplots()
    if "edges" in column:
        edges = np.asarray(column["edges"])
        if column.get("datetime"):
            edges = pd.to_datetime(edges.astype("int64")).to_numpy()
        widths = np.diff(edges)
        axes.bar(edges[:-1], column["real"], width=widths, align="edge", color=REAL, alpha=0.55, label="real")
        axes.step(edges[:-1], column["synthetic"], where="post", color=SYNTHETIC, linewidth=1.6, label="synthetic")
        if column.get("datetime"):
            figure.autofmt_xdate()
    else:
        positions = np.arange(len(column["labels"]))
        axes.bar(positions - 0.2, column["real"], width=0.4, color=REAL, label="real")
        axes.bar(positions + 0.2, column["synthetic"], width=0.4, color=SYNTHETIC, label="synthetic")
        axes.set_xticks(positions, [_short(str(label)) for label in column["labels"]], rotation=45, ha="right")
    score = column.get("score")
    axes.set_title(f"{_short(name, 40)}" + (f"  (similarity {score:.3f})" if score is not None else ""), fontsize=9)
    axes.tick_params(labelsize=7)
    axes.legend(fontsize=7, frameon=False)
    return _png(figure)


def association_heatmaps(details: dict[str, Any]) -> str | None:
    """Real and synthetic association matrices side by side, and their difference."""
    columns = details["columns"]
    if len(columns) < 2:
        return None
    real = np.array(details["association_real"], dtype=float)
    synth = np.array(details["association_synthetic"], dtype=float)
    size = max(4.0, 0.28 * len(columns) + 2)
    figure = Figure(figsize=(3 * size, size), dpi=_DPI, layout="constrained")
    panels = figure.subplots(1, 3)
    for axes, matrix, title, cmap, limits in (
        (panels[0], real, "real", "RdBu_r", (-1, 1)),
        (panels[1], synth, "synthetic", "RdBu_r", (-1, 1)),
        (panels[2], np.abs(real - synth), "|difference|", "Reds", (0, 0.5)),
    ):
        image = axes.imshow(matrix, cmap=cmap, vmin=limits[0], vmax=limits[1])
        axes.set_title(title, fontsize=10)
        ticks = np.arange(len(columns))
        labels = [_short(c, 18) for c in columns]
        axes.set_xticks(ticks, labels, rotation=90, fontsize=7)
        axes.set_yticks(ticks, labels if axes is panels[0] else [], fontsize=7)
        figure.colorbar(image, ax=axes, shrink=0.7)
    return _png(figure)


def bar_plot(values: dict[str, float], title: str, xlabel: str, limit: int = 15) -> str | None:
    """Horizontal bars of the largest values (e.g. the columns that give synthetic rows away)."""
    top = sorted(values.items(), key=lambda kv: -kv[1])[:limit]
    if not top:
        return None
    figure = Figure(figsize=(5.5, 0.3 * len(top) + 1.0), dpi=_DPI, layout="constrained")
    axes = figure.subplots()
    names = [_short(n, 30) for n, _ in reversed(top)]
    axes.barh(names, [v for _, v in reversed(top)], color=SYNTHETIC)
    axes.set_title(title, fontsize=10)
    axes.set_xlabel(xlabel, fontsize=8)
    axes.tick_params(labelsize=7)
    return _png(figure)


def paired_bars(names: list[str], real: list[float], synthetic: list[float], title: str, ylabel: str) -> str | None:
    """Real and synthetic values side by side per name (importances, group rates)."""
    if not names:
        return None
    figure = Figure(figsize=(max(4.5, 0.45 * len(names) + 1.5), 2.8), dpi=_DPI, layout="constrained")
    axes = figure.subplots()
    positions = np.arange(len(names))
    axes.bar(positions - 0.2, [np.nan if v is None else v for v in real], width=0.4, color=REAL, label="real")
    axes.bar(
        positions + 0.2, [np.nan if v is None else v for v in synthetic], width=0.4, color=SYNTHETIC, label="synthetic"
    )
    axes.set_xticks(positions, [_short(n, 20) for n in names], rotation=45, ha="right", fontsize=7)
    axes.set_title(title, fontsize=10)
    axes.set_ylabel(ylabel, fontsize=8)
    axes.legend(fontsize=7, frameon=False)
    return _png(figure)


def distance_histogram(details: dict[str, Any]) -> str:
    """Distances to the closest training row: synthetic rows against holdout rows."""
    figure = Figure(figsize=(5.5, 2.8), dpi=_DPI, layout="constrained")
    axes = figure.subplots()
    edges = np.asarray(details["edges"])
    axes.step(edges[:-1], details["holdout_to_train"], where="post", color=HOLDOUT, linewidth=1.6, label="holdout")
    axes.step(
        edges[:-1], details["synthetic_to_train"], where="post", color=SYNTHETIC, linewidth=1.6, label="synthetic"
    )
    axes.set_title("Distance to the closest training row", fontsize=10)
    axes.set_xlabel("distance", fontsize=8)
    axes.set_ylabel("share of rows", fontsize=8)
    axes.tick_params(labelsize=7)
    axes.legend(fontsize=7, frameon=False)
    return _png(figure)


def _png(figure: Figure) -> str:
    buffer = io.BytesIO()
    FigureCanvasAgg(figure).print_png(buffer)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _short(text: str, limit: int = 16) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
