"""Fit one smartnoise-synth model and write its rows; run with smartnoise's own Python.

smartnoise-synth pins an old opacus, so it lives in a virtual environment of its own
(``python -m venv /work/snvenv && /work/snvenv/bin/pip install torch==2.13.0 smartnoise-synth``);
:mod:`bench.dp` calls this script there with the training file, the model, ε and δ:

    /work/snvenv/bin/python bench/_smartnoise.py train.csv aim 1.0 4.3e-10 rows.csv

It spends a tenth of ε on its preprocessing (bounds of the continuous columns, as in
datatwin), writes as many rows as it was given, and prints one JSON line with the fit seconds.
Missing labels are given the label ``"?"`` (smartnoise cannot encode missing values); number
columns with at most :data:`FEW_CODES` values are declared categorical.
"""

from __future__ import annotations

import json
import sys
import time

import pandas as pd
from snsynth import Synthesizer

PREPROCESSOR_SHARE = 0.1
FEW_CODES = 12
"""Number columns with at most this many values are given to smartnoise as categorical (codes such as
credit default's SEX, PAY_0 or its 0/1 target): as continuous it writes bin midpoints (0.1, 1.1)."""


def main() -> None:
    train_path, model, epsilon, delta, out_path = sys.argv[1:6]
    train = pd.read_csv(train_path)
    continuous = [c for c in train.columns if train[c].dtype.kind in "if" and train[c].nunique() > FEW_CODES]
    categorical = [c for c in train.columns if c not in continuous]
    train[categorical] = train[categorical].fillna("?").astype(str)
    train[continuous] = train[continuous].fillna(train[continuous].median())
    started = time.perf_counter()
    synth = Synthesizer.create(model, epsilon=float(epsilon), delta=float(delta), verbose=False)
    synth.fit(
        train,
        categorical_columns=categorical,
        continuous_columns=continuous,
        preprocessor_eps=PREPROCESSOR_SHARE * float(epsilon),
    )
    fit_seconds = time.perf_counter() - started
    rows = synth.sample(len(train))
    rows.to_csv(out_path, index=False)
    print(json.dumps({"fit_s": fit_seconds}))


if __name__ == "__main__":
    main()
