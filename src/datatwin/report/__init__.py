"""Rendering reports, data cards and drift results: one self-contained HTML page each, or JSON; and saving them."""

from datatwin.report.documents import render_card_html, render_drift_html, save_card, save_document
from datatwin.report.html import render_html
from datatwin.report.save import save_report

__all__ = ["render_card_html", "render_drift_html", "render_html", "save_card", "save_document", "save_report"]
