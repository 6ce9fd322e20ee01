"""Rendering reports: one self-contained HTML page with inlined plots, or JSON; and saving them."""

from datatwin.report.html import render_html
from datatwin.report.save import save_report

__all__ = ["render_html", "save_report"]
