"""Rules across columns: rows that break them, and what holding them costs, beside SDV.

Cases (each tool in a process of its own):
- *stocks*: daily prices with ``Low <= Open <= High`` and ``Low <= Close <= High`` declared —
  14 of the 18,114 real rows break the first (source errors);
- *bookings*: a generated hotel table (``tests/constraints/bookings.py``, 20,000 rows) with the
  rules datatwin finds in it: dates in order, ``total = nights * rate``, city–state–country
  combinations, no cancellation date unless cancelled;
- *credit_default*: no rule holds in every row; ``BILL_AMT1 <= LIMIT_BAL`` declared (7 % of the
  real rows break it: holding it changes the data);
- *adult*, *magic_gamma*: the rules datatwin finds and holds by default (Adult's
  ``education``–``education-num`` combination; MAGIC's ``fWidth < fLength``, ``fConc1 < fConc``),
  to show what holding them by default costs.

Tools: datatwin (``argn``, 120 s budget) with its rules and without any; SDV's Gaussian copula
with the same rules as SDV constraints, and without. Per row: the share of drawn rows breaking
each rule (checked with datatwin's rule objects on every tool's rows), column shapes, pair
trends and the two-sample AUC against held-out real rows (``datatwin.evaluate``), fit and
sample seconds, and the share of sampling time spent drawing rows again (the redraws, not the
checks of every row).

Run from the repository root with the bench extra: ``python bench/rules.py [--only stocks ...]``.
Prints a table and writes ``bench/results/rules.json``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from _isolated import run_each, write_table

import datatwin
from datatwin.constraints import Combination, Conditional, Formula, Order
from datatwin.schema import Schema, coerce_table

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "datasets"
ROWS = 20_000
BUDGET = 120.0
CASES = ("stocks", "bookings", "credit_default", "adult", "magic_gamma")
TOOLS = ("datatwin", "datatwin, no rules", "SDV copula + constraints", "SDV copula")


def _data(case: str) -> tuple[pd.DataFrame, list]:
    if case == "stocks":
        data = pd.read_csv(SHARED / "stocks_daily" / "stocks_daily.csv.gz")
        return data, [Order(["Low", "Open", "High"]), Order(["Low", "Close", "High"])]
    if case == "credit_default":
        data = pd.read_csv(SHARED / "credit_default" / "credit_default.csv.gz").drop(columns=["ID"])
        return data, [Order(["BILL_AMT1", "LIMIT_BAL"])]
    if case in ("adult", "magic_gamma"):
        data = pd.read_csv(SHARED / case / f"{case}.csv.gz")
        return data, datatwin.find_rules(data)
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "constraints"))
    from bookings import bookings

    data = bookings(ROWS, seed=0)
    return data, datatwin.find_rules(data)


def measure(case: str, tool: str, queue) -> None:
    data, rules = _data(case)
    train = data.sample(frac=0.8, random_state=0)
    holdout = data.drop(train.index).reset_index(drop=True)
    train = train.reset_index(drop=True)
    schema = datatwin.infer_schema(train)
    redrawing = _time_redraws()
    if tool.startswith("datatwin"):
        started = time.perf_counter()
        given = rules if tool == "datatwin" else ()
        twin = datatwin.fit(train, seed=0, max_time=BUDGET, rules=given, find_rules=False)
        fit_s = time.perf_counter() - started
        started = time.perf_counter()
        rows = twin.sample(len(train), seed=1)
        sample_s = time.perf_counter() - started
    else:
        rows, fit_s, sample_s, failure = _sdv(train, rules if "constraints" in tool else [])
        if rows is None:
            queue.put({"case": case, "tool": tool, "error": failure, "fit s": round(fit_s, 1)})
            return
    loose = Schema(tuple(spec.without_bounds() for spec in schema.columns))
    working, seen = coerce_table(rows[train.columns], loose), coerce_table(train, loose)
    broken = {str(rule): round(float(_breaks(rule, working, seen).mean()), 5) for rule in rules}
    report = datatwin.evaluate(train, rows[train.columns], holdout, schema=schema, seed=0)
    queue.put(
        {
            "case": case,
            "tool": tool,
            "rows breaking a rule": broken,
            "column shapes": round(report.metric("column_shapes").value, 4),
            "pair trends": round(report.metric("pair_trends").value, 4),
            "two-sample AUC": round(report.metric("detection").value, 4),
            "fit s": round(fit_s, 1),
            "sample s": round(sample_s, 1),
            "redraw share of sampling": round(redrawing[0] / max(sample_s, 1e-9), 4),
        }
    )


def _breaks(rule, rows: pd.DataFrame, train: pd.DataFrame) -> np.ndarray:  # type: ignore[no-untyped-def]
    """Rows breaking a rule; a combination's against those the training rows hold (both in
    working form, so a whole number reads the same on both sides)."""
    if not isinstance(rule, Combination):
        return rule.broken(rows)
    columns = list(rule.columns())
    seen = set(train[columns].astype(str).itertuples(index=False, name=None))
    return np.array([row not in seen for row in rows[columns].astype(str).itertuples(index=False, name=None)])


def _time_redraws() -> list[float]:
    """Wrap datatwin's sampling to add up the seconds spent drawing rows again (the first item
    of the list returned): the draws made inside the redraw step, not its checks."""
    from datatwin.pipeline import sample

    spent, inside = [0.0], [False]
    redraw, draw = sample.redraw_unmet, sample._draw

    def redrawing(*args, **kwargs):  # type: ignore[no-untyped-def]
        inside[0] = True
        try:
            return redraw(*args, **kwargs)
        finally:
            inside[0] = False

    def drawing(*args, **kwargs):  # type: ignore[no-untyped-def]
        began = time.perf_counter()
        try:
            return draw(*args, **kwargs)
        finally:
            if inside[0]:
                spent[0] += time.perf_counter() - began

    sample.redraw_unmet, sample._draw = redrawing, drawing
    return spent


def _sdv(train: pd.DataFrame, rules: list) -> tuple[pd.DataFrame | None, float, float, str]:
    """SDV's Gaussian copula with the rules as SDV constraints: its rows, fit and sample
    seconds, or the error it raised."""
    from sdv.metadata import Metadata
    from sdv.single_table import GaussianCopulaSynthesizer

    started = time.perf_counter()
    try:
        metadata = Metadata.detect_from_dataframes({"data": train})
        for rule in rules:  # what a user would correct: SDV takes a city for personal data
            if isinstance(rule, Combination):
                for column in rule.columns():
                    metadata.update_column(column_name=column, sdtype="categorical", table_name="data")
        synthesizer = GaussianCopulaSynthesizer(metadata)
        constraints = [c for rule in rules for c in _sdv_constraints(rule, train)]
        if constraints:
            synthesizer.add_constraints(constraints)
        synthesizer.fit({"data": train})  # SDV 2 speaks in table dicts
        fit_s = time.perf_counter() - started
        started = time.perf_counter()
        rows = synthesizer.sample(len(train))
        rows = rows["data"] if isinstance(rows, dict) else rows
    except Exception as exc:  # the peer's own failure is the measurement
        return None, time.perf_counter() - started, 0.0, f"{type(exc).__name__}: {str(exc)[:160]}"
    return rows, fit_s, time.perf_counter() - started, ""


def _sdv_constraints(rule, train: pd.DataFrame) -> list:  # type: ignore[no-untyped-def]
    from sdv import cag

    if isinstance(rule, Order):
        return [
            cag.Inequality(low_column_name=a, high_column_name=b, strict_boundaries=rule.strict)
            for a, b in rule.pairs()
        ]
    if isinstance(rule, Combination):
        return [cag.FixedCombinations(column_names=list(rule.columns()))]
    if isinstance(rule, Formula | Conditional):
        return []  # SDV has no formula or conditional constraint: they are checked all the same
    raise ValueError(f"no SDV constraint for {rule}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", nargs="*", default=list(CASES))
    parser.add_argument("--tools", nargs="*", default=list(TOOLS))
    args = parser.parse_args()
    results = run_each(measure, [(case, tool) for case in args.only for tool in args.tools])
    write_table(results, "rules")


if __name__ == "__main__":
    main()
