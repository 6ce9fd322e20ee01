"""Re-identification attacks on a synthetic table: singling out, linkability, attribute inference.

These follow the framework of Giomi et al., "A Unified Framework for Quantifying Privacy Risk
in Synthetic Data" (PETS 2023), which the ``anonymeter`` library implements (we do not depend
on it: it pins numpy < 1.27). An attacker who holds only the synthetic table attacks the
training rows and, identically, control rows the generator never saw (the holdout). Whatever
succeeds on the control rows is what the population's patterns give away anyway; the risk is the
excess on the training rows::

    risk = (success on train − success on control) / (1 − success on control)   (clipped to [0, 1])

Train rows are cut to the control's size, so both attacks face the same odds.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
from sklearn.neighbors import NearestNeighbors

from datatwin.schema import Schema
from datatwin.schema.features import NUMERIC_KINDS, as_float, distance_matrix

_PREDICATE_COLUMNS = 3
_CANDIDATES_PER_ATTACK = 10
_CHUNK = 100
_NUMERIC_TOLERANCE = 0.05
ATTACKER_ROWS = 5_000
"""Synthetic rows the attacker holds (all of them when there are fewer): the same number for
every sample size, so that a risk measured on 5,000 or 50,000 synthetic rows means the same."""


@dataclass(frozen=True)
class AttackResult:
    """How an attack fared on training rows and on control rows, and the risk that follows."""

    risk: float
    train_success: float
    control_success: float
    n_attacks: int
    risk_interval: tuple[float, float]
    synthetic_rows: int

    def to_dict(self) -> dict:
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in asdict(self).items()}


def singling_out(
    train: pd.DataFrame,
    control: pd.DataFrame,
    synthetic: pd.DataFrame,
    schema: Schema,
    columns: list[str],
    *,
    n_attacks: int = 500,
    seed: int = 0,
) -> AttackResult:
    """Predicates that isolate one synthetic row tried on the training rows: success when a
    predicate matches exactly one row. Half the predicates test one column (a value only one
    synthetic row has), half three (``a == x and b >= y and c <= z``)."""
    rng = np.random.default_rng(seed)
    train, control, synthetic = _equal_samples(train, control, synthetic, rng)
    values = {
        name: _comparable(frame, schema, columns)
        for name, frame in (("train", train), ("control", control), ("synthetic", synthetic))
    }
    predicates = _single_column_predicates(values["synthetic"], columns, n_attacks // 2, rng)
    predicates += _isolating_predicates(values["synthetic"], schema, columns, n_attacks - len(predicates), rng)
    if not predicates:
        return _result(0, 0, 0, len(synthetic))
    hits = {side: sum(_matches(values[side], p).sum() == 1 for p in predicates) for side in ("train", "control")}
    return _result(hits["train"], hits["control"], len(predicates), len(synthetic))


def linkability(
    train: pd.DataFrame,
    control: pd.DataFrame,
    synthetic: pd.DataFrame,
    schema: Schema,
    columns: list[str],
    *,
    n_attacks: int = 5_000,
    seed: int = 0,
) -> AttackResult:
    """Two halves of a person's columns, held in different places, linked through the synthetic
    table: success when both halves find the same nearest synthetic row."""
    rng = np.random.default_rng(seed)
    train, control, synthetic = _equal_samples(train, control, synthetic, rng, n_attacks)
    shuffled = list(rng.permutation(columns))
    halves = shuffled[: len(shuffled) // 2], shuffled[len(shuffled) // 2 :]
    nearest: dict[str, list[np.ndarray]] = {"train": [], "control": []}
    for half in halves:
        x_synth, x_train, x_control = distance_matrix([synthetic, train, control], schema, half)
        index = NearestNeighbors(n_neighbors=1).fit(x_synth)
        nearest["train"].append(index.kneighbors(x_train)[1][:, 0])
        nearest["control"].append(index.kneighbors(x_control)[1][:, 0])
    hits = {side: int((a == b).sum()) for side, (a, b) in nearest.items()}
    return _result(hits["train"], hits["control"], len(train), len(synthetic))


def attribute_inference(
    train: pd.DataFrame,
    control: pd.DataFrame,
    synthetic: pd.DataFrame,
    schema: Schema,
    columns: list[str],
    secret: str,
    *,
    n_attacks: int = 5_000,
    seed: int = 0,
) -> AttackResult:
    """Guessing a ``secret`` column from all the others: the guess is the secret of the nearest
    synthetic row; right when equal (labels) or within 5% (numbers)."""
    rng = np.random.default_rng(seed)
    train, control, synthetic = _equal_samples(train, control, synthetic, rng, n_attacks)
    known = [c for c in columns if c != secret]
    x_synth, x_train, x_control = distance_matrix([synthetic, train, control], schema, known)
    index = NearestNeighbors(n_neighbors=1).fit(x_synth)
    hits = {}
    for side, frame, x in (("train", train, x_train), ("control", control, x_control)):
        guesses = synthetic[secret].iloc[index.kneighbors(x)[1][:, 0]].reset_index(drop=True)
        hits[side] = int(_correct(frame[secret].reset_index(drop=True), guesses, schema[secret].kind in NUMERIC_KINDS))
    return _result(hits["train"], hits["control"], len(train), len(synthetic))


def _equal_samples(
    train: pd.DataFrame, control: pd.DataFrame, synthetic: pd.DataFrame, rng: np.random.Generator, cap: int = 10**9
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Equally many train and control rows to attack; the attacker keeps the synthetic rows (up to a cap)."""
    n = min(len(train), len(control), cap)
    pick = lambda frame, k: frame.iloc[rng.choice(len(frame), k, replace=False)].reset_index(drop=True)  # noqa: E731
    return pick(train, n), pick(control, n), pick(synthetic, min(len(synthetic), ATTACKER_ROWS))


def _comparable(frame: pd.DataFrame, schema: Schema, columns: list[str]) -> dict[str, np.ndarray]:
    """Numbers as floats, labels as text ('' for missing), for predicate tests."""
    out = {}
    for name in columns:
        if schema[name].kind in NUMERIC_KINDS:
            out[name] = as_float(frame[name])
        else:
            out[name] = frame[name].astype(str).where(frame[name].notna(), "").to_numpy()
    return out


def _single_column_predicates(
    synthetic: dict[str, np.ndarray], columns: list[str], n_attacks: int, rng: np.random.Generator
) -> list[list[tuple[str, str, object]]]:
    """Up to ``n_attacks`` predicates ``column == value`` for values exactly one synthetic row has."""
    candidates = []
    for name in columns:
        values, counts = np.unique(synthetic[name].astype(str), return_counts=True)
        unique = set(values[counts == 1])
        candidates += [[(name, "==", v)] for v in synthetic[name] if str(v) in unique and v == v]
    if len(candidates) > n_attacks:
        candidates = [candidates[i] for i in rng.choice(len(candidates), n_attacks, replace=False)]
    return candidates


def _isolating_predicates(
    synthetic: dict[str, np.ndarray], schema: Schema, columns: list[str], n_attacks: int, rng: np.random.Generator
) -> list[list[tuple[str, str, object]]]:
    """Up to ``n_attacks`` predicates, each true for exactly one synthetic row."""
    n_rows = len(next(iter(synthetic.values())))
    width = min(_PREDICATE_COLUMNS, len(columns))
    medians = {c: np.nanmedian(synthetic[c]) for c in columns if schema[c].kind in NUMERIC_KINDS}
    kept: list[list[tuple[str, str, object]]] = []
    for _ in range(n_attacks * _CANDIDATES_PER_ATTACK // _CHUNK):
        for row in rng.integers(n_rows, size=_CHUNK):
            predicate = []
            for name in rng.choice(columns, size=width, replace=False):
                value = synthetic[name][row]
                if name not in medians:
                    predicate.append((name, "==", value))
                elif not math.isnan(value):
                    predicate.append((name, ">=" if value >= medians[name] else "<=", value))
            if predicate and _matches(synthetic, predicate).sum() == 1:
                kept.append(predicate)
                if len(kept) == n_attacks:
                    return kept
    return kept


def _matches(values: dict[str, np.ndarray], predicate: list[tuple[str, str, object]]) -> np.ndarray:
    mask = np.ones(len(next(iter(values.values()))), dtype=bool)
    for name, op, value in predicate:
        column = values[name]
        mask &= column == value if op == "==" else (column >= value if op == ">=" else column <= value)
    return mask


def _correct(truth: pd.Series, guesses: pd.Series, numeric: bool) -> int:
    both_missing = truth.isna() & guesses.isna()
    if numeric:
        t, g = as_float(truth), as_float(guesses)
        close = np.abs(t - g) <= _NUMERIC_TOLERANCE * np.abs(t)
        return int((close | both_missing.to_numpy()).sum())
    same = truth.astype(str) == guesses.astype(str)
    return int((same & truth.notna() & guesses.notna() | both_missing).sum())


def _result(train_hits: int, control_hits: int, n: int, synthetic_rows: int) -> AttackResult:
    if n == 0:
        return AttackResult(0.0, 0.0, 0.0, 0, (0.0, 0.0), synthetic_rows)
    train_rate, train_ci = _wilson(train_hits, n)
    control_rate, control_ci = _wilson(control_hits, n)
    return AttackResult(
        risk=_risk(train_rate, control_rate),
        train_success=train_rate,
        control_success=control_rate,
        n_attacks=n,
        risk_interval=(_risk(train_ci[0], control_ci[1]), _risk(train_ci[1], control_ci[0])),
        synthetic_rows=synthetic_rows,
    )


def _risk(train_rate: float, control_rate: float) -> float:
    if control_rate >= 1:
        return 0.0
    return float(np.clip((train_rate - control_rate) / (1 - control_rate), 0.0, 1.0))


def _wilson(hits: int, n: int, z: float = 1.96) -> tuple[float, tuple[float, float]]:
    """The success rate and its 95% Wilson score interval."""
    rate = hits / n
    centre = (rate + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(rate * (1 - rate) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return rate, (max(0.0, centre - half), min(1.0, centre + half))
