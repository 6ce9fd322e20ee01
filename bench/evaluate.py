"""The trust report's benchmark: how long a full evaluation takes, and whether its figures agree
with SDMetrics and land at the ideals for unseen real rows.

Cases (real / synthetic / holdout, from the shared data; synthetic rows from datatwin's argn
twin fitted on the real rows, or unseen real rows for the ceiling):

speed       diabetes_130, first 25 columns but the diag_* codes: 30,000 real × 30,000 synthetic (+ 10,000 holdout)
agreement   adult and credit_default, 70/15/15: Column Shapes and Column Pair Trends against
            SDMetrics' QualityReport on the same tables, pair by pair too (needs the bench
            extra; SDMetrics 0.32 wants pandas < 3, so run it in the bench environment)
ideals      the holdout's twin: 15% unseen real rows scored as if synthetic

Usage: ``python bench/evaluate.py [--skip-agreement]``; writes ``bench/results/evaluate.json``.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import pandas as pd
from flagship import DATASETS, SHARED, split  # same data, same 70/15/15 split as the flagship bench

import datatwin
from datatwin.evaluate.inputs import prepare
from datatwin.evaluate.trends import pair_trend_details
from datatwin.io import read_table
from datatwin.report import render_html
from datatwin.schema import ColumnKind


def speed_case() -> dict:
    data = read_table(SHARED / "diabetes_130/diabetes_130.csv.gz").data
    data = data[[c for c in data.columns if not c.startswith("diag_")][:25]]  # ICD codes mix numbers and text
    order = np.random.default_rng(0).permutation(len(data))
    real, holdout = data.iloc[order[:30_000]], data.iloc[order[30_000:40_000]]
    twin = datatwin.fit(real, model="argn", seed=0, max_time=120)
    synthetic = twin.sample(30_000, seed=0)
    started = time.perf_counter()
    report = datatwin.evaluate(real, synthetic, holdout, target="A1Cresult", sensitive=["race", "gender"])
    evaluate_s = time.perf_counter() - started
    started = time.perf_counter()
    html = render_html(report)
    return {
        "case": "speed: diabetes_130 30,000 × 25 real and synthetic, 10,000 holdout",
        "evaluate_s": round(evaluate_s, 1),
        "html_s": round(time.perf_counter() - started, 1),
        "html_kb": round(len(html.encode()) / 1024),
        "score": round(report.score, 4),
        "privacy": report.privacy.value,
    }


def agreement_cases() -> list[dict]:
    from sdmetrics.reports.single_table import QualityReport  # bench extra only

    rows = []
    for name, (relative, target) in DATASETS.items():
        data = read_table(SHARED / relative).data
        train, holdout, test = split(data, 0)
        twin = datatwin.fit(train, model="argn", seed=0)
        for label, synthetic in (("argn twin", twin.sample(len(train), seed=0)), ("unseen real", test)):
            ours = datatwin.evaluate(train, synthetic, holdout, target=target)
            theirs = _sdmetrics_quality(QualityReport, train, synthetic)
            rows.append(
                {
                    "case": f"agreement: {name}, {label}",
                    "shapes_datatwin": round(ours.metric("column_shapes").value, 4),
                    "shapes_sdmetrics": round(theirs["Column Shapes"], 4),
                    "trends_datatwin": round(ours.metric("pair_trends").value, 4),
                    "trends_sdmetrics": round(theirs["Column Pair Trends"], 4),
                    "trends_datatwin_sdmetrics_pairs": round(theirs["trends_datatwin_same_pairs"], 4),
                    "pairs_sdmetrics_scores": theirs["pairs_scored_by_sdmetrics"],
                    "max_pair_difference": theirs["max_pair_difference"],
                    "detection_auc": round(ours.metric("detection").value, 4),
                    "dcr_share": round(ours.metric("dcr_share").value, 4),
                }
            )
            print(json.dumps(rows[-1]), flush=True)
    return rows


def _sdmetrics_quality(report_class, real: pd.DataFrame, synthetic: pd.DataFrame) -> dict[str, float]:
    """SDMetrics' QualityReport on the same typed tables and column kinds as datatwin's, and the
    pair-by-pair comparison of Column Pair Trends. SDMetrics 0.32 averages only the pairs whose
    real association meets its threshold; datatwin averages all pairs (the earlier definition),
    so the pair scores are compared one by one and datatwin's mean is also taken over
    SDMetrics' pairs."""
    tables = prepare(real, synthetic)
    real_typed, synthetic_typed = tables.real[tables.columns].copy(), tables.synthetic[tables.columns].copy()
    sdtypes = {}
    for name in tables.columns:
        kind = tables.schema[name].kind
        numeric = kind in (ColumnKind.NUMERIC, ColumnKind.INTEGER)
        sdtypes[name] = {"sdtype": "numerical" if numeric else "categorical"}
        if not numeric:  # labels as plain objects, the way SDMetrics reads categoricals
            real_typed[name] = real_typed[name].astype(object)
            synthetic_typed[name] = synthetic_typed[name].astype(object)
    report = report_class()
    report.generate(real_typed, synthetic_typed, {"columns": sdtypes}, verbose=False)
    properties = report.get_properties()
    scores = dict(zip(properties["Property"], properties["Score"], strict=True))
    theirs = report.get_details("Column Pair Trends").dropna(subset=["Score"])
    ours = {
        frozenset((p.left, p.right)): p.similarity
        for p in pair_trend_details(tables.real, tables.synthetic, tables.schema)
    }
    matched = np.array([ours[frozenset((a, b))] for a, b in zip(theirs["Column 1"], theirs["Column 2"], strict=True)])
    scores["pairs_scored_by_sdmetrics"] = len(theirs)
    scores["trends_datatwin_same_pairs"] = float(matched.mean())
    scores["max_pair_difference"] = float(np.abs(matched - theirs["Score"].to_numpy()).max())
    return scores


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--skip-agreement", action="store_true", help="only the speed case (no sdmetrics needed)")
    args = parser.parse_args()
    rows = [speed_case()]
    print(json.dumps(rows[-1]), flush=True)
    if not args.skip_agreement:
        rows += agreement_cases()
    print(pd.DataFrame(rows).to_string(index=False))
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    (out / "evaluate.json").write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
