"""Rendering reports: HTML pages with inlined static plots (JSON lives with the report itself)."""

from datatwin.report.html import render_html

__all__ = ["render_html"]
