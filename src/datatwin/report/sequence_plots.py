"""Plots of sequences for the HTML report: a few real and synthetic series side by side, and
each number's autocorrelation curve. Drawn from the report's JSON (its ``sequence_examples``
context and the autocorrelation metrics' details)."""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.figure import Figure

from datatwin.report.plots import _DPI, REAL, SYNTHETIC, _png, _short


def series_panels(examples: dict[str, Any]) -> str | None:
    """One row per numeric column shown, real series on the left, synthetic on the right."""
    columns = examples.get("columns") or []
    if not columns or not examples.get("real") or not examples.get("synthetic"):
        return None
    figure = Figure(figsize=(9, 1.9 * len(columns) + 0.4), dpi=_DPI, layout="constrained")
    grid = figure.subplots(len(columns), 2, squeeze=False, sharey="row")
    for side, (name, colour) in enumerate((("real", REAL), ("synthetic", SYNTHETIC))):
        for row, column in enumerate(columns):
            axes = grid[row, side]
            for i, series in enumerate(examples[name]):
                values = np.array([np.nan if v is None else v for v in series[row]], dtype=float)
                axes.plot(values, color=colour, alpha=1.0 - 0.25 * i, linewidth=1.0)
            axes.set_title(f"{name}: {_short(column, 30)}", fontsize=9)
            axes.tick_params(labelsize=7)
        grid[-1, side].set_xlabel("step", fontsize=8)
    return _png(figure)


def autocorrelation_plot(column: str, details: dict[str, Any]) -> str:
    """Real and synthetic autocorrelation of one number over the lags compared."""
    figure = Figure(figsize=(4.2, 2.4), dpi=_DPI, layout="constrained")
    axes = figure.subplots()
    lags = np.arange(1, details["lags"] + 1)
    for name, colour in (("real", REAL), ("synthetic", SYNTHETIC)):
        values = np.array([np.nan if v is None else v for v in details[name]], dtype=float)
        axes.plot(lags, values, color=colour, marker="o" if len(lags) <= 5 else None, linewidth=1.4, label=name)
    axes.set_ylim(-1, 1)
    axes.axhline(0, color="#999", linewidth=0.6)
    axes.set_title(f"Autocorrelation of {_short(column, 30)}", fontsize=9)
    axes.set_xlabel("lag (steps)", fontsize=8)
    axes.tick_params(labelsize=7)
    axes.legend(fontsize=7, frameon=False)
    return _png(figure)
