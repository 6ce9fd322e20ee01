"""Data cards and drift results as one self-contained HTML page, or JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from datatwin.io.writers import write_bytes


def render_card_html(card: dict[str, Any]) -> str:
    """A data card (:func:`datatwin.monitor.card.data_card`) as one HTML page."""
    sections = [
        {
            "title": s["title"],
            "tags": f"EU AI Act {s['article_10']} · Datasheets for Datasets: {s['datasheet']}",
            "content": s["content"],
        }
        for s in card["sections"]
    ]
    return _render(title=card["title"], subtitle=f"Data card made {card['made_at']}", sections=sections)


def render_drift_html(drift: dict[str, Any]) -> str:
    """A drift result (``to_dict()`` of a table's or a database's report) as one HTML page."""
    verdict = drift["verdict"]
    sections: list[dict[str, Any]]
    if "tables" in drift:
        sections = [
            {"title": f"{name}: {table['verdict']}", "tags": "; ".join(table["reasons"]), "content": _columns(table)}
            for name, table in drift["tables"].items()
        ]
        subtitle = f"{len(drift['tables'])} tables against their profiles"
    else:
        sections = [
            {"title": "Columns", "tags": "total variation distance on the profile's bins", "content": _columns(drift)},
            {"title": "Relations", "tags": "Cramér's V of the watched pairs", "content": drift["pairs"]},
            {
                "title": "Rows as a whole",
                "tags": "classifier AUC, new rows vs the twin's",
                "content": drift["multivariate"],
            },
            {
                "title": "Schema",
                "tags": "",
                "content": {"missing columns": drift["missing_columns"], "new columns": drift["new_columns"]},
            },
        ]
        subtitle = f"{drift['rows']:,} new rows against the {drift['reference']}"
    return _render(
        title="datatwin drift",
        subtitle=subtitle,
        sections=sections,
        verdict=verdict,
        verdict_class=verdict.split()[0],
        reasons=drift["reasons"],
    )


def _columns(drift: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {k: c[k] for k in ("column", "distance", "threshold", "drifted")}
        | {"moved most": ", ".join(f"{m['cell']} {m['before']:.1%} → {m['now']:.1%}" for m in c["moved"])}
        for c in sorted(drift["columns"], key=lambda c: -c["distance"])
    ]


def save_document(document: dict[str, Any], path: str | Path, render: Any) -> None:
    """Write ``document`` as JSON when ``path`` ends in ``.json``, else as ``render(document)``'s HTML."""
    path = Path(path)
    text = json.dumps(document, indent=1, default=str) if path.suffix.lower() == ".json" else render(document)
    write_bytes(path, text.encode("utf-8"))


def save_card(card: dict[str, Any], path: str | Path) -> None:
    """Write a data card: JSON when ``path`` ends in ``.json``, else HTML."""
    save_document(card, path, render_card_html)


_environment = Environment(loader=PackageLoader("datatwin.report", "templates"), autoescape=select_autoescape(["html"]))


def _render(**context: Any) -> str:
    return _environment.get_template("document.html").render(**context)
