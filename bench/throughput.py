"""Throughput and reach: fit time and quality on tables of every size and width, sampling
rows/s to Parquet on one or more processes and on Dask, and a fit from a file larger than the
memory the process may use.

Parts (``--parts``, default all):

- ``fit``: ``auto``, ``argn``, ``argn_30s`` (argn with a 30 s budget) and ``copula`` (and SDV's
  Gaussian copula and TabularARGN from ``mostlyai-engine`` when installed) on Adult, credit
  default, bank marketing, German credit (1,000 rows), diabetes 130 (50 columns) and online
  shoppers, each split 70/15/15 as in :mod:`flagship` and scored with its code: fit seconds,
  column shapes, pair trends, two-sample AUC against the holdout, TSTR.
- ``sample``: rows/s of a credit-default twin sampled to Parquet partitions, 1M and 10M rows,
  with the local engine (1 process), 2 processes and a 2-worker Dask ``LocalCluster``; peak
  resident memory of the largest worker (or of this process, for the local engine).
- ``big``: 10M rows drawn from that twin into a Parquet file; under a memory cap of
  ``--memory-gb`` (default 2 GB: a memory cgroup where the machine allows, see
  :mod:`_capped_fit`), reading the file whole, then a fit on a 200,000-row sample of it
  (``max_rows``, a 300 s budget).

Run from the repository root (peers need the bench extra):
``python bench/throughput.py [--parts fit sample big] [--datasets adult ...] [--models argn ...]``.
Prints one table and writes ``bench/results/throughput.json``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
from _isolated import run_each, write_table
from flagship import RUNNERS, SHARED, datatwin_runner, score, split

import datatwin
from datatwin.io import read_table
from datatwin.pipeline.choose import MEASURE_BELOW_ROWS

HERE = Path(__file__).resolve().parent
DATASETS = {
    "adult": ("adult/adult.csv.gz", "income"),
    "credit_default": ("credit_default/credit_default.csv.gz", "default_next_month"),
    "bank_marketing": ("bank_marketing/bank_marketing.csv.gz", "y"),
    "german_credit": ("german_credit/german_credit.csv.gz", "class"),
    "diabetes_130": ("diabetes_130/diabetes_130.csv.gz", "readmitted"),
    "shoppers_intention": ("shoppers_intention/shoppers_intention.csv.gz", "Revenue"),
}
MODELS = ("auto", "argn", "argn_30s", "copula", "sdv_copula", "tabularargn")
BUDGETED = {"argn_30s": datatwin_runner("argn", max_time=30)}
"""argn with ``--max-time 30`` (the whole fit's budget, reading and encoding included)."""
SAMPLE_ROWS = (1_000_000, 10_000_000)
ENGINES = (("local", 1), ("processes", 2), ("dask", 2))
BIG_ROWS = 10_000_000
BIG_SAMPLE = 200_000


def measure_fit(dataset: str, model: str, queue) -> None:  # type: ignore[no-untyped-def]
    relative, target = DATASETS[dataset]
    data = read_table(SHARED / relative).data
    if dataset == "credit_default":
        data = data.drop(columns=["ID"])
    train, holdout, test = split(data, 0)
    if model == "auto" and len(train) >= MEASURE_BELOW_ROWS:  # auto is argn there: not fitted twice
        queue.put({"part": "fit", "dataset": dataset, "model": "auto", "same_as": "argn"})
        return
    schema = datatwin.infer_schema(data)
    runner = BUDGETED.get(model) or RUNNERS["mostly_argn" if model == "tabularargn" else model]
    try:
        synthetic, fit_s, _ = runner(train, 0)
    except ImportError as error:
        queue.put({"part": "fit", "dataset": dataset, "model": model, "error": f"not installed: {error}"})
        return
    timings = {"fit_s": round(fit_s, 1), "rows": len(train), "columns": train.shape[1]}
    row = score(model, synthetic, {"train": train, "holdout": holdout, "test": test}, schema, target, timings)
    queue.put({"part": "fit", "dataset": dataset, **row})


def credit_twin(folder: Path) -> Path:
    """A credit-default twin (argn, a 120 s budget: sampling speed depends on the model's size, not
    on how long it trained) saved in ``folder``."""
    path = folder / "credit.twin"
    if not path.exists():
        data = read_table(SHARED / DATASETS["credit_default"][0]).data.drop(columns=["ID"])
        datatwin.fit(data, model="argn", seed=0, find_rules=False, max_time=120).save(path)
    return path


def measure_sample(twin_path: str, rows: int, engine: str, workers: int, queue) -> None:  # type: ignore[no-untyped-def]
    twin = datatwin.load(twin_path)
    out = Path(tempfile.mkdtemp(prefix="throughput."))
    try:
        started = time.perf_counter()
        pool = None if engine == "local" else workers  # the local engine refuses a workers count
        written = twin.sample_to(out / "rows", rows, seed=1, engine=engine, workers=pool)
        seconds = time.perf_counter() - started
        size = sum(p.stat().st_size for p in (out / "rows").iterdir())
    finally:
        shutil.rmtree(out)
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    queue.put(
        {
            "part": "sample",
            "rows": written,
            "engine": engine,
            "workers": workers,
            "seconds": round(seconds, 1),
            "rows_per_s": round(written / seconds),
            "parquet_mb": round(size / 2**20),
            "peak_mb_per_worker": round(own if engine == "local" else children),
        }
    )


def measure_big(twin_path: str, memory_gb: float, queue) -> None:  # type: ignore[no-untyped-def]
    folder = Path(tempfile.mkdtemp(prefix="throughput-big."))
    try:
        twin = datatwin.load(twin_path)
        started = time.perf_counter()
        parts = folder / "parts"
        twin.sample_to(parts, BIG_ROWS, seed=2, engine="processes", workers=2)
        big = folder / "credit_10m.parquet"
        _concatenate(parts, big)
        write_s = time.perf_counter() - started
        file_mb = big.stat().st_size / 2**20
        in_memory_mb = pd.read_parquet(parts / "part-00000.parquet").memory_usage(deep=True).sum() / 2**20 * 100
        command = [sys.executable, str(HERE / "_capped_fit.py"), str(big), str(BIG_SAMPLE), str(memory_gb)]
        whole = subprocess.run([*command, "whole"], capture_output=True, text=True)
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode != 0:
            queue.put({"part": "big", "error": (done.stderr.strip().splitlines() or ["killed"])[-1][:300]})
            return
        fitted = json.loads(done.stdout.strip().splitlines()[-1])
        queue.put(
            {
                "part": "big",
                "rows": BIG_ROWS,
                "file_mb": round(file_mb),
                "table_in_memory_mb": round(in_memory_mb),
                "memory_cap_mb": round(memory_gb * 1024),
                "write_s": round(write_s, 1),
                "read_whole_under_cap": "ok" if whole.returncode == 0 else f"failed (exit {whole.returncode})",
                **fitted,
            }
        )
    finally:
        shutil.rmtree(folder)
        for group in Path("/sys/fs/cgroup/memory").glob("datatwin-bench-*"):  # the capped processes' groups
            with contextlib.suppress(OSError):
                group.rmdir()


def _concatenate(parts: Path, target: Path) -> None:
    """The partitions as one Parquet file, a partition at a time."""
    import pyarrow.parquet as pq

    files = sorted(parts.glob("part-*.parquet"))
    with pq.ParquetWriter(target, pq.read_schema(files[0])) as writer:
        for file in files:
            writer.write_table(pq.read_table(file))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--parts", nargs="+", default=["fit", "sample", "big"], choices=["fit", "sample", "big"])
    parser.add_argument("--datasets", nargs="+", default=list(DATASETS), choices=list(DATASETS))
    parser.add_argument("--models", nargs="+", default=list(MODELS), choices=list(MODELS))
    parser.add_argument("--sample-rows", nargs="+", type=int, default=list(SAMPLE_ROWS))
    parser.add_argument("--memory-gb", type=float, default=2.0)
    parser.add_argument("--name", default="throughput")
    args = parser.parse_args()
    results: list[dict] = []
    if "fit" in args.parts:
        results += run_each(measure_fit, [(d, m) for d in args.datasets for m in args.models])
    if {"sample", "big"} & set(args.parts):
        folder = HERE / "results" / "throughput_twin"
        folder.mkdir(parents=True, exist_ok=True)
        twin = str(credit_twin(folder))
        if "sample" in args.parts:
            runs = [(twin, n, engine, workers) for n in args.sample_rows for engine, workers in ENGINES]
            results += run_each(measure_sample, runs)
        if "big" in args.parts:
            results += run_each(measure_big, [(twin, args.memory_gb)])
    write_table(results, args.name)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
