"""Saving a report: ``.json`` as JSON, anything else as one HTML page, atomically."""

from __future__ import annotations

from pathlib import Path

from datatwin.evaluate.report import Report
from datatwin.io.writers import write_bytes
from datatwin.report.html import render_html


def save_report(report: Report, path: str | Path) -> None:
    """Write ``report`` to ``path``: JSON when it ends in ``.json``, else HTML."""
    path = Path(path)
    text = report.to_json() if path.suffix.lower() == ".json" else render_html(report)
    write_bytes(path, text.encode("utf-8"))
