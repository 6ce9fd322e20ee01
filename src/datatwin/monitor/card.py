"""A data card: how a twin (or a sample drawn from it) was made, checked and protected.

Laid out along the headings of the EU AI Act's Article 10 (data and data governance: design
choices, collection and origin, preparation, assumptions, quantity and suitability, bias,
gaps) and of Datasheets for Datasets (motivation, composition, collection, preprocessing, uses,
distribution, maintenance); each section names both. It is built from what the twin file
records — lineage, schema, rules, model and settings, profile, privacy ledger — plus what the
user adds (an evaluation report's JSON, intended use, known limits). It holds no row of the
data: the schema's labels and bounds are the twin's own (pooled and coarsened as it learnt them).
"""

from __future__ import annotations

import platform
from datetime import UTC, datetime
from importlib import metadata
from typing import Any

from datatwin._version import __version__
from datatwin.pipeline import FittedTable

CARD_FORMAT, CARD_VERSION = "datatwin.card", 1
SOFTWARE = ("numpy", "pandas", "scikit-learn", "scipy", "torch", "mbi", "opacus")
DEFAULT_LIMITS = (
    "Rows are drawn from a model of the training rows: patterns the model did not learn (rare "
    "combinations, relations between more columns than it links) are weaker or absent.",
    "Labels seen in fewer rows than the rare threshold were pooled and redrawn from common ones; "
    "numbers are kept within the bounds the schema states.",
    "The twin pictures the data as it was when fitted: check it against new data with `datatwin drift`.",
)


def data_card(
    table: FittedTable,
    *,
    evaluation: dict[str, Any] | None = None,
    intended_use: str | None = None,
    limits: list[str] | None = None,
    sample: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The card of a fitted table (JSON-able; :func:`datatwin.save_card` writes it as HTML or JSON).

    Parameters
    ----------
    table
        The fitted table (``twin.fitted``).
    evaluation
        A report's JSON (``datatwin evaluate --json``), summarised in the card.
    intended_use, limits
        What the data is for, and what it should not be trusted for, in the user's words
        (added to the known limits every twin has).
    sample
        For a sample's card: rows drawn, seed, conditions, output file and its hash.
    """
    lineage = table.lineage.to_dict()
    sections = [
        _section(
            "Motivation and design choices",
            "Art. 10(2)(a)",
            "Motivation",
            {
                "purpose": intended_use or "not stated",
                "model": table.model.name,
                "settings": table.model.get_params(),
                "seed": lineage["seed"],
            },
        ),
        _section(
            "Sources and collection",
            "Art. 10(2)(b)",
            "Collection process",
            {
                "source": lineage["source"],
                "source_sha256": lineage["source_sha256"],
                "rows": lineage["n_rows"],
                "rows_learnt_from": lineage["sampled_rows"] or lineage["n_rows"],
                "columns": lineage["n_columns"],
                "fitted_at": lineage["created_at"],
                "refreshed_from": _parent(lineage.get("refreshed_from")),
                "schema_changes": lineage.get("schema_changes"),
            },
        ),
        _section(
            "Preparation",
            "Art. 10(2)(c)",
            "Preprocessing / cleaning / labelling",
            {
                "schema": [_column(c.to_dict()) for c in table.schema.columns],
                "rules": [str(r) for r in table.rules.rules],
                "rows_breaking_rules_in_data": table.broken_in_data,
            },
        ),
        _section(
            "Assumptions and composition",
            "Art. 10(2)(d)-(e)",
            "Composition",
            {
                "unit": "one row of the table",
                "rows_are": "independent draws from the model; no row is copied from the source",
                "profile": _profile_summary(table.profile),
            },
        ),
        _section(
            "Examination for bias",
            "Art. 10(2)(f)-(g)",
            "Composition",
            _bias(evaluation),
        ),
        _section(
            "Gaps and known limits",
            "Art. 10(2)(h)",
            "Uses",
            {"limits": [*(limits or []), *DEFAULT_LIMITS]},
        ),
        _section("Evaluation", "Art. 10(3)", "Uses", _evaluation(evaluation)),
        _section("Privacy", "Art. 10(5)", "Distribution", _privacy(table, evaluation)),
        _section(
            "Software and maintenance",
            "Art. 10(2)",
            "Maintenance",
            {"datatwin": __version__, "python": platform.python_version(), **_versions()},
        ),
    ]
    if sample is not None:
        sections.insert(1, _section("This sample", "Art. 10(2)(b)", "Distribution", sample))
    return {
        "format": CARD_FORMAT,
        "version": CARD_VERSION,
        "made_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "title": f"Synthetic twin of {lineage['source']}",
        "sections": sections,
    }


def _section(title: str, article: str, datasheet: str, content: dict[str, Any]) -> dict[str, Any]:
    return {"title": title, "article_10": article, "datasheet": datasheet, "content": content}


def _column(spec: dict[str, Any]) -> dict[str, Any]:
    """A column as the card shows it: its kind and bounds, and how many labels (not which: those
    are in the twin file for who may open it)."""
    shown = {k: v for k, v in spec.items() if k not in ("categories", "stats")}
    if "categories" in spec:
        shown["labels"] = len(spec["categories"])
    return shown


def _parent(parent: dict[str, Any] | None) -> dict[str, Any] | None:
    if parent is None:
        return None
    keys = ("source", "source_sha256", "created_at", "model", "twin_sha256")
    return {k: parent.get(k) for k in keys}


def _profile_summary(profile: dict[str, Any] | None) -> dict[str, Any] | None:
    if profile is None:
        return None
    return {
        "rows": profile["rows"],
        "columns_profiled": len(profile["columns"]),
        "relations_watched": [p["columns"] for p in profile["pairs"]],
        "smallest_published_cell": profile["min_cell"],
        "classifier_auc_at_fit": None if profile["baseline"] is None else profile["baseline"]["auc"],
    }


def _metrics(evaluation: dict[str, Any] | None, section: str) -> dict[str, Any]:
    if evaluation is None:
        return {}
    return {
        m["title"] + (f" ({m['subject']})" if m.get("subject") else ""): {
            "value": m.get("value"),
            "status": m.get("status"),
        }
        for m in evaluation.get("metrics", [])
        if m.get("section") == section
    }


def _bias(evaluation: dict[str, Any] | None) -> dict[str, Any]:
    found = _metrics(evaluation, "fairness")
    return found or {"checked": "no fairness evaluation given (datatwin evaluate --sensitive COLUMN --json)"}


def _evaluation(evaluation: dict[str, Any] | None) -> dict[str, Any]:
    if evaluation is None:
        return {"checked": "no evaluation given (datatwin evaluate ... --json report.json, then --evaluation)"}
    return {
        "score": evaluation.get("score"),
        "sections": evaluation.get("sections"),
        "privacy_verdict": evaluation.get("privacy"),
        "compared": evaluation.get("context", {}).get("rows"),
    }


def _privacy(table: FittedTable, evaluation: dict[str, Any] | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if table.privacy is not None:
        ledger = table.privacy
        out["differential_privacy"] = {
            "epsilon": ledger.epsilon,
            "delta": ledger.delta,
            "epsilon_spent": round(ledger.epsilon_spent(), 6),
            "unit": ledger.unit,
            "spent_on": [{"what": w, "releases": n, "share": round(s, 4)} for w, n, s in ledger.summary()],
        }
    else:
        out["differential_privacy"] = "none: privacy is measured after the fact (evaluation below)"
    out["measured"] = _metrics(evaluation, "privacy") or "no privacy evaluation given"
    return out


def _versions() -> dict[str, str]:
    found = {}
    for name in SOFTWARE:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return found
