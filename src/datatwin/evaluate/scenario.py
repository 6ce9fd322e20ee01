"""Validating a scenario run: labels exact, no shortcut, a detector's reach, normal rhythms.

- *labels*: every labelled event belongs to an instance of the ground truth, each instance's
  count matches, and the three label columns are all set or all empty (a normal event has none);
- *shortcut audit*: a gradient-boosted classifier trained on one feature group at a time (single
  columns of a kind, identifier formats, balance identities — see
  :mod:`datatwin.scenarios.features`) tries to tell labelled events from normal ones; its
  cross-validated AUC per group is reported (PaySim's name prefixes reach ≈ 1.0);
- *detector benchmark*: a classifier trained on this run's labels with every group and per-actor
  behaviour, scored on a fresh run (another seed and prevalence): recall per typology at the
  threshold that flags 1 % of the fresh run's normal events;
- *rhythm*: normal events per day against what the declared rules expect;
- *population*: the agents' column shapes against a plain sample of their twin (or its real data).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import ks_2samp

from datatwin.errors import SourceError
from datatwin.evaluate.report import Report
from datatwin.evaluate.result import MetricResult, measured, skipped, thresholds_with
from datatwin.evaluate.shapes import column_shapes
from datatwin.progress import Progress, advance
from datatwin.scenarios.activity import describe, hour_profile
from datatwin.scenarios.features import ACTORS, SIZE, detector_features, feature_groups
from datatwin.scenarios.output import MANIFEST
from datatwin.schema import infer_schema

AUDIT_NORMALS = 60_000
"""Normal events sampled for the audit and the detector (all labelled events are kept)."""
FALSE_POSITIVES = 0.01
FOLDS = 3
FEW_INSTANCES = 2 * FOLDS
"""Below this many instances, a typology is missing from some folds' training: the classifier
cannot learn a trait its instances share, and the audit under-reports it."""


def read_run(folder: str | Path) -> tuple[dict[str, Any], dict[str, pd.DataFrame]]:
    """A scenario run's manifest and tables, from the folder ``datatwin simulate`` wrote.

    Raises
    ------
    SourceError
        When the folder holds no scenario run.
    """
    folder = Path(folder)
    path = folder / MANIFEST
    if not path.is_file():
        raise SourceError(f"{str(folder)!r} holds no scenario run (no {MANIFEST}); give the folder simulate wrote.")
    manifest = json.loads(path.read_text(encoding="utf-8"))
    tables = {}
    for file in sorted(folder.iterdir()):
        if file.suffix in (".parquet", ".csv"):
            tables[file.stem] = pd.read_parquet(file) if file.suffix == ".parquet" else pd.read_csv(file)
    return manifest, tables


def evaluate_scenario(
    run: str | Path,
    *,
    fresh: str | Path | None = None,
    reference: pd.DataFrame | None = None,
    thresholds: dict[str, tuple[float, float]] | None = None,
    seed: int = 0,
    progress: Progress | None = None,
) -> Report:
    """The validation report of a scenario run (a folder written by ``datatwin simulate``).

    Parameters
    ----------
    run
        The run's folder.
    fresh
        Another run of the same world (a different seed and prevalence) to score a detector
        trained on ``run``; the detector benchmark is skipped without it.
    reference
        A plain sample of the population's twin (or its real data), for the population's shapes.
    thresholds
        Limits to override, by metric key.
    seed
        Seeds the audit's sampling and classifiers.
    """
    limits = thresholds_with(thresholds)
    manifest, tables = read_run(run)
    events = [t for t in manifest["rows"] if t in tables]
    metrics: list[MetricResult] = [_labels(tables, events, limits)]
    for index, table in enumerate(events):
        metrics += _audit(table, tables[table], limits, seed)
        advance(progress, "Shortcut audit", index + 1, len(events))
    if fresh is None:
        metrics.append(
            skipped("detector_recall", "no fresh run given (--fresh): nothing to score a detector on", limits)
        )
    else:
        fresh_tables = read_run(fresh)[1]
        for table in events:
            metrics += _detector(table, tables[table], fresh_tables[table], limits, seed)
    metrics += _rhythm(manifest, tables, limits)
    population = next((tables[n] for n in ("customers", "users") if n in tables), None)
    if reference is None or population is None:
        metrics.append(skipped("population_shapes", "no twin sample or real data given to compare with", limits))
    else:
        metrics.append(_population(population, reference, limits))
    context = {
        "scenario": manifest["scenario"]["name"],
        "world": manifest["scenario"]["world"],
        "rows": manifest["rows"],
        "labelled": manifest["labelled"],
        "prevalence": manifest["prevalence"],
        "seed": seed,
    }
    return Report(tuple(metrics), context)


def _labels(tables: dict[str, pd.DataFrame], events: list[str], limits: Any) -> MetricResult:
    truth = tables["ground_truth"]
    expected = truth.set_index("instance_id")["events"].astype(int)
    counted = pd.concat([tables[t]["instance_id"].dropna().astype(int) for t in events]).value_counts()
    expected, counted = expected.align(counted, fill_value=0)
    mismatched = int((expected - counted).abs().sum())
    partial = sum(
        int((tables[t][["scenario", "instance_id", "role"]].isna().sum(axis=1) % 3 != 0).sum()) for t in events
    )
    value = mismatched + partial
    summary = (
        f"{int(counted.sum()):,} labelled events, {len(truth):,} instances: every count matches the ground truth"
        if value == 0
        else f"{mismatched:,} events differ from the ground truth's counts; {partial:,} events have partial labels"
    )
    return measured("scenario_labels", value, None, summary, limits, details={"instances": len(truth)})


def _sample(frame: pd.DataFrame, seed: int) -> pd.DataFrame:
    labelled = frame["instance_id"].notna()
    normal = frame.index[~labelled]
    rng = np.random.default_rng(seed)
    keep = rng.choice(normal, size=min(AUDIT_NORMALS, len(normal)), replace=False)
    return frame.loc[np.sort(np.r_[keep, frame.index[labelled]])]


def _audit(table: str, frame: pd.DataFrame, limits: Any, seed: int) -> list[MetricResult]:
    from sklearn.model_selection import StratifiedGroupKFold, cross_val_predict

    labelled = int(frame["instance_id"].notna().sum())
    if labelled < 20:
        return [skipped("shortcut_auc", f"{labelled} labelled events in {table}: too few to audit", limits, table)]
    sample = _sample(frame, seed)
    target = sample["instance_id"].notna().to_numpy()
    folds = StratifiedGroupKFold(FOLDS, shuffle=True, random_state=seed)
    groups = _fold_groups(table, sample)
    results = []
    typologies = sample["scenario"].to_numpy()
    for group, features in feature_groups(table, sample).items():
        # A single column is judged on the events that have it: its presence is the event's kind.
        has = features.notna().all(axis=1).to_numpy()
        if target[has].sum() < 20 or (~target[has]).sum() < 20:
            continue
        truth = target[has]
        scores = cross_val_predict(
            _classifier(seed), features[has], truth, cv=folds, groups=groups[has], method="predict_proba"
        )[:, 1]
        auc = _auc(truth, scores)
        per_typology, instances = _by_typology(truth, scores, typologies[has], sample["instance_id"].to_numpy()[has])
        few = [f"{name} {count}" for name, count in instances.items() if count < FEW_INSTANCES]
        results.append(
            measured(
                "shortcut_auc",
                auc,
                None,
                f"{group} alone tells labelled events from normal ones with AUC {auc:.3f}"
                + ("" if has.all() else f" (on the {int(has.sum()):,} sampled events that have it)")
                + (
                    f"; too few instances to learn a shared trait ({', '.join(few)}; {FEW_INSTANCES} wanted):"
                    " it may under-report, simulate a larger world"
                    if few
                    else ""
                ),
                limits,
                details={"columns": list(features.columns), "per_typology": per_typology, "instances": instances},
                subject=f"{table}: {group}",
            )
        )
    return results


def _by_typology(
    truth: np.ndarray, scores: np.ndarray, typologies: np.ndarray, instance_ids: np.ndarray
) -> tuple[dict[str, float], dict[str, int]]:
    """Each typology's AUC against the normal events, and its number of instances."""
    per_typology, instances = {}, {}
    for name in sorted(set(typologies[truth])):
        mine = typologies == name
        per_typology[name] = round(_auc(truth[~truth | mine], scores[~truth | mine]), 4)
        instances[name] = len(pd.unique(instance_ids[truth & mine]))
    return per_typology, instances


def _fold_groups(table: str, sample: pd.DataFrame) -> np.ndarray:
    """Folds keep each instance (and each normal actor) whole, so the classifier must find a
    trait shared across instances, not remember one instance's account or host."""
    actor = sample[ACTORS[table]].astype(str).to_numpy()
    instance = sample["instance_id"].astype("string").fillna("").to_numpy()
    return pd.factorize(np.where(instance == "", "actor:" + actor, "instance:" + instance))[0]


def _detector(table: str, train: pd.DataFrame, test: pd.DataFrame, limits: Any, seed: int) -> list[MetricResult]:
    if train["instance_id"].notna().sum() < 20 or test["instance_id"].notna().sum() == 0:
        return [skipped("detector_recall", f"too few labelled events in {table} to train or score", limits, table)]
    train_features = detector_features(table, train).loc[_sample(train, seed).index]
    model = _classifier(seed).fit(train_features, train.loc[train_features.index, "instance_id"].notna())
    scores = model.predict_proba(detector_features(table, test))[:, 1]
    labelled = test["instance_id"].notna().to_numpy()
    threshold = np.quantile(scores[~labelled], 1 - FALSE_POSITIVES)
    flagged = scores > threshold
    results = []
    for name in sorted(test["scenario"].dropna().unique()):
        mine = (test["scenario"] == name).to_numpy()
        recall = float(flagged[mine].mean())
        precision = float(flagged[mine].sum() / max(flagged[mine].sum() + flagged[~labelled].sum(), 1))
        results.append(
            measured(
                "detector_recall",
                recall,
                None,
                f"flags {recall:.1%} of {name}'s {int(mine.sum()):,} events in the fresh run "
                f"(precision against normal events {precision:.1%})",
                limits,
                details={"precision": round(precision, 4), "events": int(mine.sum())},
                subject=name,
            )
        )
    return results


def _rhythm(manifest: dict[str, Any], tables: dict[str, pd.DataFrame], limits: Any) -> list[MetricResult]:
    days = manifest["scenario"]["days"]
    results = []
    for table, total in manifest.get("expected_events", {}).items():
        observed = int(tables[table]["instance_id"].isna().sum()) / days
        expected = total / days
        error = abs(observed / max(expected, 1e-9) - 1)
        results.append(
            measured(
                "rhythm",
                error,
                None,
                f"{observed:,.0f} normal events a day against {expected:,.0f} expected from the rules",
                limits,
                subject=table,
            )
        )
    for table, rules in (manifest.get("rules_profile") or {}).items():
        normal = tables[table][tables[table]["instance_id"].isna()]
        seconds = _since_start(normal, manifest)
        distance = 0.5 * float(np.abs(hour_profile(seconds) - np.array(rules["hours"])).sum())
        results.append(
            measured(
                "rhythm",
                distance,
                None,
                f"hour-of-day profile differs from the rules' by total variation {distance:.3f}",
                limits,
                subject=f"{table}: hours",
            )
        )
        size = SIZE.get(table)
        if size and rules["sizes"]:
            gap = float(ks_2samp(normal[size].to_numpy(dtype="float64"), rules["sizes"], method="asymp").statistic)
            results.append(
                measured(
                    "rhythm",
                    gap,
                    None,
                    f"{size} against the rules' by Kolmogorov–Smirnov distance {gap:.3f}",
                    limits,
                    subject=f"{table}: {size}",
                )
            )
    reference = (manifest.get("activity") or {}).get("reference")
    if reference and "transactions" in tables:
        results += _against_activity(manifest, tables, reference, limits)
    return results


def _against_activity(
    manifest: dict[str, Any], tables: dict[str, pd.DataFrame], reference: dict[str, Any], limits: Any
) -> list[MetricResult]:
    """Normal card payments against a plain sample of the activity twin: rate, hours, amounts."""
    events = tables["transactions"]
    cards = events[events["instance_id"].isna() & (events["type"] == "card")]
    seconds = _since_start(cards, manifest)
    agents = manifest["population"]["size"]
    mine = describe(seconds, cards["amount"].to_numpy(), agents=agents, days=manifest["scenario"]["days"])
    rate_error = abs(mine["per_agent_day"] / max(reference["per_agent_day"], 1e-9) - 1)
    hours = 0.5 * float(np.abs(np.array(mine["hours"]) - np.array(reference["hours"])).sum())
    drawn = cards["amount"].to_numpy()
    amounts = (
        float(ks_2samp(drawn, reference["amounts"], method="asymp").statistic)
        if len(drawn) and reference["amounts"]
        else 1.0
    )
    subject = "card payments (activity twin)"
    return [
        measured(
            "rhythm",
            rate_error,
            None,
            f"{mine['per_agent_day']:.3f} card payments a customer-day against {reference['per_agent_day']:.3f} "
            "in a plain sample of the activity twin",
            limits,
            subject=f"{subject}: rate",
        ),
        measured(
            "rhythm",
            hours,
            None,
            f"hour-of-day profile differs by total variation {hours:.3f}",
            limits,
            subject=f"{subject}: hours",
        ),
        measured(
            "rhythm",
            amounts,
            None,
            f"amounts' Kolmogorov–Smirnov distance {amounts:.3f}",
            limits,
            subject=f"{subject}: amounts",
        ),
    ]


def _since_start(events: pd.DataFrame, manifest: dict[str, Any]) -> np.ndarray:
    """Each event's seconds since the run's first midnight."""
    start = pd.Timestamp(manifest["scenario"]["start"])
    return (pd.to_datetime(events["time"]) - start).dt.total_seconds().to_numpy()


def _population(population: pd.DataFrame, reference: pd.DataFrame, limits: Any) -> MetricResult:
    columns = [c for c in reference.columns if c in population.columns]
    schema = infer_schema(reference[columns])
    shapes = [v for v in column_shapes(reference[columns], population[columns], schema).values() if v is not None]
    value = float(np.mean(shapes)) if shapes else float("nan")
    return measured(
        "population_shapes",
        value,
        None,
        f"mean column shape over {len(shapes)} columns shared with the reference",
        limits,
    )


def _classifier(seed: int) -> Any:
    from sklearn.ensemble import HistGradientBoostingClassifier

    return HistGradientBoostingClassifier(max_iter=150, learning_rate=0.1, random_state=seed)


def _auc(target: np.ndarray, scores: np.ndarray) -> float:
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(target, scores)) if 0 < target.sum() < len(target) else 0.5
