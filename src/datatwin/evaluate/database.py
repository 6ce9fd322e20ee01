"""Evaluating a synthetic database against the real one, table by table and key by key.

Per table: column shapes and pair trends of its value columns (keys left out), and the share of
its identifying texts (names, emails, phones, addresses, text keys) copied from the real table,
which should be 0 up to chance meetings of common names. Per foreign
key: referential integrity (the share of filled references that find their parent, which must
be 1; where the real references dangle, the gap between the synthetic and the real dangling
shares instead), the similarity of the children-per-parent distributions (1 − KS statistic of the counts,
parents without children included) and the parent–child trends (pair trends between the
child's columns and its parent's, over the rows joined through the key).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import ks_2samp

from datatwin.constraints.cross import database_rules
from datatwin.errors import DataError
from datatwin.evaluate.fidelity import column_shapes_metric, pair_trends_metric
from datatwin.evaluate.inputs import prepare
from datatwin.evaluate.report import Report
from datatwin.evaluate.result import MetricResult, Threshold, measured, skipped, thresholds_with
from datatwin.evaluate.sequence_data import sequence_set
from datatwin.evaluate.sequence_fidelity import autocorrelation_metrics, inter_event_times_metric
from datatwin.evaluate.trends import pair_trend_details
from datatwin.io.database import Database, read_database
from datatwin.progress import Progress, advance
from datatwin.relational.columns import children_per_row, filled_column_specs, value_columns
from datatwin.relational.discover import discover_keys
from datatwin.relational.events import event_time
from datatwin.schema import ColumnKind, SequenceKeys
from datatwin.schema.coerce import blanks_as_missing
from datatwin.schema.keys import dangling_references, key_text, parent_rows
from datatwin.schema.relational import ForeignKey

_PARENT = "parent."
_ENTITY = "parent key"
_FULL_NAME = "full name"


def evaluate_database(
    real: Database | str | Path,
    synthetic: Database | str | Path,
    *,
    thresholds: dict[str, tuple[float, float]] | None = None,
    progress: Progress | None = None,
    rules: Sequence[Any] | None = None,
) -> Report:
    """Measure how faithful a synthetic database is and whether every key and rule holds.

    Parameters
    ----------
    real, synthetic
        Databases, SQLAlchemy URLs or folders; the synthetic one must have the real one's
        tables and columns. The real database's keys, with those found in its data where it
        declares none (as :func:`datatwin.fit_database` finds them), are used for both.
    thresholds
        Pass/warn limits to override, by metric key.
    progress
        Callback receiving the number of tables and keys measured.
    rules
        Rules across tables to check (:mod:`datatwin.constraints.cross`); default: those of the
        synthetic database's schema (a twin's sample carries them).

    Raises
    ------
    DataError
        When the synthetic database lacks tables or columns of the real one.
    """
    limits = thresholds_with(thresholds)
    real_db = discover_keys(real if isinstance(real, Database) else read_database(real))
    synthetic_db = synthetic if isinstance(synthetic, Database) else read_database(synthetic)
    _check_tables(real_db, synthetic_db)
    schema = real_db.schema
    metrics: list[MetricResult] = []
    steps = len(schema.tables) + len(schema.foreign_keys)
    for done, table in enumerate(schema.tables):
        advance(progress, "evaluating tables", done, steps)
        metrics += _table_metrics(real_db, synthetic_db, table.name, limits)
    for done, key in enumerate(schema.foreign_keys, start=len(schema.tables)):
        advance(progress, "evaluating keys", done, steps)
        metrics.append(_integrity(real_db, synthetic_db, key, limits))
        metrics.append(_children_per_parent(real_db, synthetic_db, key, limits))
        metrics.append(_parent_child_trends(real_db, synthetic_db, key, limits))
        metrics += _event_metrics(real_db, synthetic_db, key, limits)
    for rule in database_rules(synthetic_db.schema.rules if rules is None else rules, schema):
        broken = rule.broken_in_database(synthetic_db.tables, schema)
        share = float(broken.mean()) if len(broken) else 0.0
        summary = f"{100 * share:.2f}% of rows break '{rule}'"
        metrics.append(
            measured("database_rules", share, 0.0, summary, limits, {"rows": int(broken.sum())}, subject=str(rule))
        )
    advance(progress, "evaluating keys", steps, steps)
    context = {
        "database": True,
        "real": real_db.source,
        "synthetic": synthetic_db.source,
        "tables": {
            t.name: {"real_rows": len(real_db.tables[t.name]), "synthetic_rows": len(synthetic_db.tables[t.name])}
            for t in schema.tables
        },
        "foreign_keys": [k.describe() for k in schema.foreign_keys],
    }
    return Report(tuple(metrics), context)


def _check_tables(real: Database, synthetic: Database) -> None:
    problems = []
    for table in real.schema.tables:
        if table.name not in synthetic.tables:
            problems.append(f"the synthetic database has no table {table.name!r}")
        elif missing := [c for c in table.columns if c not in synthetic.tables[table.name].columns]:
            problems.append(f"synthetic table {table.name!r} lacks column(s) {missing}")
    if problems:
        raise DataError(problems)


def _table_metrics(real: Database, synthetic: Database, name: str, limits: dict[str, Threshold]) -> list[MetricResult]:
    columns = value_columns(real.schema, real.schema.table(name), real.tables[name])
    data = _prepared(real.tables[name][columns], synthetic.tables[name][columns]) if columns else None
    if data is None or not data.columns:
        why = f"table {name!r} has no value columns to compare (keys only, or no rows)"
        return [
            *(skipped(key, why, limits, subject=name) for key in ("column_shapes", "pair_trends")),
            _copied_identifiers(real, synthetic, name, limits),
        ]
    return [
        dataclasses.replace(column_shapes_metric(data, limits), subject=name),
        dataclasses.replace(pair_trends_metric(data, limits), subject=name),
        _copied_identifiers(real, synthetic, name, limits),
    ]


def _copied_identifiers(real: Database, synthetic: Database, name: str, limits: dict[str, Threshold]) -> MetricResult:
    """Share of the synthetic table's distinct identifying texts found in the real table: personal
    data (full names as first + last name: a first name alone is no one) and text primary keys."""
    columns, full_name, personal = _identifying_columns(real, name)
    why = None
    if not columns and full_name is None:
        why = f"table {name!r} has no identifying text columns"
    elif not personal and _same_rows(real.tables[name], synthetic.tables[name]):
        why = f"table {name!r} is the real one: a reference list without personal data, kept as it is"
    if why is not None:
        return skipped("copied_identifiers", why, limits, subject=name)
    real_values = _identifiers(real.tables[name], columns, full_name)
    fake_values = _identifiers(synthetic.tables[name], columns, full_name)
    per_column: dict[str, dict[str, Any]] = {}
    for column, values in real_values.items():
        copied = fake_values[column] & values
        per_column[column] = {
            "copied": len(copied),
            "distinct": len(fake_values[column]),
            "examples": sorted(copied)[:3],
        }
    copied_total = sum(c["copied"] for c in per_column.values())
    share = copied_total / max(sum(c["distinct"] for c in per_column.values()), 1)
    return measured(
        "copied_identifiers",
        share,
        0.0,
        f"{copied_total} of the synthetic {', '.join(per_column)} values are real ones.",
        limits,
        {"columns": per_column},
        subject=name,
    )


def _identifying_columns(database: Database, name: str) -> tuple[list[str], tuple[str, str] | None, bool]:
    """A table's identifying text columns (personal data but first and last names, and a text
    primary key), its (first name, last name) pair if any, and whether it holds personal data
    beyond a bare "name" (which in a short list names things: genres, playlists)."""
    frame = database.tables[name]
    pii = {s.name: s.pii_type for s in filled_column_specs(frame) if s.kind is ColumnKind.PII}
    columns = [c for c, kind in pii.items() if kind not in ("first_name", "last_name")]
    key = database.schema.table(name).primary_key
    if len(key) == 1 and frame[key[0]].notna().any() and not pd.api.types.is_numeric_dtype(frame[key[0]]):
        columns.append(key[0])
    first = [c for c, kind in pii.items() if kind == "first_name"]
    last = [c for c, kind in pii.items() if kind == "last_name"]
    full_name = (first[0], last[0]) if first and last else None
    return columns, full_name, any(kind != "name" for kind in pii.values())


def _identifiers(frame: pd.DataFrame, columns: list[str], full_name: tuple[str, str] | None) -> dict[str, set[str]]:
    """Distinct texts per identifying column, and of full names (``"first last"``)."""
    values = {c: set(blanks_as_missing(frame[c]).dropna().astype(str)) for c in columns}
    if full_name is not None:
        names = frame[full_name[0]].astype(str) + " " + frame[full_name[1]].astype(str)
        values[_FULL_NAME] = set(names[frame[list(full_name)].notna().all(axis=1)])
    return values


def _same_rows(real: pd.DataFrame, synthetic: pd.DataFrame) -> bool:
    """Whether two tables hold the same rows in the same order (a reference list written out)."""
    if real.shape != synthetic.shape or list(real.columns) != list(synthetic.columns):
        return False
    return real.astype(str).reset_index(drop=True).equals(synthetic.astype(str).reset_index(drop=True))


def _prepared(real: pd.DataFrame, synthetic: pd.DataFrame):
    """The tables' evaluation data, or ``None`` when there are no rows to compare."""
    real, synthetic = blanks_as_missing(real), blanks_as_missing(synthetic)
    real = real.loc[:, real.notna().any()]
    if len(real) == 0 or len(synthetic) == 0 or real.shape[1] == 0:
        return None
    return prepare(real, synthetic[list(real.columns)])


def _integrity(real: Database, synthetic: Database, key: ForeignKey, limits: dict[str, Threshold]) -> MetricResult:
    """Every reference must find its parent, unless the real ones do not either: then the share
    that dangles must match the real share (a ``keep`` policy reproduces it)."""
    real_filled, real_dangling = dangling_references(real.tables, key)
    filled, dangling = dangling_references(synthetic.tables, key)
    share = float(dangling.mean()) if len(filled) else 0.0
    counts = {"dangling": int(dangling.sum()), "filled": len(filled)}
    if real_dangling.any():
        real_share = float(real_dangling.mean())
        return measured(
            "dangling_share",
            abs(share - real_share),
            0.0,
            f"{share:.1%} of the filled references of {key.describe()} refer to missing parents "
            f"(real: {real_share:.1%}).",
            limits,
            counts | {"share": share, "real_share": real_share, "real_filled": len(real_filled)},
            subject=key.describe(),
        )
    return measured(
        "referential_integrity",
        1.0 - share,
        1.0,
        f"{len(filled) - counts['dangling']:,} of {len(filled):,} filled references of {key.describe()} "
        "find their parent.",
        limits,
        counts,
        subject=key.describe(),
    )


def _children_per_parent(
    real: Database, synthetic: Database, key: ForeignKey, limits: dict[str, Threshold]
) -> MetricResult:
    real_counts, synthetic_counts = (children_per_row(d, key).to_numpy(dtype=float) for d in (real, synthetic))
    if len(real_counts) == 0 or len(synthetic_counts) == 0:
        return skipped(
            "children_per_parent",
            f"{key.parent!r} has no rows",
            limits,
            subject=key.describe(),
        )
    similarity = 1.0 - float(ks_2samp(real_counts, synthetic_counts, method="asymp").statistic)  # p-value unused
    summary = (
        f"{key.table} rows per {key.parent} row: mean {real_counts.mean():.2f} real vs "
        f"{synthetic_counts.mean():.2f} synthetic, most {int(real_counts.max())} vs {int(synthetic_counts.max())}."
    )
    details = {
        side: {"mean": round(float(c.mean()), 4), "max": int(c.max()), "zero_share": round(float((c == 0).mean()), 4)}
        for side, c in (("real", real_counts), ("synthetic", synthetic_counts))
    }
    return measured("children_per_parent", similarity, 1.0, summary, limits, details, subject=key.describe())


def _event_metrics(
    real: Database, synthetic: Database, key: ForeignKey, limits: dict[str, Threshold]
) -> list[MetricResult]:
    """For a child whose rows are events of their parent along a time column (as
    :func:`datatwin.relational.events.event_time` finds it: a customer's invoices by date), the
    times between one parent's events and the autocorrelation of its numbers within each parent;
    nothing for other keys."""
    if key.is_self_reference:
        return []
    table = real.schema.table(key.table)
    values = value_columns(real.schema, table, real.tables[key.table])
    order = event_time(real.tables[key.table], values)
    if order is None:
        return []
    frame = blanks_as_missing(real.tables[key.table][values])
    numbers = [s.name for s in filled_column_specs(frame) if s.kind in (ColumnKind.NUMERIC, ColumnKind.INTEGER)]
    columns = [order, *numbers]
    events = [_events_of(d.tables[key.table], key, columns) for d in (real, synthetic)]
    data = prepare(events[0], events[1])
    keys = SequenceKeys(order=order, entity=_ENTITY, static=())
    real_set, synthetic_set = (sequence_set(f, data.schema, keys) for f in (data.real, data.synthetic))
    found = [
        inter_event_times_metric(real_set, synthetic_set, limits),
        *autocorrelation_metrics(real_set, synthetic_set, limits),
    ]
    subject = lambda m: f"{key.describe()}: {m.subject}" if m.subject else key.describe()  # noqa: E731
    return [dataclasses.replace(m, subject=subject(m)) for m in found]


def _events_of(frame: pd.DataFrame, key: ForeignKey, columns: list[str]) -> pd.DataFrame:
    """The child rows that name a parent, their ``columns`` and the parent key as one text."""
    named = frame[frame[list(key.columns)].notna().all(axis=1)]
    return blanks_as_missing(named[columns]).assign(**{_ENTITY: key_text(named, key.columns)}).reset_index(drop=True)


def _joined(database: Database, key: ForeignKey, child_columns: list[str], parent_columns: list[str]) -> pd.DataFrame:
    """Child rows with their parent's value columns (``parent.<column>``)."""
    rows = parent_rows(database.tables, key)
    found = rows >= 0
    joined = database.tables[key.table].loc[found, child_columns].reset_index(drop=True)
    parents = database.tables[key.parent][parent_columns].iloc[rows[found]].reset_index(drop=True)
    return pd.concat([joined, parents.set_axis([_PARENT + c for c in parent_columns], axis=1)], axis=1)


def _parent_child_trends(
    real: Database, synthetic: Database, key: ForeignKey, limits: dict[str, Threshold]
) -> MetricResult:
    child_columns = value_columns(real.schema, real.schema.table(key.table), real.tables[key.table])
    parent_columns = value_columns(real.schema, real.schema.table(key.parent), real.tables[key.parent])
    if key.is_self_reference:
        parent_columns = []
    data = None
    if child_columns and parent_columns:
        data = _prepared(
            _joined(real, key, child_columns, parent_columns), _joined(synthetic, key, child_columns, parent_columns)
        )
    pairs = []
    if data is not None:
        crossing = lambda p: p.left.startswith(_PARENT) != p.right.startswith(_PARENT)  # noqa: E731
        pairs = [p for p in pair_trend_details(data.real, data.synthetic, data.schema) if crossing(p)]
    scores = [p.similarity for p in pairs if not np.isnan(p.similarity)]
    if not scores:
        why = f"no comparable column pairs across {key.describe()}"
        return skipped("parent_child_trends", why, limits, subject=key.describe())
    worst = sorted((p for p in pairs if not np.isnan(p.similarity)), key=lambda p: p.similarity)[:5]
    return measured(
        "parent_child_trends",
        float(np.mean(scores)),
        1.0,
        f"Mean trend similarity of {len(scores)} child–parent column pairs through {key.describe()}.",
        limits,
        {"least_alike": [{"pair": [p.left, p.right], "similarity": round(p.similarity, 4)} for p in worst]},
        subject=key.describe(),
    )
