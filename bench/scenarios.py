"""Scenario worlds: throughput, memory, the shortcut audit and a detector's reach.

- *throughput*: both shipped scenarios (payments, network) scaled to about 1M and 10M events,
  written as Parquet; events a minute and peak memory (each run in a process of its own);
- *audit*: the shortcut audit of each scenario at camouflage 0.1, 0.5 (the default) and 0.9 —
  each group's AUC averaged over three worlds (seeds 0–2; few instances make one world noisy),
  the highest mean, which group, and each typology's fewest instances in a world (with fewer
  than six the audit's instance-whole folds leave it out of some training folds and under-report);
- *detector*: a gradient-boosted detector trained on that run's labels (every feature group and
  per-actor behaviour), scored on a fresh world (seed + 100, half the prevalence): recall per
  typology at 1 % false positives, averaged over the three;
- *population*: with ``--twin-data``, a payments world whose customers come from a twin of that
  table (bank marketing by default), the customers' column shapes against the real table
  beside a plain sample of the same twin.

Run from the repository root: ``python bench/scenarios.py [--skip-10m] [--only throughput audit population]``.
Prints a table and writes ``bench/results/scenarios.json``.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

import numpy as np
from _isolated import run_each, write_table

import datatwin
from datatwin.api.scenarios import example_path
from datatwin.evaluate.scenario import evaluate_scenario, read_run
from datatwin.scenarios import read_scenario

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "datasets"
SIZES = {  # (scenario, target events) → (population, days)
    ("payments", "1M"): (25_000, 28),
    ("payments", "10M"): (100_000, 70),
    ("network", "1M"): (1_000, 23),
    ("network", "10M"): (5_000, 47),
}
AUDIT_SIZE = {"payments": (5_000, 30), "network": (5_000, 28)}
"""Worlds large enough that every typology has several instances in each of the audit's folds."""
SEEDS = (0, 1, 2)
"""The audit and the detector are measured on three worlds (and three fresh ones), and averaged."""


def _spec(name: str, size: int, days: int, camouflage: float | None = None, prevalence: float = 1.0):
    spec = read_scenario(example_path(name))
    typologies = tuple(
        t.__class__(
            type=t.type,
            prevalence=t.prevalence * prevalence,
            start=0.0,
            duration=float(days),
            camouflage=t.camouflage if camouflage is None else camouflage,
            params=t.params,
        )
        for t in spec.typologies
    )
    return spec.replace(
        days=days, population=spec.population.__class__(size, None, spec.population.roles), typologies=typologies
    )


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def throughput(name: str, label: str, queue) -> None:
    size, days = SIZES[name, label]
    with tempfile.TemporaryDirectory() as folder:
        began = time.perf_counter()
        run = datatwin.simulate(_spec(name, size, days), Path(folder) / "world")
        seconds = time.perf_counter() - began
    events = sum(run.rows.values())
    queue.put(
        {
            "case": f"throughput {name} {label}",
            "events": events,
            "seconds": round(seconds, 1),
            "events/min": round(events / seconds * 60),
            "peak MB": round(_peak_mb()),
            "labelled": sum(run.labelled.values()),
        }
    )


def audit(name: str, camouflage: float, queue) -> None:
    size, days = AUDIT_SIZE[name]
    groups: dict[str, list[float]] = {}
    recalls: dict[str, list[float]] = {}
    instances: dict[str, int] = {}
    exact = True
    for seed in SEEDS:
        with tempfile.TemporaryDirectory() as folder:
            world, fresh = Path(folder) / "world", Path(folder) / "fresh"
            datatwin.simulate(_spec(name, size, days, camouflage), world, seed=seed)
            datatwin.simulate(_spec(name, size, days, camouflage, prevalence=0.5), fresh, seed=seed + 100)
            report = evaluate_scenario(world, fresh=fresh, seed=seed)
        exact &= report.metric("scenario_labels").value == 0
        for m in report.metrics:
            if m.value is not None and m.key in ("shortcut_auc", "detector_recall"):
                (groups if m.key == "shortcut_auc" else recalls).setdefault(m.subject, []).append(m.value)
            if m.key == "shortcut_auc" and m.value is not None:
                for typology, count in m.details["instances"].items():
                    instances[typology] = min(count, instances.get(typology, count))
    means = {group: round(float(np.mean(values)), 3) for group, values in groups.items()}
    worst = max(means, key=means.get)
    queue.put(
        {
            "case": f"audit {name} camouflage {camouflage}",
            "labels exact": exact,
            "max group AUC": means[worst],
            "max group": worst,
            "group AUCs": means,
            "group AUC spread": {group: round(float(np.ptp(values)), 3) for group, values in groups.items()},
            "recall@1%FPR": {t: round(float(np.mean(values)), 3) for t, values in recalls.items()},
            "fewest instances": instances,
        }
    )


def population(table: str, queue) -> None:
    from datatwin.evaluate.shapes import column_shapes
    from datatwin.io import read_table

    real = read_table(SHARED / table / f"{table}.csv.gz").data
    twin = datatwin.fit(real, seed=0, max_time=120)
    real = twin.sample(1, seed=0).iloc[:0].pipe(lambda empty: real[empty.columns])  # the twin's columns
    roles = {"wealth": "balance", "age": "age"} if table == "bank_marketing" else {"wealth": "LIMIT_BAL", "age": "AGE"}
    spec = _spec("payments", 5_000, 7)
    spec = spec.replace(population=spec.population.__class__(5_000, None, roles))
    with tempfile.TemporaryDirectory() as folder:
        datatwin.simulate(spec, Path(folder) / "world", twin=twin)
        customers = read_run(Path(folder) / "world")[1]["customers"]
    plain = twin.sample(5_000, seed=99)
    schema = twin.schema
    world = np.mean([v for v in column_shapes(real, customers[real.columns], schema).values() if v is not None])
    sample = np.mean([v for v in column_shapes(real, plain[real.columns], schema).values() if v is not None])
    queue.put(
        {
            "case": f"population from a twin of {table}",
            "world shapes": round(float(world), 4),
            "plain sample shapes": round(float(sample), 4),
            "difference": round(float(world - sample), 4),
        }
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", nargs="*", default=["throughput", "audit", "population"])
    parser.add_argument("--skip-10m", action="store_true")
    parser.add_argument("--twin-data", default="bank_marketing")
    args = parser.parse_args()
    results = []
    if "throughput" in args.only:
        labels = ("1M",) if args.skip_10m else ("1M", "10M")
        results += run_each(throughput, [(name, label) for name in ("payments", "network") for label in labels])
    if "audit" in args.only:
        results += run_each(audit, [(name, c) for name in ("payments", "network") for c in (0.1, 0.5, 0.9)])
    if "population" in args.only:
        results += run_each(population, [(args.twin_data,)])
    write_table(results, "scenarios")


if __name__ == "__main__":
    main()
