"""Child tables as event sequences inside database twins: Sakila's rentals and payments per
customer and Chinook's invoices per customer, real against the database twin.

Per event table: children per parent and parent–child trends through the customer key (from
:func:`datatwin.evaluate_database`), the similarity of inter-event times and the lag-1
autocorrelation of the amounts within each customer (real, synthetic, difference). Run it with
two checkouts' ``src`` on ``PYTHONPATH`` to compare before and after a change:
``PYTHONPATH=src python bench/database_sequences.py [--only sakila chinook] [--max-time 300]
[--name database_sequences]``. Prints a table and writes ``bench/results/<name>.json``.
"""

from __future__ import annotations

import argparse
import multiprocessing
import resource
import time
from pathlib import Path

import numpy as np
import pandas as pd
from _isolated import run_each, write_table

import datatwin
from datatwin.evaluate.result import thresholds_with
from datatwin.evaluate.sequence_data import sequence_set
from datatwin.evaluate.sequence_fidelity import autocorrelations, inter_event_times_metric
from datatwin.schema import SequenceKeys, coerce_table, infer_schema

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "datasets"
EVENTS = {  # case: (table, entity key, order column, amount column or None)
    "sakila": [("rental", "customer_id", "rental_date", None), ("payment", "customer_id", "payment_date", "amount")],
    "chinook": [("Invoice", "CustomerId", "InvoiceDate", "Total")],
}


def measure(case: str, max_time: float, queue: multiprocessing.Queue) -> None:
    real = datatwin.read_database(f"sqlite:///{SHARED / case / f'{case}.sqlite'}")
    started = time.perf_counter()
    twin = datatwin.fit_database(real, seed=0, max_time=max_time)
    fit_s = time.perf_counter() - started
    started = time.perf_counter()
    synthetic = twin.sample(seed=1)
    sample_s = time.perf_counter() - started
    report = datatwin.evaluate_database(real, synthetic)
    rows = []
    for table, entity, order, amount in EVENTS[case]:
        key = next(k for k in real.schema.foreign_keys if k.table == table and k.columns == (entity,))
        found = {m.key: m.value for m in report.metrics if m.subject == key.describe()}
        row = {
            "case": f"{case}.{table}",
            "fit s": round(fit_s, 1),
            "sample s": round(sample_s, 1),
            "children/parent": _rounded(found.get("children_per_parent")),
            "parent-child trends": _rounded(found.get("parent_child_trends")),
        }
        row.update(_sequence_figures(real.tables[table], synthetic.tables[table], entity, order, amount))
        row["peak MB"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
        rows.append(row)
    queue.put(rows)


def _sequence_figures(real, synthetic, entity: str, order: str, amount: str | None) -> dict:
    columns = [entity, order] + ([amount] if amount else [])
    keys = SequenceKeys(entity=entity, order=order, static=())
    schema = infer_schema(pd.concat([real[columns], synthetic[columns]], ignore_index=True))
    sets = [sequence_set(coerce_table(frame[columns], schema), schema, keys) for frame in (real, synthetic)]
    gaps = inter_event_times_metric(sets[0], sets[1], thresholds_with(None))
    figures = {"inter-event times": _rounded(gaps.value)}
    if amount:
        j = sets[0].number_columns.index(amount)
        lag1 = [float(autocorrelations(s, 1)[j, 0]) for s in sets]
        figures |= {"lag-1 real": round(lag1[0], 3), "lag-1 synth": round(lag1[1], 3)}
        figures["|Δ lag-1|"] = round(abs(lag1[1] - lag1[0]), 3)
    return figures


def _rounded(value: float | None) -> float | None:
    return None if value is None or np.isnan(value) else round(float(value), 3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", nargs="+", choices=list(EVENTS), default=list(EVENTS))
    parser.add_argument("--max-time", type=float, default=300.0)
    parser.add_argument("--name", default="database_sequences")
    args = parser.parse_args()
    results = run_each(measure, [(case, args.max_time) for case in args.only])
    write_table([row for rows in results for row in (rows if isinstance(rows, list) else [rows])], args.name)


if __name__ == "__main__":
    main()
