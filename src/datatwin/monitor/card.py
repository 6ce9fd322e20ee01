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
from datatwin.constraints.cross import database_rules
from datatwin.dp import PrivacyLedger
from datatwin.pipeline import FittedTable
from datatwin.relational import FittedDatabase, TableModel
from datatwin.sequential import FittedSequences

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
    twin: FittedTable | FittedSequences | FittedDatabase,
    *,
    evaluation: dict[str, Any] | None = None,
    intended_use: str | None = None,
    limits: list[str] | None = None,
    sample: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The card of a fitted twin — a table's, sequences' or a database's (JSON-able;
    :func:`datatwin.save_card` writes it as HTML or JSON).

    Parameters
    ----------
    twin
        What the twin learnt (``twin.fitted``).
    evaluation
        A report's JSON (``datatwin evaluate --json``), summarised in the card.
    intended_use, limits
        What the data is for, and what it should not be trusted for, in the user's words
        (added to the known limits every twin has).
    sample
        For a sample's card: rows drawn, seed, conditions, output file and its hash.
    """
    if isinstance(twin, FittedDatabase):
        facts = _database_facts(twin)
    elif isinstance(twin, FittedSequences):
        facts = _sequence_facts(twin)
    else:
        facts = _table_facts(twin)
    sections = [
        _section(
            "Motivation and design choices",
            "Art. 10(2)(a)",
            "Motivation",
            {"purpose": intended_use or "not stated", **facts["design"]},
        ),
        _section("Sources and collection", "Art. 10(2)(b)", "Collection process", facts["sources"]),
        _section("Preparation", "Art. 10(2)(c)", "Preprocessing / cleaning / labelling", facts["preparation"]),
        _section("Assumptions and composition", "Art. 10(2)(d)-(e)", "Composition", facts["composition"]),
        _section("Examination for bias", "Art. 10(2)(f)-(g)", "Composition", _bias(evaluation)),
        _section(
            "Gaps and known limits",
            "Art. 10(2)(h)",
            "Uses",
            {"limits": [*(limits or []), *facts["limits"], *DEFAULT_LIMITS]},
        ),
        _section("Evaluation", "Art. 10(3)", "Uses", _evaluation(evaluation)),
        _section("Privacy", "Art. 10(5)", "Distribution", _privacy(facts["ledger"], evaluation)),
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
        "title": facts["title"],
        "sections": sections,
    }


def _table_facts(table: FittedTable) -> dict[str, Any]:
    lineage = table.lineage.to_dict()
    return {
        "title": f"Synthetic twin of {lineage['source']}",
        "design": {"model": table.model.name, "settings": table.model.get_params(), "seed": lineage["seed"]},
        "sources": _sources(lineage),
        "preparation": {
            "schema": [_column(c.to_dict()) for c in table.schema.columns],
            "rules": [str(r) for r in table.rules.rules],
            "rows_breaking_rules_in_data": table.broken_in_data,
        },
        "composition": {
            "unit": "one row of the table",
            "rows_are": "independent draws from the model; no row is copied from the source",
            "profile": _profile_summary(table.profile),
        },
        "limits": [],
        "ledger": table.privacy,
    }


def _sequence_facts(sequences: FittedSequences) -> dict[str, Any]:
    lineage = sequences.lineage.to_dict()
    keys = sequences.keys
    events = sequences.mode == "events"
    return {
        "title": f"Synthetic sequence twin of {lineage['source']}",
        "design": {
            "model": sequences.model.name,
            "settings": sequences.model.get_params(),
            "seed": lineage["seed"],
            "kind": "new entities with event histories" if events else "new series of the real entities",
        },
        "sources": {**_sources(lineage), "entities": sequences.lengths["entities"]},
        "preparation": {
            "schema": [_column(c.to_dict()) for c in sequences.schema.columns],
            "entity": keys.entity,
            "order": keys.order,
            "static": list(keys.static or ()),
            "rules": [str(r) for r in sequences.rules.rules],
        },
        "composition": {
            "unit": "one event of an entity's sequence" if events else "one step of a series",
            "rows_are": "each step drawn given the entity and its history; no sequence is copied from the source",
            "sequence_lengths": {k: v for k, v in sequences.lengths.items() if k in ("longest", "median")},
            "profile": None
            if sequences.profile is None
            else {view: _profile_summary(p) for view, p in sequences.profile.items()},
        },
        "limits": []
        if events
        else ["A series twin draws new series for its real entities: their names and static columns are real."],
        "ledger": None,
    }


def _database_facts(database: FittedDatabase) -> dict[str, Any]:
    lineage = database.lineage
    tables = database.schema.tables
    return {
        "title": f"Synthetic twin of the database {lineage['source']}",
        "design": {"models": {t.name: _table_model(database.tables[t.name]) for t in tables}, "seed": lineage["seed"]},
        "sources": {
            "source": lineage["source"],
            "tables": lineage["tables"],
            "tables_sha256": lineage.get("tables_sha256"),
            "fitted_at": lineage["created_at"],
        },
        "preparation": {
            "tables": {t.name: _database_columns(database.tables[t.name], t.columns) for t in tables},
            "primary_keys": {t.name: list(t.primary_key) for t in tables if t.primary_key},
            "foreign_keys": [k.describe() for k in database.schema.foreign_keys],
            "rules": [str(r) for r in database_rules(database.schema.rules, database.schema)],
        },
        "composition": {
            "unit": "the rows of every table, each table scaled alike; every key resolves",
            "rows_are": "drawn table by table, children given their parents; reference tables written out as they are",
            "profile": {
                name: _profile_summary(model.fitted.profile)
                for name, model in database.tables.items()
                if model.fitted is not None and model.fitted.profile is not None
            },
        },
        "limits": [
            "Reference tables (short lookup lists naming no one) are copied as they are.",
            "Tables of events are drawn by sequence twins, which keep no drift profile.",
        ],
        "ledger": None,
    }


def _sources(lineage: dict[str, Any]) -> dict[str, Any]:
    return {
        "source": lineage["source"],
        "source_sha256": lineage["source_sha256"],
        "rows": lineage["n_rows"],
        "rows_learnt_from": lineage["sampled_rows"] or lineage["n_rows"],
        "columns": lineage["n_columns"],
        "fitted_at": lineage["created_at"],
        "refreshed_from": _parent(lineage.get("refreshed_from")),
        "schema_changes": lineage.get("schema_changes"),
    }


def _table_model(model: TableModel) -> str:
    if model.reference is not None:
        return "reference rows, written out as they are"
    if model.events is not None:
        return f"sequence twin ({model.events.model.name})"
    return "keys only" if model.fitted is None else model.fitted.model.name


def _database_columns(model: TableModel, columns: tuple[str, ...]) -> list[dict[str, Any]]:
    """A table's columns as the card shows them: the learnt ones by their specs, keys by name."""
    specs = {} if model.fitted is None else {c.name: c for c in model.fitted.schema.columns}
    return [_column(specs[c].to_dict()) if c in specs else {"name": c} for c in columns]


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


def _privacy(ledger: PrivacyLedger | None, evaluation: dict[str, Any] | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if ledger is not None:
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
