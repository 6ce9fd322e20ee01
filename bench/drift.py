"""Drift checks: false alarms on real-vs-real splits, detection of injected shifts, scale, refresh.

Parts (``--parts``, default all):

- ``alarms``: Adult, credit default (``ID`` dropped) and bank marketing, each split at random
  into two halves ``--splits`` times (seeds ``--first-seed``, and on); a twin (``--model``, default ``copula``)
  is fitted on the first half and :func:`datatwin.drift` run on the second, as it is and with
  one shift injected at a time: the numeric column with the most distinct values moved by 0.1
  and by 0.25 of its standard deviation (rounded like the column), 5 % of the rows of a label
  column moved to its second most common label (the label column with the most even shares
  among those with at least three labels), and the twin's most associated watched pair broken
  (its second column permuted). A false alarm is any verdict but *fresh* on an unshifted half;
  a shift is detected when the verdict is not *fresh* and the shifted column (or the pair) is
  named (``column named``: named at all). Evidently's ``DataDriftPreset`` (its own environment,
  ``--evidently-python``; its defaults: per-column tests, dataset drift when half the columns
  drift) runs on the same halves
  (first as reference, second as current): its dataset-drift flag and whether it names the
  shifted column.
- ``scale``: a 3,000,000 × 100 table (60 correlated numbers, 40 labels) written to Parquet, a
  copula twin fitted on a 20,000-row sample of it, and ``datatwin.drift`` on the whole file in a
  process of its own: seconds and peak resident memory.
- ``sequences``: event twins (argn) of simulated card payments (the tests' generator,
  ``tests/sequential/logs.py``: customers with a segment, a habitual amount, a rhythm) at 300
  and 1,500 customers, ``--sequence-sets`` times: a twin fitted on one set of customers, checked
  on a fresh set of as many (false alarms), with amounts 15 % higher, and with every other
  payment dropped.
- ``refresh``: Adult halves, the second moved (age by 0.25 sd, 5 points of ``workclass``); argn
  fitted on the first, refreshed on 80 % of the moved half, and fitted afresh on the same rows;
  the two-sample AUC of each against the other 20 % (``--refresh-seeds`` seeds from ``--first-seed``).

Run from the repository root: ``python bench/drift.py [--parts alarms scale sequences refresh]``.
Prints one table and writes ``bench/results/drift.json``.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from _isolated import run_each, write_table

import datatwin

HERE = Path(__file__).resolve().parent
SHARED = HERE.parents[1] / "shared" / "datasets"
DATASETS = {
    "adult": ("adult/adult.csv.gz", []),
    "credit_default": ("credit_default/credit_default.csv.gz", ["ID"]),
    "bank_marketing": ("bank_marketing/bank_marketing.csv.gz", []),
}
SHIFTS = ("none", "numeric 0.1 sd", "numeric 0.25 sd", "label +5 points", "relation removed")
EVIDENTLY_PYTHON = "/work/evvenv/bin/python"
SCALE_ROWS, SCALE_NUMBERS, SCALE_LABELS = 3_000_000, 60, 40


def load(dataset: str) -> pd.DataFrame:
    path, dropped = DATASETS[dataset]
    return pd.read_csv(SHARED / path).drop(columns=dropped)


def halves(data: pd.DataFrame, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    order = np.random.default_rng(seed).permutation(len(data))
    cut = len(data) // 2
    return data.iloc[order[:cut]].reset_index(drop=True), data.iloc[order[cut:]].reset_index(drop=True)


def shifted(frame: pd.DataFrame, shift: str, twin: datatwin.Twin, seed: int) -> tuple[pd.DataFrame, str | None]:
    """``frame`` with one shift injected, and the column (or ``a ~ b`` pair) it moved."""
    rng = np.random.default_rng(seed + 1000)
    out = frame.copy()
    schema = twin.schema
    if shift == "none":
        return out, None
    if shift.startswith("numeric"):
        numbers = [c.name for c in schema.columns if c.kind.value in ("numeric", "integer")]
        column = max(numbers, key=lambda c: frame[c].nunique())
        size = float(shift.split()[1]) * frame[column].std()
        moved = frame[column] + size
        out[column] = moved.round() if schema[column].kind.value == "integer" else moved
        return out, column
    if shift == "label +5 points":
        labels = [c.name for c in schema.columns if c.kind.value == "categorical" and frame[c.name].nunique() >= 3]
        column = max(labels, key=lambda c: _entropy(frame[c]))
        second = frame[column].value_counts().index[1]
        others = out.index[out[column] != second]
        chosen = rng.choice(others, int(0.05 * len(out)), replace=False)
        out.loc[chosen, column] = second
        return out, column
    first, second = twin.fitted.profile["pairs"][0]["columns"]
    out[second] = rng.permutation(out[second].to_numpy())
    return out, f"{first} ~ {second}"


def _entropy(values: pd.Series) -> float:
    shares = values.value_counts(normalize=True).to_numpy()
    return float(-(shares * np.log(shares)).sum())


def named(report, moved: str | None) -> bool:  # type: ignore[no-untyped-def]
    if moved is None:
        return False
    if " ~ " in moved:
        pair = moved.split(" ~ ")
        return any(p.drifted and p.columns == pair for p in report.pairs)
    return moved in report.drifted_columns


def measure_alarms(dataset: str, seeds: range, model: str, evidently: str, queue) -> None:  # type: ignore[no-untyped-def]
    data = load(dataset)
    splits = len(seeds)
    counts = {(tool, s): [0, 0] for tool in ("datatwin", "evidently") for s in SHIFTS}  # [alarms, named]
    seconds = []
    for seed in seeds:
        first, second = halves(data, seed)
        twin = datatwin.fit(first, model=model, seed=seed)
        for shift in SHIFTS:
            current, moved = shifted(second, shift, twin, seed)
            started = time.perf_counter()
            report = datatwin.drift(twin, current, seed=seed)
            seconds.append(time.perf_counter() - started)
            counts["datatwin", shift][0] += report.verdict != "fresh"
            flagged, columns = run_evidently(first, current, evidently)
            counts["evidently", shift][0] += flagged
            if moved is None:  # anything flagged at all on an unshifted half
                counts["datatwin", shift][1] += bool(report.drifted_columns) or any(p.drifted for p in report.pairs)
                counts["evidently", shift][1] += bool(columns)
            else:
                counts["datatwin", shift][1] += report.verdict != "fresh" and named(report, moved)
                counts["evidently", shift][1] += any(c in columns for c in moved.split(" ~ "))
    rows = []
    for (tool, shift), (alarms, hits) in counts.items():
        row = {"part": "alarms", "dataset": dataset, "tool": tool, "shift": shift, "splits": splits}
        row["seeds"] = f"{seeds.start}-{seeds.stop - 1}"
        if shift == "none":
            row["false alarms"] = round(alarms / splits, 3)
            row["any column flagged"] = round(hits / splits, 3)
        else:
            row["detected"] = round((hits if tool == "datatwin" else alarms) / splits, 3)
            row["column named"] = round(hits / splits, 3)
        if tool == "datatwin":
            row["drift s (median)"] = round(float(np.median(seconds)), 2)
        rows.append(row)
    queue.put(rows)


def run_evidently(reference: pd.DataFrame, current: pd.DataFrame, python: str) -> tuple[bool, list[str]]:
    """Evidently's dataset-drift flag and drifted columns (its own environment)."""
    if not Path(python).exists():
        return False, []
    with tempfile.TemporaryDirectory() as folder:
        reference.to_parquet(Path(folder) / "reference.parquet")
        current.to_parquet(Path(folder) / "current.parquet")
        done = subprocess.run(
            [python, str(HERE / "_evidently.py"), folder], capture_output=True, text=True, check=True, timeout=1800
        )
    found = json.loads(done.stdout.strip().splitlines()[-1])
    return bool(found["dataset_drift"]), list(found["drifted_columns"])


def write_scale_table(path: Path) -> None:
    """A 3M × 100 table in row groups: numbers driven by a few shared factors, labels cut from them."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(7)
    loadings = rng.normal(size=(4, SCALE_NUMBERS + SCALE_LABELS))
    writer = None
    for _ in range(SCALE_ROWS // 500_000):
        factors = rng.normal(size=(500_000, 4))
        values = factors @ loadings + rng.normal(size=(500_000, SCALE_NUMBERS + SCALE_LABELS))
        columns = {f"x{j}": np.round(values[:, j], 2) for j in range(SCALE_NUMBERS)}
        for j in range(SCALE_LABELS):
            edges = np.linspace(-2, 2, 3 + j % 8)
            columns[f"c{j}"] = np.array([f"L{k}" for k in range(len(edges) + 1)])[
                np.searchsorted(edges, values[:, SCALE_NUMBERS + j])
            ]
        table = pa.table(columns)
        writer = writer or pq.ParquetWriter(path, table.schema)
        writer.write_table(table, row_group_size=100_000)
    assert writer is not None
    writer.close()


def measure_scale(queue) -> None:  # type: ignore[no-untyped-def]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "wide.parquet"
        write_scale_table(path)
        twin = datatwin.fit(path, model="copula", max_rows=20_000, seed=0, find_rules=False)
        twin.save(Path(folder) / "wide.twin")
        child = run_each(_drift_in_child, [(str(Path(folder) / "wide.twin"), str(path))])[0]
    queue.put(
        {"part": "scale", "dataset": f"{SCALE_ROWS:,} × {SCALE_NUMBERS + SCALE_LABELS}", "tool": "datatwin", **child}
    )


def _drift_in_child(twin: str, path: str, queue) -> None:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    report = datatwin.drift(twin, path)
    queue.put(
        {
            "drift s": round(time.perf_counter() - started, 1),
            "peak MB": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            "verdict": report.verdict,
            "rows read": report.rows,
        }
    )


SEQUENCE_SHIFTS = ("none", "amounts +15 %", "half the events")


def measure_sequences(customers: int, sets: int, queue) -> None:  # type: ignore[no-untyped-def]
    import sys

    sys.path.insert(0, str(HERE.parent))
    from tests.sequential.logs import payments

    counts = dict.fromkeys(SEQUENCE_SHIFTS, 0)
    seconds = []
    for seed in range(sets):  # a twin of its own each time: one unlucky training set would weigh on every check
        twin = datatwin.fit(
            payments(customers, seed=2 * seed),
            entity="customer_id",
            order="ts",
            model="argn",
            model_options={"max_epochs": 15},
            seed=seed,
        )
        for shift in SEQUENCE_SHIFTS:
            events = payments(customers, seed=2 * seed + 1)
            if shift == "amounts +15 %":
                events["amount"] = events["amount"] * 1.15
            elif shift == "half the events":
                events = events[events.index % 2 == 0]
            started = time.perf_counter()
            counts[shift] += datatwin.drift(twin, events, seed=seed).verdict != "fresh"
            seconds.append(time.perf_counter() - started)
    rows = [
        {
            "part": "sequences",
            "dataset": f"payments, {customers:,} customers",
            "tool": "datatwin",
            "shift": shift,
            "splits": sets,
            ("false alarms" if shift == "none" else "detected"): round(found / sets, 3),
            "drift s (median)": round(float(np.median(seconds)), 2),
        }
        for shift, found in counts.items()
    ]
    queue.put(rows)


def measure_refresh(seeds: range, queue) -> None:  # type: ignore[no-untyped-def]
    from datatwin.pipeline.choose import two_sample_auc

    data = load("adult")
    rows = []
    for seed in seeds:
        first, second = halves(data, seed)
        moved = second.copy()
        moved["age"] = (moved["age"] + 0.25 * first["age"].std()).round()
        others = moved.index[moved["workclass"] != "Self-emp-not-inc"]
        chosen = np.random.default_rng(seed).choice(others, int(0.05 * len(moved)), replace=False)
        moved.loc[chosen, "workclass"] = "Self-emp-not-inc"
        cut = int(0.8 * len(moved))
        train, held = moved.iloc[:cut].reset_index(drop=True), moved.iloc[cut:].reset_index(drop=True)
        old = datatwin.fit(first, model="argn", seed=seed)
        started = time.perf_counter()
        refreshed, _ = datatwin.refresh(old, train)
        refresh_s = time.perf_counter() - started
        started = time.perf_counter()
        fresh = datatwin.fit(train, model="argn", seed=seed)
        fresh_s = time.perf_counter() - started
        scores = {
            name: two_sample_auc(held, twin.sample(len(held), seed=1), fresh.schema, seed=0)
            for name, twin in (("old", old), ("refreshed", refreshed), ("fresh", fresh))
        }
        rows.append(
            {
                "part": "refresh",
                "dataset": f"adult, seed {seed}",
                "tool": "datatwin",
                "old twin AUC": scores["old"],
                "refreshed AUC": scores["refreshed"],
                "fresh fit AUC": scores["fresh"],
                "refreshed - fresh": round(scores["refreshed"] - scores["fresh"], 4),
                "refresh s": round(refresh_s, 1),
                "fresh fit s": round(fresh_s, 1),
            }
        )
    queue.put(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--parts", nargs="*", default=["alarms", "scale", "sequences", "refresh"])
    parser.add_argument("--datasets", nargs="*", default=list(DATASETS))
    parser.add_argument("--splits", type=int, default=20)
    parser.add_argument("--model", default="copula")
    parser.add_argument("--refresh-seeds", type=int, default=3)
    parser.add_argument("--sequence-sets", type=int, default=10)
    parser.add_argument("--first-seed", type=int, default=0, help="seed of the first split (alarms, refresh)")
    parser.add_argument("--evidently-python", default=EVIDENTLY_PYTHON)
    parser.add_argument("--name", default="drift", help="results file: bench/results/NAME.json")
    args = parser.parse_args()
    results: list = []
    if "alarms" in args.parts:
        results += run_each(
            measure_alarms,
            [
                (d, range(args.first_seed, args.first_seed + args.splits), args.model, args.evidently_python)
                for d in args.datasets
            ],
        )
    if "scale" in args.parts:
        results += run_each(measure_scale, [()])
    if "sequences" in args.parts:
        results += run_each(measure_sequences, [(c, args.sequence_sets) for c in (300, 1500)])
    if "refresh" in args.parts:
        results += run_each(measure_refresh, [(range(args.first_seed, args.first_seed + args.refresh_seeds),)])
    write_table([row for item in results for row in (item if isinstance(item, list) else [item])], args.name)


if __name__ == "__main__":
    main()
