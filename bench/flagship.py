"""The flagship benchmark: datatwin's models (and peers, when installed) against the real-data ceiling.

Each dataset is split 70/15/15 into train, holdout and test rows (seeded). Every generator
fits on train and samples as many rows; the "holdout (ceiling)" row scores real rows the
generator never saw, with the same code. Columns:

fit_s, sample_rows_per_s   wall seconds to fit; rows sampled (and decoded) per second
peak_mb                    process peak resident memory so far (MB): run one model per process to read it per model
shapes, trends             column-shape and pair-trend similarity to train (SDMetrics definitions;
                           trends over pairs whose real association is meaningful, as SDMetrics'
                           quality report; trends_all_pairs over every pair)
c2st_auc                   gradient-boosting two-sample AUC against the holdout (0.5 ideal)
tstr_auc / trtr_auc        target AUC on test after training on synthetic / real train rows
dcr_share                  share of rows closer to train than to the holdout (0.5 ideal)
exact_match                share of rows that copy a training row

Before the datasets it prints (and stores under ``machine``) how fast this machine runs the
operations the argn sampler spends its time in, so sampling speeds from different runs can be
compared: these 2-core machines have varied by 2× from one day to the next.

Usage: ``python bench/flagship.py [--datasets adult credit_default] [--models argn copula sdv_copula ...]``.
Writes ``bench/results/flagship.json`` (``{"machine": ..., "rows": [...]}``).
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import torch

import datatwin
from datatwin.evaluate import column_shapes, dcr_share, detection_auc, exact_match_rate, pair_trends, train_test_auc
from datatwin.io import read_table
from datatwin.models.argn import ArgnConfig
from datatwin.schema import coerce_table

REFERENCE_CHUNK_ROWS, REFERENCE_GROUPS, REFERENCE_HIDDEN = 4096, 8, 64
"""Sizes of the machine-speed reference (see :func:`machine_speed`): argn's chunks and head
width of the runs it was first measured in, kept so that runs stay comparable."""
SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "datasets"
DATASETS = {
    "adult": ("adult/adult.csv.gz", "income"),
    "credit_default": ("credit_default/credit_default.csv.gz", "default_next_month"),
}

Runner = Callable[[pd.DataFrame, int], tuple[pd.DataFrame, float, float]]
"""Fits on the training rows, samples as many; returns (rows, fit seconds, sample seconds)."""


def timed(fit: Callable[[], object], sample: Callable[[object], pd.DataFrame]) -> tuple[pd.DataFrame, float, float]:
    started = time.perf_counter()
    fitted = fit()
    fitted_at = time.perf_counter()
    rows = sample(fitted)
    return rows, fitted_at - started, time.perf_counter() - fitted_at


def datatwin_runner(model: str, max_time: float | None = None) -> Runner:
    def run(train: pd.DataFrame, seed: int) -> tuple[pd.DataFrame, float, float]:
        return timed(
            lambda: datatwin.fit(train, model=model, seed=seed, max_time=max_time),
            lambda twin: twin.sample(len(train), seed=seed),
        )

    return run


def sdv_runner(name: str) -> Runner:
    def run(train: pd.DataFrame, seed: int) -> tuple[pd.DataFrame, float, float]:
        from sdv.metadata import Metadata  # bench extra only
        from sdv.single_table import CTGANSynthesizer, GaussianCopulaSynthesizer, TVAESynthesizer

        classes = {"sdv_copula": GaussianCopulaSynthesizer, "sdv_ctgan": CTGANSynthesizer, "sdv_tvae": TVAESynthesizer}
        typed = _typed(train)
        synthesizer = classes[name](Metadata.detect_from_dataframes({"data": typed}))

        def sample(_: object) -> pd.DataFrame:
            rows = synthesizer.sample(len(train))
            return rows["data"] if isinstance(rows, dict) else rows  # SDV 2 speaks in table dicts

        return timed(lambda: synthesizer.fit({"data": typed}), sample)

    return run


def mostly_runner(train: pd.DataFrame, seed: int) -> tuple[pd.DataFrame, float, float]:
    import tempfile

    from mostlyai import engine  # bench extra only

    with tempfile.TemporaryDirectory() as workspace:

        def fit() -> None:
            engine.split(workspace_dir=workspace, tgt_data=_typed(train), model_type="TABULAR")
            engine.analyze(workspace_dir=workspace)
            engine.encode(workspace_dir=workspace)
            engine.train(workspace_dir=workspace)

        def sample(_: object) -> pd.DataFrame:
            engine.generate(workspace_dir=workspace, sample_size=len(train))
            return pd.read_parquet(Path(workspace) / "SyntheticData")

        return timed(fit, sample)


def arf_runner(train: pd.DataFrame, seed: int) -> tuple[pd.DataFrame, float, float]:
    """Adversarial random forests (Watson et al. 2023) with the authors' ``arfpy`` defaults."""
    from arfpy import arf  # bench extra only

    if not hasattr(np, "in1d"):  # arfpy 0.1.1 calls np.in1d, which numpy 2.4 removed
        np.in1d = np.isin
    frame, restore = _forest_ready(train)
    np.random.seed(seed)  # arfpy draws from numpy's global generator

    def fit() -> object:
        model = arf.arf(x=frame, verbose=False)
        model.forde()
        model.factor_cols = _ByPositionOrLabel(model.factor_cols)  # arfpy reads it both ways
        return model

    return timed(fit, lambda model: restore(model.forge(n=len(train))))


class _ByPositionOrLabel(pd.Series):
    """A Series that an integer indexes by position, as pandas < 3 did for arfpy's ``forge``."""

    def __getitem__(self, key: object) -> object:
        return self.iloc[key] if isinstance(key, int) else super().__getitem__(key)


_MISSING = "(missing)"


def _forest_ready(train: pd.DataFrame) -> tuple[pd.DataFrame, Callable[[pd.DataFrame], pd.DataFrame]]:
    """Training rows for the forest peer (text as ``object`` with missing labelled), and the
    function that turns its rows back: labels unmarked, numbers clipped to the training range,
    whole-number columns rounded."""
    frame = _typed(train)
    text = [c for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c])]
    frame[text] = frame[text].astype(object).fillna(_MISSING)
    numbers = [c for c in frame.columns if c not in text]
    whole = [c for c in numbers if (frame[c].dropna() % 1 == 0).all()]

    def restore(rows: pd.DataFrame) -> pd.DataFrame:
        rows = rows[list(frame.columns)].copy()
        rows[text] = rows[text].astype(object).where(rows[text].astype(object) != _MISSING, None)
        # clipped to the training range, as SDV's synthesizers do by default
        rows[numbers] = rows[numbers].astype(float).clip(frame[numbers].min(), frame[numbers].max(), axis=1)
        rows[whole] = rows[whole].round().astype("Int64")
        return rows

    return frame, restore


RUNNERS: dict[str, Runner] = {
    "auto": datatwin_runner("auto"),
    "argn": datatwin_runner("argn"),
    "copula": datatwin_runner("copula"),
    "sdv_copula": sdv_runner("sdv_copula"),
    "sdv_ctgan": sdv_runner("sdv_ctgan"),
    "sdv_tvae": sdv_runner("sdv_tvae"),
    "mostly_argn": mostly_runner,
    "arf": arf_runner,
}


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    """CSV text columns as numbers where they are numbers, for peers that need dtypes."""
    out = frame.copy()
    for name in out.columns:
        numbers = pd.to_numeric(out[name], errors="coerce")
        if numbers.notna().sum() == out[name].notna().sum():
            out[name] = numbers
    return out


def split(data: pd.DataFrame, seed: int) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    order = np.random.default_rng(seed).permutation(len(data))
    a, b = int(0.70 * len(data)), int(0.85 * len(data))
    return tuple(data.iloc[idx].reset_index(drop=True) for idx in (order[:a], order[a:b], order[b:]))  # type: ignore[return-value]


def score(
    name: str, synthetic: pd.DataFrame, parts: dict[str, pd.DataFrame], schema, target: str, timings: dict
) -> dict:
    """Every metric of one generator's rows; the ceiling row passes real ``test`` rows as
    ``synthetic`` and is trained on the holdout for its utility score."""
    real = {k: coerce_table(v, schema) for k, v in parts.items()}
    as_text = synthetic[schema.names].astype(object)
    synth = coerce_table(as_text.astype(str).where(as_text.notna(), None), schema)
    utility_train = real["holdout"] if synthetic is parts["test"] else synth
    shapes = [s for s in column_shapes(real["train"], synth, schema).values() if s is not None]
    return {
        "model": name,
        **timings,
        "shapes": round(float(np.mean(shapes)), 4),
        "trends": round(pair_trends(real["train"], synth, schema), 4),
        "trends_all_pairs": round(pair_trends(real["train"], synth, schema, meaningful=False), 4),
        "c2st_auc": round(detection_auc(real["holdout"], synth, schema), 4),
        "tstr_auc": round(train_test_auc(utility_train, real["test"], schema, target), 4),
        "trtr_auc": round(train_test_auc(real["train"], real["test"], schema, target), 4),
        "dcr_share": round(dcr_share(real["train"], real["holdout"], synth, schema), 4),
        "exact_match": round(exact_match_rate(real["train"], synth, schema), 5),
    }


def machine_speed() -> dict[str, float]:
    """Throughput of the sampler's costliest operations, at the reference sizes (argn's earlier
    4,096-row chunks of 8 groups and 64-wide heads) and argn's default bins: batched hidden ×
    hidden matrix products (GFLOP/s) and ``exp`` over a chunk's logits (ns per element, with
    torch's default threads and with one)."""

    def microseconds(operation: Callable[[], object], repeats: int = 300) -> float:
        for _ in range(20):
            operation()
        started = time.perf_counter()
        for _ in range(repeats):
            operation()
        return (time.perf_counter() - started) / repeats * 1e6

    rows, groups, hidden, bins = REFERENCE_CHUNK_ROWS, REFERENCE_GROUPS, REFERENCE_HIDDEN, ArgnConfig.max_bins
    generator = torch.Generator().manual_seed(0)
    a = torch.randn(groups, rows // groups, hidden, generator=generator)
    w = torch.randn(groups, hidden, hidden, generator=generator)
    logits = torch.randn(rows, bins, generator=generator)
    gemm = 2 * a.numel() * hidden / microseconds(lambda: torch.bmm(a, w)) / 1e3
    exp_all = microseconds(logits.exp) * 1e3 / logits.numel()
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    exp_one = microseconds(logits.exp) * 1e3 / logits.numel()
    torch.set_num_threads(threads)
    return {
        "torch_threads": threads,
        "bmm_gflops": round(gemm, 1),
        "exp_ns_per_element": round(exp_all, 3),
        "exp_ns_per_element_1_thread": round(exp_one, 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--datasets", nargs="+", default=list(DATASETS), choices=list(DATASETS))
    parser.add_argument("--models", nargs="+", default=["argn", "copula"], choices=list(RUNNERS))
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    machine = machine_speed()
    print(json.dumps({"machine": machine}), flush=True)
    rows = []
    for dataset in args.datasets:
        relative, target = DATASETS[dataset]
        data = read_table(SHARED / relative).data
        train, holdout, test = split(data, args.seed)
        schema = datatwin.infer_schema(data)  # for scoring only: its bounds cover every split
        parts = {"train": train, "holdout": holdout, "test": test}
        rows.append({"dataset": dataset, **score("unseen real (ceiling)", test, parts, schema, target, {})})
        for model in args.models:
            synthetic, fit_s, sample_s = RUNNERS[model](train, args.seed)
            timings = {
                "fit_s": round(fit_s, 1),
                "sample_rows_per_s": round(len(synthetic) / sample_s),
                "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            }
            rows.append({"dataset": dataset, **score(model, synthetic, parts, schema, target, timings)})
            print(json.dumps(rows[-1]), flush=True)
    table = pd.DataFrame(rows)
    print(table.to_string(index=False))
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    (out / "flagship.json").write_text(json.dumps({"machine": machine, "rows": rows}, indent=2))


if __name__ == "__main__":
    main()
