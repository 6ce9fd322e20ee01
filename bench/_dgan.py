"""Gretel's DGAN on fixed-length examples, run in its own environment (gretel-synthetics pins
pandas < 2): ``python bench/_dgan.py SPEC.json``. The spec names the training CSV, the columns,
the example length, epochs and how many examples to write to the output CSV."""

from __future__ import annotations

import json
import sys
import time

import pandas as pd
from gretel_synthetics.timeseries_dgan.config import DGANConfig
from gretel_synthetics.timeseries_dgan.dgan import DGAN


def main() -> None:
    with open(sys.argv[1]) as file:
        spec = json.load(file)
    frame = pd.read_csv(spec["train"])
    config = DGANConfig(
        max_sequence_len=spec["length"],
        sample_len=spec["sample_len"],
        batch_size=min(1000, max(10, frame[spec["example"]].nunique() // 2)),
        epochs=spec["epochs"],
        apply_feature_scaling=True,
        apply_example_scaling=False,
    )
    model = DGAN(config)
    started = time.perf_counter()
    model.train_dataframe(
        frame,
        attribute_columns=spec["attributes"] or None,
        feature_columns=spec["features"],
        example_id_column=spec["example"],
        discrete_columns=spec["discrete"] or None,
        df_style="long",
    )
    fit_seconds = time.perf_counter() - started
    started = time.perf_counter()
    out = model.generate_dataframe(spec["examples"])
    out.to_csv(spec["output"], index=False)
    print(json.dumps({"fit": fit_seconds, "sample": time.perf_counter() - started}))


if __name__ == "__main__":
    main()
