"""Differentially private twins beside smartnoise-synth's AIM and MST, on one split per dataset.

Datasets: Adult (target ``income``) and credit default (target ``default_next_month``, the
``ID`` column dropped), 80 % of the rows to fit on, 20 % held out (same split for every tool).
ε ∈ {0.5, 1, 4} with δ = 1/n² (n: training rows). Tools:

- datatwin ``aim`` and ``argn`` under DP (``datatwin.fit(train, epsilon=, delta=)``: kinds,
  bounds, labels and the row count bought from the same budget);
- smartnoise-synth ``aim`` and ``mst`` (10 % of ε on its preprocessing), run with their own
  Python (``--smartnoise-python``; they pin an old opacus) by :mod:`_smartnoise`;
- datatwin ``argn`` without DP, for reference.

Per row: the average workload error over every 3-way marginal (AIM's definition: half the L1
distance between the real and synthetic marginals as shares, numbers cut at the training
rows' deciles, missing values a label of their own), column shapes, pair trends, two-sample
AUC, TSTR and TRTR (ROC AUC of a model trained on synthetic or real rows, tested on held-out
rows), membership-inference AUC (``datatwin.evaluate``), and fit seconds.

``--audit`` adds the empirical audit: 200 canary rows (each column drawn at random from its
own values: rows unlike any real person), half of them inserted in Adult's training rows,
one fit at ε = 1; each canary is scored by how close the nearest synthetic row comes to it
(matching columns), and the best threshold's true- and false-positive rates give the ε an
attacker demonstrates, ``log((TPR − δ) / FPR)`` — which must stay below the ε promised.

Run from the repository root with the bench extra:
``python bench/dp.py [--datasets adult] [--epsilons 1] [--tools "datatwin aim" ...] [--audit]``.
Prints a table and writes ``bench/results/dp.json`` (``--name``: another file, for runs split
across processes). ``--time-limit S`` stops a smartnoise fit after ``S`` seconds and any row
after ``S`` + 600 (its row then says it did not finish).
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
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
    "adult": ("adult/adult.csv.gz", "income", []),
    "credit_default": ("credit_default/credit_default.csv.gz", "default_next_month", ["ID"]),
}
EPSILONS = (0.5, 1.0, 4.0)
TOOLS = ("datatwin aim", "datatwin argn", "smartnoise aim", "smartnoise mst", "argn (no DP)")
SMARTNOISE_PYTHON = "/work/snvenv/bin/python"
DECILES = 10
CANARIES = 200


def split(dataset: str) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    path, target, dropped = DATASETS[dataset]
    data = pd.read_csv(SHARED / path).drop(columns=dropped)
    order = np.random.default_rng(0).permutation(len(data))
    cut = int(0.8 * len(data))
    train = data.iloc[order[:cut]].reset_index(drop=True)
    return train, data.iloc[order[cut:]].reset_index(drop=True), target


def fit_datatwin(train: pd.DataFrame, tool: str, epsilon: float | None, delta: float) -> tuple[pd.DataFrame, float]:
    started = time.perf_counter()
    if epsilon is None:
        twin = datatwin.fit(train, model="argn", seed=0, find_rules=False)
    else:
        twin = datatwin.fit(train, epsilon=epsilon, delta=delta, model=tool.split()[-1], seed=0)
    fit_s = time.perf_counter() - started
    return twin.sample(len(train), seed=1), fit_s


def fit_smartnoise(
    train: pd.DataFrame, model: str, epsilon: float, delta: float, python: str, time_limit: float | None
) -> tuple[pd.DataFrame, float]:
    with tempfile.TemporaryDirectory() as folder:
        train.to_csv(Path(folder) / "train.csv", index=False)
        out = Path(folder) / "rows.csv"
        command = [
            python,
            str(HERE / "_smartnoise.py"),
            str(Path(folder) / "train.csv"),
            model,
            str(epsilon),
            str(delta),
            str(out),
        ]
        try:
            done = subprocess.run(command, capture_output=True, text=True, check=True, timeout=time_limit)
        except subprocess.TimeoutExpired:
            raise TimeoutError(f"did not finish in {time_limit:.0f} s") from None
        fit_s = json.loads(done.stdout.strip().splitlines()[-1])["fit_s"]
        rows = pd.read_csv(out)
    return rows.replace("?", np.nan), fit_s  # its stand-in for a missing label


def workload_error(train: pd.DataFrame, rows: pd.DataFrame) -> float:
    """Average over every 3-way marginal of half the L1 distance between the shares."""
    real, synthetic = _cells(train, train), _cells(train, rows)
    errors = []
    for triple in itertools.combinations(train.columns, 3):
        a = real.groupby(list(triple), dropna=False).size() / len(real)
        b = synthetic.groupby(list(triple), dropna=False).size() / len(synthetic)
        errors.append(0.5 * float(a.sub(b, fill_value=0.0).abs().sum()))
    return float(np.mean(errors))


def _cells(train: pd.DataFrame, rows: pd.DataFrame) -> pd.DataFrame:
    """Each column as labels: numbers cut at the training rows' deciles, missing as ``"<na>"``."""
    out = {}
    for column in train.columns:
        values = rows[column]
        if pd.api.types.is_numeric_dtype(train[column]) and train[column].nunique() > DECILES:
            edges = np.unique(np.nanquantile(train[column].astype(float), np.linspace(0, 1, DECILES + 1)))
            numbers = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
            bins = np.clip(np.searchsorted(edges, numbers, side="right") - 1, 0, len(edges) - 2)
            cut = bins.astype(str).astype(object)
            cut[np.isnan(numbers)] = "<na>"
            out[column] = cut
        elif pd.api.types.is_numeric_dtype(train[column]):  # few codes: as numbers, so 1 and 1.0 agree
            numbers = pd.to_numeric(values, errors="coerce").astype(float)
            out[column] = numbers.astype(str).where(numbers.notna(), "<na>").to_numpy()
        else:
            out[column] = values.astype(object).where(values.notna(), "<na>").astype(str).to_numpy()
    return pd.DataFrame(out)


def measure(dataset: str, tool: str, epsilon: float | None, python: str, time_limit: float | None, queue) -> None:  # type: ignore[no-untyped-def]
    train, holdout, target = split(dataset)
    delta = 1 / len(train) ** 2
    try:
        if tool.startswith("smartnoise"):
            rows, fit_s = fit_smartnoise(train, tool.split()[-1], float(epsilon), delta, python, time_limit)  # type: ignore[arg-type]
        else:
            rows, fit_s = fit_datatwin(train, tool, epsilon, delta)
    except Exception as error:
        queue.put(
            {"dataset": dataset, "tool": tool, "epsilon": epsilon, "error": f"{type(error).__name__}: {error}"[:300]}
        )
        return
    rows = rows[train.columns]
    for column in train.columns:  # a peer may write numbers as text or labels as numbers: compare like with like
        if pd.api.types.is_numeric_dtype(train[column]):
            rows[column] = pd.to_numeric(rows[column], errors="coerce")
        else:
            rows[column] = (
                rows[column].astype(object).where(rows[column].notna(), None).map(lambda v: v if v is None else str(v))
            )
    report = datatwin.evaluate(train, rows, holdout, target=target, seed=0)
    utility = report.metric("utility")
    queue.put(
        {
            "dataset": dataset,
            "tool": tool,
            "epsilon": epsilon,
            "3-way workload error": round(workload_error(train, rows), 4),
            "column shapes": round(report.metric("column_shapes").value, 4),
            "pair trends": round(report.metric("pair_trends").value, 4),
            "two-sample AUC": round(report.metric("detection").value, 4),
            "TSTR": round(utility.details["synthetic_score"], 4),
            "TRTR": round(utility.details["real_score"], 4),
            "membership AUC": round(report.metric("membership_inference").value, 4),
            "fit s": round(fit_s, 1),
        }
    )


def audit(queue) -> None:  # type: ignore[no-untyped-def]
    """The empirical audit of datatwin's default DP model on Adult at ε = 1 (see the module)."""
    train, _, _ = split("adult")
    rng = np.random.default_rng(1)
    canaries = pd.DataFrame({c: rng.choice(train[c].dropna().unique(), CANARIES) for c in train.columns})
    inside = rng.permutation(CANARIES) < CANARIES // 2
    fitted_on = pd.concat([train, canaries[inside]], ignore_index=True)
    delta = 1 / len(fitted_on) ** 2
    twin = datatwin.fit(fitted_on, epsilon=1.0, delta=delta, seed=0)
    rows = twin.sample(len(fitted_on), seed=1)
    real_cells, synthetic_cells = _cells(train, canaries), _cells(train, rows[train.columns])
    matches = np.array(
        [(synthetic_cells.to_numpy() == real_cells.iloc[i].to_numpy()).sum(axis=1).max() for i in range(CANARIES)]
    )
    best = 0.0
    for threshold in np.unique(matches):
        tpr, fpr = (matches[inside] >= threshold).mean(), (matches[~inside] >= threshold).mean()
        if tpr - delta > 0 and fpr > 0:
            best = max(best, math.log((tpr - delta) / fpr))
    queue.put(
        {
            "dataset": "adult + 200 canaries (100 inserted)",
            "tool": "audit: datatwin default at ε = 1",
            "epsilon": 1.0,
            "demonstrated ε (best threshold)": round(best, 3),
            "canary match AUC": round(_auc(matches[inside], matches[~inside]), 4),
        }
    )


def _auc(positive: np.ndarray, negative: np.ndarray) -> float:
    greater = (positive[:, None] > negative[None, :]).mean()
    ties = (positive[:, None] == negative[None, :]).mean()
    return float(greater + ties / 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--datasets", nargs="*", default=list(DATASETS))
    parser.add_argument("--epsilons", nargs="*", type=float, default=list(EPSILONS))
    parser.add_argument("--tools", nargs="*", default=list(TOOLS))
    parser.add_argument("--smartnoise-python", default=SMARTNOISE_PYTHON)
    parser.add_argument("--audit", action="store_true", help="add the canary audit")
    parser.add_argument("--name", default="dp", help="results file: bench/results/NAME.json")
    parser.add_argument("--time-limit", type=float, default=None, help="seconds a row may take (fit and scoring)")
    args = parser.parse_args()
    runs = []
    for dataset in args.datasets:
        for tool in args.tools:
            epsilons = [None] if tool == "argn (no DP)" else args.epsilons
            runs += [(dataset, tool, epsilon, args.smartnoise_python, args.time_limit) for epsilon in epsilons]
    results = run_each(measure, runs, time_limit=None if args.time_limit is None else args.time_limit + 600)
    if args.audit:
        results += run_each(audit, [()])
    write_table(results, args.name)


if __name__ == "__main__":
    main()
