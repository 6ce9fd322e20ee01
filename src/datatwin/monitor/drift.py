"""Has the real data moved away from what a twin learnt? Drift of a table against its twin's profile.

Three checks, each an effect size with a threshold that does not shrink as rows grow (a p-value
would flag any difference in a large table):

- **columns**: the total variation distance between the profile's shares and the new data's
  on the same bins (missing and unparseable values cells of their own);
- **pairs**: the change of Cramér's V between the profile's most associated pairs and the new
  data's (a relation weakened or gone while each column keeps its shape);
- **multivariate**: a classifier telling the new rows from the twin's rows, against how well it
  told the training rows from them when the twin was fitted.

A distance counts as drift when it exceeds both a floor (:data:`COLUMN_FLOOR`,
:data:`PAIR_FLOOR`, :data:`AUC_FLOOR`: what is worth a user's attention) and what sampling alone
would give it between the profile's rows and this many new rows from the same distribution
(calibrated by drawing both from the profile's shares, at the level that keeps the chance of
any false alarm over all checks at :data:`FALSE_ALARM`). Verdict: *fresh* (nothing moved),
*drifting* (some columns or relations moved), *refresh recommended* (the rows as a whole moved,
a column moved by more than :data:`REFRESH_DISTANCE`, a quarter of the columns moved, or a
column is gone). Files are read in batches: memory holds one batch and a sample of
:data:`~datatwin.monitor.multivariate.MULTIVARIATE_ROWS` rows. A database is checked table by
table (:func:`measure_database_drift`), its verdict the worst of its tables'.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import norm

from datatwin.errors import ConfigError
from datatwin.io.database import Database
from datatwin.io.streamed import table_batches
from datatwin.monitor.binning import Bins
from datatwin.monitor.multivariate import MULTIVARIATE_ROWS, classifier_auc, null_auc_spread
from datatwin.monitor.profile import MIN_CELL, build_profile, cramers_v, cramers_v_each, joint_counts
from datatwin.pipeline import FittedTable, sample_table
from datatwin.progress import Progress, advance
from datatwin.relational import FittedDatabase
from datatwin.schema import Schema

COLUMN_FLOOR = 0.03
"""Smallest total variation distance reported as drift (a share of 3 % of rows moved)."""
PAIR_FLOOR = 0.05
"""Smallest change of Cramér's V reported as drift."""
AUC_FLOOR = 0.03
"""Smallest rise of the classifier's AUC over its baseline reported as drift."""
REFRESH_DISTANCE = 0.1
"""A column whose distance exceeds this calls for a refresh on its own."""
REFRESH_SHARE = 0.25
"""A refresh is recommended when at least this share of the columns drifted."""
FALSE_ALARM = 0.05
"""Chance that any check of a table drawn from the profile's own distribution raises an alarm."""
NULL_DRAWS = 4_000
"""Draws of each distance under no drift; a threshold is their quantile at the level that keeps the
table's false alarms at :data:`FALSE_ALARM` (the distances' tails are skewed: a normal
approximation would set it too low)."""
REFERENCE_ROWS = 20_000
"""Rows drawn from a twin without a profile (a DP twin) to stand in for it."""
TOP_CELLS = 3
HELD_BACK = "(cells held back)"
"""The profile's cells under its smallest published count, compared as one."""

FRESH, DRIFTING, REFRESH = "fresh", "drifting", "refresh recommended"
VERDICTS = (FRESH, DRIFTING, REFRESH)


@dataclass
class ColumnDrift:
    """One column: its distance, the threshold it was held to, and the cells that moved most."""

    column: str
    distance: float
    threshold: float
    drifted: bool
    moved: list[dict[str, Any]]


@dataclass
class PairDrift:
    """One watched pair: its association (Cramér's V) in the profile and now."""

    columns: list[str]
    association_before: float
    association_now: float
    threshold: float
    drifted: bool


@dataclass
class DriftReport:
    """The result of :func:`measure_drift` (``to_dict`` for JSON)."""

    verdict: str
    rows: int
    reference: str
    columns: list[ColumnDrift]
    pairs: list[PairDrift]
    multivariate: dict[str, Any] | None
    missing_columns: list[str] = field(default_factory=list)
    new_columns: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)

    @property
    def drifted_columns(self) -> list[str]:
        return [c.column for c in self.columns if c.drifted]

    def segments(self, count: int = 10) -> list[dict[str, Any]]:
        """The cells (a column's bin or label) whose share moved most, over all columns."""
        cells = [{"column": c.column, **m} for c in self.columns for m in c.moved]
        return sorted(cells, key=lambda m: -abs(m["now"] - m["before"]))[:count]

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["drifted_columns"] = self.drifted_columns
        out["segments"] = self.segments()
        return out


def measure_drift(
    table: FittedTable, data: pd.DataFrame | str | Path, *, seed: int = 0, progress: Progress | None = None
) -> DriftReport:
    """Drift of ``data`` (a DataFrame, or a CSV or Parquet file read in batches) against the twin.

    Raises
    ------
    ConfigError
        When the data shares no column with the twin.
    """
    profile, reference = table.profile, "profile of the training rows"
    if profile is None:
        drawn = sample_table(table, REFERENCE_ROWS, seed=seed)
        profile, reference = build_profile(drawn, table.schema, None, seed=seed), "rows drawn from the twin"
    return compare_with_profile(
        profile,
        table.schema,
        _batches(data),
        lambda rows, drawn_seed: sample_table(table, rows, seed=drawn_seed),
        reference=reference,
        seed=seed,
        progress=progress,
    )


def compare_with_profile(
    profile: dict[str, Any],
    schema: Schema,
    batches: Iterable[pd.DataFrame],
    draw: Callable[[int, int], pd.DataFrame],
    *,
    reference: str,
    seed: int,
    progress: Progress | None = None,
) -> DriftReport:
    """Drift of the rows in ``batches`` against ``profile`` (built under ``schema``); ``draw(rows,
    seed)`` gives that many of the twin's rows for the multivariate check.

    Raises
    ------
    ConfigError
        When the rows share no column with the profile.
    """
    columns = {name: Bins.from_dict(entry["bins"]) for name, entry in profile["columns"].items()}
    pairs = [(p, Bins.from_dict(p["bins"][0]), Bins.from_dict(p["bins"][1])) for p in profile["pairs"]]
    counts = {name: np.zeros(bins.cells, dtype=np.int64) for name, bins in columns.items()}
    joints = [np.zeros((a.cells, b.cells), dtype=np.int64) for _, a, b in pairs]
    rng = np.random.default_rng(seed)
    sample, keys, rows, header = None, np.zeros(0), 0, None
    for batch in batches:
        if header is None:
            header = [str(c) for c in batch.columns]
            missing = [c for c in columns if c not in header]
            if columns and len(missing) == len(columns):
                raise ConfigError(f"The new data shares no column with the twin (it has {header[:8]}).")
        rows += len(batch)
        for name, bins in columns.items():
            if name in batch.columns:
                counts[name] += bins.counts(batch[name])
        for joint, (pair, a, b) in zip(joints, pairs, strict=True):
            first, second = pair["columns"]
            if first in batch.columns and second in batch.columns:
                joint += joint_counts(a.codes(batch[first]), b.codes(batch[second]), a.cells, b.cells)
        sample, keys = _reservoir(sample, keys, batch, rng)
        advance(progress, "reading the new rows", rows, rows)
    assert header is not None and sample is not None
    present = [c for c in columns if c in header and sum(profile["columns"][c]["counts"])]  # all held back: no check
    level = 1 - FALSE_ALARM / (len(present) + len(pairs) + 1)
    column_results = [
        _column_drift(
            name,
            columns[name],
            np.asarray(profile["columns"][name]["counts"]),
            profile["rows"],
            counts[name],
            level,
            rng,
        )
        for name in present
    ]
    pair_results = [
        _pair_drift(pair, joint, level, rng)
        for joint, (pair, _, _) in zip(joints, pairs, strict=True)
        if set(pair["columns"]) <= set(header)
    ]
    multivariate = _multivariate(draw, schema, profile, sample, float(norm.ppf(level)), seed)
    report = DriftReport(
        verdict=FRESH,
        rows=rows,
        reference=reference,
        columns=column_results,
        pairs=pair_results,
        multivariate=multivariate,
        missing_columns=[c for c in columns if c not in header],
        new_columns=[c for c in header if c not in schema.names],
    )
    report.verdict, report.reasons = _verdict(report)
    return report


@dataclass
class TablesDriftReport:
    """Drift of several tables — a database's (:func:`measure_database_drift`), or the events and
    entities of sequences (:mod:`datatwin.monitor.sequences`): each table's report, and the worst
    verdict."""

    verdict: str
    tables: dict[str, DriftReport]
    missing_tables: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict,
            "tables": {name: report.to_dict() for name, report in self.tables.items()},
            "missing_tables": self.missing_tables,
            "reasons": self.reasons,
        }


def measure_database_drift(database: FittedDatabase, new: Database, *, seed: int = 0) -> TablesDriftReport:
    """Drift of each table of ``new`` against the profile the twin keeps of it. Tables written
    out as they are, and tables of keys and free text, have nothing to watch; a child table is
    drawn given its parents, so its rows as a whole are not compared, its columns and relations
    are."""
    reports = {
        name: measure_drift(model.fitted, new.tables[name], seed=seed)
        for name, model in database.tables.items()
        if model.fitted is not None and _profiled(model.fitted) and name in new.tables
    }
    return tables_report(reports, [name for name in database.tables if name not in new.tables])


def tables_report(reports: dict[str, DriftReport], missing: list[str]) -> TablesDriftReport:
    """The tables' reports together: the worst verdict (a table gone calls for a refresh), every reason."""
    ranks = [VERDICTS.index(r.verdict) for r in reports.values()] + [VERDICTS.index(REFRESH)] * bool(missing)
    verdict = VERDICTS[max(ranks, default=0)]
    reasons = [f"table(s) gone from the new data: {missing}"] if missing else []
    reasons += [f"{name}: {reason}" for name, report in reports.items() for reason in report.reasons]
    return TablesDriftReport(verdict, reports, missing, reasons)


def _profiled(table: FittedTable) -> bool:
    """Whether the table's profile watches anything (a table of keys and free text has no column to watch)."""
    return table.profile is not None and bool(table.profile["columns"])


def _batches(data: pd.DataFrame | str | Path) -> Iterator[pd.DataFrame]:
    if isinstance(data, pd.DataFrame):
        if not len(data):
            raise ConfigError("The new data has no rows.")
        yield data
        return
    yield from table_batches(data)


def _reservoir(
    kept: pd.DataFrame | None, keys: np.ndarray, batch: pd.DataFrame, rng: np.random.Generator
) -> tuple[pd.DataFrame, np.ndarray]:
    """A uniform sample of at most :data:`MULTIVARIATE_ROWS` of the rows seen so far."""
    batch_keys = rng.random(len(batch))
    merged = batch if kept is None else pd.concat([kept, batch], ignore_index=True)
    merged_keys = np.concatenate([keys, batch_keys])
    if len(merged) > MULTIVARIATE_ROWS:
        chosen = np.sort(np.argpartition(merged_keys, MULTIVARIATE_ROWS)[:MULTIVARIATE_ROWS])
        merged, merged_keys = merged.iloc[chosen].reset_index(drop=True), merged_keys[chosen]
    return merged, merged_keys


def _column_drift(
    name: str, bins: Bins, before: np.ndarray, rows_before: int, now: np.ndarray, level: float, rng: np.random.Generator
) -> ColumnDrift:
    """Shares compared on the cells the profile published, the cells it held back (under
    :data:`~datatwin.monitor.profile.MIN_CELL` rows) pooled into one."""
    published = before > 0
    p = _with_rest(before[published] / max(rows_before, 1))
    q = _with_rest(now[published] / max(now.sum(), 1))
    distance = 0.5 * float(np.abs(p - q).sum())
    first = rng.multinomial(max(rows_before, 1), p, size=NULL_DRAWS) / max(rows_before, 1)
    second = rng.multinomial(max(int(now.sum()), 1), p, size=NULL_DRAWS) / max(now.sum(), 1)
    null = 0.5 * np.abs(first - second).sum(axis=1)
    threshold = max(COLUMN_FLOOR, float(np.quantile(null, level)))
    names = [n for n, kept in zip(bins.names(), published, strict=True) if kept] + [HELD_BACK]
    order = np.argsort(-np.abs(q - p))[:TOP_CELLS]
    moved = [{"cell": names[i], "before": round(float(p[i]), 4), "now": round(float(q[i]), 4)} for i in order]
    return ColumnDrift(name, round(distance, 4), round(threshold, 4), distance > threshold, moved)


def _with_rest(shares: np.ndarray) -> np.ndarray:
    return np.append(shares, max(0.0, 1.0 - float(shares.sum())))


def _pair_drift(pair: dict[str, Any], joint: np.ndarray, level: float, rng: np.random.Generator) -> PairDrift:
    """Cramér's V of the profile's joint counts and of the new rows' on the same cells, the new
    table's small cells held back as the profile held back its own (cells under
    :data:`~datatwin.monitor.profile.MIN_CELL` rows at the profile's size). A cell the profile held
    back counts when the new rows fill it with twice that (a relation broken fills such cells;
    fewer is what the profile may have held back, and the profile's shares, zero there, could not
    say it is noise). The null draws both tables from the profile's shares and holds their cells
    back alike, so what holding back does to V by chance is in the threshold."""
    before = np.asarray(pair["counts"], dtype=np.float64)
    rows_before, rows_now = int(pair["rows"]), max(int(joint.sum()), 1)
    scaled = joint * rows_before / rows_now
    now = np.where((scaled >= MIN_CELL) & ((before > 0) | (scaled >= 2 * MIN_CELL)), joint, 0)
    p = (before / max(before.sum(), 1)).ravel()
    shape = before.shape
    first = rng.multinomial(rows_before, p, size=NULL_DRAWS).reshape(-1, *shape)
    first = np.where(first >= MIN_CELL, first, 0)
    second = rng.multinomial(rows_now, p, size=NULL_DRAWS).reshape(-1, *shape)
    second = np.where(second * rows_before / rows_now >= MIN_CELL, second, 0)
    null = np.abs(cramers_v_each(first) - cramers_v_each(second))
    threshold = max(PAIR_FLOOR, float(np.quantile(null, level)))
    association_before, association_now = float(pair["association"]), cramers_v(now)
    change = abs(association_now - association_before)
    return PairDrift(
        list(pair["columns"]), association_before, round(association_now, 4), round(threshold, 4), change > threshold
    )


def _multivariate(
    draw: Callable[[int, int], pd.DataFrame],
    schema: Schema,
    profile: dict[str, Any],
    sample: pd.DataFrame,
    z: float,
    seed: int,
) -> dict[str, Any] | None:
    """The classifier's AUC between the new rows and the twin's, against its baseline at fit. A
    baseline under 0.5 counts as 0.5 (a twin that mirrors its training rows' counts closely makes
    cross-validated AUCs fall below chance; new rows cannot do that). The threshold is ``z`` times
    the spread of the difference of two such AUCs, measured on random splits of both sets pooled
    (:func:`~datatwin.monitor.multivariate.null_auc_spread`; the baseline taken to spread alike)."""
    baseline = profile.get("baseline")
    if baseline is None or len(sample) < 50:
        return None
    rows = min(len(sample), int(baseline["rows"]))
    drawn = draw(rows, seed + 1)
    new = sample.iloc[:rows]
    auc = classifier_auc(new, drawn, schema, seed=seed)
    spread = null_auc_spread(new, drawn, schema, seed=seed)
    threshold = max(AUC_FLOOR, z * float(np.sqrt(2.0)) * spread)
    rise = auc - max(0.5, float(baseline["auc"]))
    return {
        "auc": auc,
        "baseline_auc": float(baseline["auc"]),
        "rise": round(rise, 4),
        "threshold": round(threshold, 4),
        "rows": rows,
        "drifted": bool(rise > threshold),
    }


def _verdict(report: DriftReport) -> tuple[str, list[str]]:
    reasons = []
    if report.missing_columns:
        reasons.append(f"column(s) gone from the new data: {report.missing_columns}")
    if report.multivariate is not None and report.multivariate["drifted"]:
        m = report.multivariate
        reasons.append(f"the rows as a whole moved: classifier AUC {m['auc']} against {m['baseline_auc']} at fit")
    large = [c.column for c in report.columns if c.drifted and c.distance > REFRESH_DISTANCE]
    if large:
        reasons.append(f"column(s) moved by more than {REFRESH_DISTANCE:.0%} of their rows: {large}")
    drifted = report.drifted_columns
    if report.columns and len(drifted) >= REFRESH_SHARE * len(report.columns):
        reasons.append(f"{len(drifted)} of {len(report.columns)} columns drifted")
    if reasons:
        return REFRESH, reasons
    moved_pairs = [p.columns for p in report.pairs if p.drifted]
    if drifted or moved_pairs:
        return DRIFTING, [f"drifted: columns {drifted}, relations {moved_pairs}"]
    return FRESH, []
