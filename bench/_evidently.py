"""Run Evidently's DataDriftPreset with its defaults; run with Evidently's own Python.

Evidently lives in a virtual environment of its own (``python -m venv /work/evvenv &&
/work/evvenv/bin/pip install evidently "pandas<3"``); :mod:`bench.drift` calls this script there
with a folder holding ``reference.parquet`` and ``current.parquet``:

    /work/evvenv/bin/python bench/_evidently.py FOLDER

It prints one JSON line: whether Evidently calls the dataset drifted (its default: half the
columns drifted), and the columns it calls drifted (a distance at or above its threshold, or a
test's p-value below it).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import pandas as pd
from evidently import Report
from evidently.presets import DataDriftPreset


def main() -> None:
    folder = Path(sys.argv[1])
    reference = pd.read_parquet(folder / "reference.parquet")
    current = pd.read_parquet(folder / "current.parquet")
    started = time.perf_counter()
    found = Report([DataDriftPreset()]).run(current, reference).dict()
    seconds = time.perf_counter() - started
    drifted, share, needed = [], 0.0, 0.5
    for metric in found["metrics"]:
        config = metric["config"]
        if config["type"].endswith("DriftedColumnsCount"):
            share, needed = float(metric["value"]["share"]), float(config["drift_share"])
        elif config["type"].endswith("ValueDrift"):
            value, threshold = float(metric["value"]), float(config["threshold"])
            is_test = "p_value" in config["method"]
            if (value < threshold) if is_test else (value >= threshold):
                drifted.append(config["column"])
    print(json.dumps({"dataset_drift": share >= needed, "drifted_columns": drifted, "seconds": seconds}))


if __name__ == "__main__":
    main()
