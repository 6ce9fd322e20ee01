"""Database twins: fit and sample time, memory and fidelity on Chinook and Sakila, and a generated
1-million-row, 5-table shop database (the scale target: synthesised within 5 minutes on 2 cores).

Run from the repository root: ``python bench/relational.py [--only chinook sakila shop]
[--shop-rows 1000000] [--max-time 120]``. Each case runs in its own process (peak memory per case).
Prints a table and writes ``bench/results/relational.json``.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import resource
import sqlite3
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

import datatwin
from datatwin.evaluate.result import Status

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "datasets"
CASES = ("chinook", "sakila", "shop")


def shop_database(path: Path, rows: int, seed: int = 0) -> str:
    """A generated shop: customers → orders → order lines (→ products) and payments per order.

    About 5 % customers, 0.2 % products, 20 % orders, 65 % lines and 10 % payments of ``rows``;
    business customers order more and bigger, lines are numbered within their order, a payment
    repeats its order's total, and order dates grow along each customer's orders.
    """
    rng = np.random.default_rng(seed)
    n_customers, n_products = max(rows // 20, 50), max(rows // 500, 20)
    customers = pd.DataFrame(
        {
            "id": np.arange(1, n_customers + 1),
            "segment": rng.choice(["retail", "business", "vip"], n_customers, p=[0.7, 0.25, 0.05]),
            "country": rng.choice(["DE", "FR", "US", "GB", "ES", "IT", "NL", "PL"], n_customers),
            "signup": pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 1400, n_customers), unit="D"),
        }
    )
    products = pd.DataFrame(
        {
            "id": np.arange(1, n_products + 1),
            "category": rng.choice(["books", "music", "games", "garden", "tools", "toys"], n_products),
            "price": np.round(rng.lognormal(3, 0.8, n_products), 2),
        }
    )
    rate = customers["segment"].map({"retail": 3.0, "business": 6.0, "vip": 10.0}).to_numpy()
    per_customer = rng.poisson(rate * (rows * 0.2 / n_customers) / rate.mean())
    orders = pd.DataFrame({"customer_id": np.repeat(customers["id"].to_numpy(), per_customer)})
    orders.insert(0, "id", np.arange(1, len(orders) + 1))
    signup = np.repeat(customers["signup"].to_numpy(), per_customer)
    gaps = rng.exponential(40, len(orders))
    steps = pd.Series(gaps).groupby(orders["customer_id"].to_numpy()).cumsum().to_numpy()
    orders["ordered_at"] = signup + pd.to_timedelta(np.round(steps), unit="D").to_numpy()
    orders["channel"] = rng.choice(["web", "app", "phone"], len(orders), p=[0.6, 0.3, 0.1])
    lines_per_order = 1 + rng.poisson(np.where(orders["channel"] == "phone", 4.0, 2.25))
    lines = pd.DataFrame({"order_id": np.repeat(orders["id"].to_numpy(), lines_per_order)})
    lines.insert(0, "id", np.arange(1, len(lines) + 1))
    lines["line_number"] = lines.groupby("order_id").cumcount() + 1
    lines["product_id"] = rng.integers(1, n_products + 1, len(lines))
    lines["quantity"] = 1 + rng.poisson(0.6, len(lines))
    lines["unit_price"] = products["price"].to_numpy()[lines["product_id"].to_numpy() - 1]
    totals = (lines["quantity"] * lines["unit_price"]).groupby(lines["order_id"]).sum()
    paid = orders.sample(frac=0.5, random_state=seed)
    payments = pd.DataFrame(
        {
            "id": np.arange(1, len(paid) + 1),
            "order_id": paid["id"].to_numpy(),
            "method": rng.choice(["card", "paypal", "invoice"], len(paid), p=[0.6, 0.3, 0.1]),
            "amount": np.round(totals.reindex(paid["id"]).to_numpy(), 2),
        }
    )
    schema = {
        "customer": "id INTEGER PRIMARY KEY, segment TEXT NOT NULL, country TEXT NOT NULL, signup TEXT NOT NULL",
        "product": "id INTEGER PRIMARY KEY, category TEXT NOT NULL, price REAL NOT NULL",
        "orders": "id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL REFERENCES customer(id), "
        "ordered_at TEXT NOT NULL, channel TEXT NOT NULL",
        "order_line": "id INTEGER PRIMARY KEY, order_id INTEGER NOT NULL REFERENCES orders(id), "
        "line_number INTEGER NOT NULL, product_id INTEGER NOT NULL REFERENCES product(id), "
        "quantity INTEGER NOT NULL, unit_price REAL NOT NULL",
        "payment": "id INTEGER PRIMARY KEY, order_id INTEGER NOT NULL REFERENCES orders(id), "
        "method TEXT NOT NULL, amount REAL NOT NULL",
    }
    frames = {"customer": customers, "product": products, "orders": orders, "order_line": lines, "payment": payments}
    with sqlite3.connect(path) as connection:
        for name, columns in schema.items():
            connection.execute(f"CREATE TABLE {name} ({columns})")
            frame = frames[name].copy()
            for column in frame.select_dtypes("datetime").columns:
                frame[column] = frame[column].dt.strftime("%Y-%m-%d")
            marks = ", ".join("?" * frame.shape[1])
            connection.executemany(f"INSERT INTO {name} VALUES ({marks})", frame.itertuples(index=False))
    return f"sqlite:///{path}"


def measure(case: str, shop_rows: int, max_time: float, queue: multiprocessing.Queue) -> None:
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        if case == "shop":
            source = shop_database(Path(folder) / "shop.db", shop_rows)
        else:
            source = f"sqlite:///{SHARED / case / f'{case}.sqlite'}"
        real = datatwin.read_database(source)
        prepare_s = time.perf_counter() - started
        started = time.perf_counter()
        twin = datatwin.fit_database(real, seed=0, max_time=max_time)
        fit_s = time.perf_counter() - started
        started = time.perf_counter()
        synthetic = twin.sample(seed=1)
        sample_s = time.perf_counter() - started
        started = time.perf_counter()
        synthetic.save(f"sqlite:///{Path(folder) / 'synthetic.db'}")
        write_s = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    report = datatwin.evaluate_database(real, synthetic)
    mean = lambda key: float(np.mean([m.value for m in report.measured if m.key == key]))  # noqa: E731
    integrity = [m for m in report.measured if m.key == "referential_integrity"]
    extra = {}
    if case == "shop":  # lines numbered 1, 2, … inside each order, as in the source
        lines = synthetic.tables["order_line"]
        extra["lines_in_order"] = round(
            float((lines.groupby("order_id").cumcount() + 1 == lines["line_number"]).mean()), 3
        )
    queue.put(
        {
            "case": case,
            "tables": len(real.tables),
            "rows": sum(len(t) for t in real.tables.values()),
            "read_s": round(prepare_s, 1),
            "fit_s": round(fit_s, 1),
            "sample_s": round(sample_s, 1),
            "write_sqlite_s": round(write_s, 1),
            "peak_mb": round(peak_mb),
            "column_shapes": round(mean("column_shapes"), 3),
            "pair_trends": round(mean("pair_trends"), 3),
            "children_per_parent": round(mean("children_per_parent"), 3),
            "parent_child_trends": round(mean("parent_child_trends"), 3),
            "integrity": round(min(m.value for m in integrity), 4),
            "keys_all_pass": all(m.status is Status.PASS for m in integrity),
            **extra,
        }
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", nargs="+", choices=CASES, default=list(CASES))
    parser.add_argument("--shop-rows", type=int, default=1_000_000, help="rows of the generated shop database")
    parser.add_argument("--max-time", type=float, default=120.0, help="time budget of each whole fit, seconds")
    args = parser.parse_args()
    results = []
    for case in args.only:
        queue: multiprocessing.Queue = multiprocessing.Queue()
        process = multiprocessing.Process(target=measure, args=(case, args.shop_rows, args.max_time, queue))
        process.start()
        results.append(queue.get())
        process.join()
        print(json.dumps(results[-1]), flush=True)
    header = list(dict.fromkeys(h for row in results for h in row))
    print(" | ".join(header))
    for row in results:
        print(" | ".join(str(row.get(h, "")) for h in header))
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    (out / "relational.json").write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
