"""Fit and sample timings and column-shape similarity of each registered model on shared data.

Run from the repository root: ``python bench/single_table.py [--rows 5000]``. Prints a table and
writes ``bench/results/single_table.json``.
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from pathlib import Path

import datatwin
from datatwin.evaluate import column_shapes
from datatwin.io import read_table
from datatwin.models import MODELS, get
from datatwin.schema import coerce_table

DATASETS = {
    "adult": "adult/adult.csv.gz",
    "credit_default": "credit_default/credit_default.csv.gz",
    "bank_marketing": "bank_marketing/bank_marketing.csv.gz",
}
SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "datasets"


def measure(name: str, model: str, rows: int) -> dict[str, object]:
    data = read_table(SHARED / DATASETS[name]).data
    started = time.perf_counter()
    twin = datatwin.fit(data, model=model, seed=0)
    fit_s = time.perf_counter() - started
    started = time.perf_counter()
    synthetic = twin.sample(rows, seed=1)
    sample_s = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    scores = column_shapes(coerce_table(data, twin.schema), coerce_table(synthetic, twin.schema), twin.schema)
    shapes = [s for s in scores.values() if s is not None]
    return {
        "dataset": name,
        "model": model,
        "rows_real": len(data),
        "fit_s": round(fit_s, 2),
        "sample_rows_per_s": round(rows / sample_s),
        "peak_process_mb": round(peak_mb, 1),
        "column_shapes": round(sum(shapes) / len(shapes), 4),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=200_000, help="synthetic rows to draw")
    args = parser.parse_args()
    ordinary = [m for m in MODELS if not get(m).capabilities.dp_only]  # DP models: bench/dp.py
    results = [measure(name, model, args.rows) for name in DATASETS for model in ordinary]
    header = list(results[0])
    print(" | ".join(header))
    for row in results:
        print(" | ".join(str(row[h]) for h in header))
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    (out / "single_table.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
