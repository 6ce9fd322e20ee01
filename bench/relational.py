"""Database twins beside SDV's HMASynthesizer: fit and sample time, memory and fidelity on Chinook,
Sakila and a generated 1-million-row, 5-table shop database (the scale target: synthesised within
5 minutes on 2 cores), and on two schemas small enough for HMA (SDV's community HMA refuses more
than 5 tables or a depth above 2): Sakila's films, actors and categories (5 tables, two
many-to-many links) and a 50,000-row shop's orders, lines, payments and products (4 tables).

Run from the repository root in an environment with the bench extra: ``python bench/relational.py
[--only chinook sakila shop sakila-films shop-50k] [--tools datatwin sdv-hma] [--shop-rows 1000000]
[--max-time 120]``. Each case and tool runs in its own process (peak memory per run).
Prints a table and writes ``bench/results/relational.json``.
"""

from __future__ import annotations

import argparse
import contextlib
import multiprocessing
import resource
import sqlite3
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
from _isolated import run_each, write_table

import datatwin
from datatwin.errors import SourceError
from datatwin.evaluate.result import Status
from datatwin.io.database import Database
from datatwin.schema.relational import RelationalSchema

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "datasets"
CASES = ("chinook", "sakila", "shop", "sakila-films", "shop-50k")
TOOLS = ("datatwin", "sdv-hma")
SUBSETS = {
    "sakila-films": ("sakila", {"film", "film_actor", "actor", "film_category", "category"}),
    "shop-50k": ("shop", {"orders", "order_line", "payment", "product"}),
}


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


def real_database(case: str, shop_rows: int, folder: Path) -> Database:
    """The case's real database: a shared one, the generated shop, or a part of either."""
    source, tables = SUBSETS.get(case, (case, None))
    if source == "shop":
        url = shop_database(folder / "shop.db", 50_000 if case == "shop-50k" else shop_rows)
    else:
        url = f"sqlite:///{SHARED / source / f'{source}.sqlite'}"
    full = datatwin.read_database(url)
    if tables is None:
        return full
    schema = RelationalSchema(
        tuple(t for t in full.schema.tables if t.name in tables),
        tuple(k for k in full.schema.foreign_keys if k.table in tables and k.parent in tables),
    )
    return Database(schema, {name: full.tables[name] for name in tables}, case)


def fit_datatwin(real: Database, max_time: float) -> Callable[[], Database]:
    twin = datatwin.fit_database(real, seed=0, max_time=max_time)
    return lambda: twin.sample(seed=1)


def fit_hma(real: Database, max_time: float) -> Callable[[], Database]:
    """SDV's HMASynthesizer on the real keys (single-column ones to a primary key; it models
    neither composite keys, self-references nor cycles)."""
    from sdv.metadata import Metadata
    from sdv.metadata.errors import InvalidMetadataError
    from sdv.multi_table import HMASynthesizer

    metadata = Metadata.detect_from_dataframes(real.tables, infer_keys=None)
    for table in real.schema.tables:
        if len(table.primary_key) == 1:
            metadata.update_column(table.primary_key[0], table_name=table.name, sdtype="id")
            metadata.set_primary_key(table.primary_key[0], table_name=table.name)
    for key in real.schema.foreign_keys:
        single = len(key.columns) == 1 and key.parent_columns == real.schema.table(key.parent).primary_key
        if single and key.parent != key.table:
            metadata.update_column(key.columns[0], table_name=key.table, sdtype="id")
            with contextlib.suppress(InvalidMetadataError):  # the key that closes a cycle
                metadata.add_relationship(key.parent, key.table, key.parent_columns[0], key.columns[0])
    synthesizer = HMASynthesizer(metadata, verbose=False)
    synthesizer.fit(real.tables)

    def sample() -> Database:
        tables = synthesizer.sample_scale(1.0)
        return Database(real.schema, {t.name: tables[t.name][list(t.columns)] for t in real.schema.tables}, "hma")

    return sample


def measure(case: str, tool: str, shop_rows: int, max_time: float, queue: multiprocessing.Queue) -> None:
    row: dict = {"case": case, "tool": tool}
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        real = real_database(case, shop_rows, Path(folder))
        row |= {"tables": len(real.tables), "rows": sum(len(t) for t in real.tables.values())}
        row["read_s"] = round(time.perf_counter() - started, 1)
        started = time.perf_counter()
        try:
            sample = (fit_datatwin if tool == "datatwin" else fit_hma)(real, max_time)
        except Exception as exc:  # a peer that refuses the schema is a result, not a crash
            queue.put(row | {"refused": str(exc).splitlines()[0][:100]})
            return
        row["fit_s"] = round(time.perf_counter() - started, 1)
        started = time.perf_counter()
        synthetic = sample()
        row["sample_s"] = round(time.perf_counter() - started, 1)
        started = time.perf_counter()
        try:  # SQLite enforces primary keys and UNIQUE: a tool whose rows break them is refused
            synthetic.save(f"sqlite:///{Path(folder) / 'synthetic.db'}")
            row["write_sqlite_s"] = round(time.perf_counter() - started, 1)
        except SourceError as exc:
            row["write_sqlite_s"] = "refused: " + str(exc).split(": ", 1)[-1][:80]
    row["peak_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    report = datatwin.evaluate_database(real, synthetic)
    mean = lambda key: round(float(np.mean([m.value for m in report.measured if m.key == key])), 3)  # noqa: E731
    integrity = [m for m in report.measured if m.key == "referential_integrity"]
    row |= {
        "column_shapes": mean("column_shapes"),
        "pair_trends": mean("pair_trends"),
        "children_per_parent": mean("children_per_parent"),
        "parent_child_trends": mean("parent_child_trends"),
        "integrity": round(min(m.value for m in integrity), 4),
        "keys_all_pass": all(m.status is Status.PASS for m in integrity),
    }
    if "order_line" in synthetic.tables:  # lines numbered 1, 2, … inside each order, as in the source
        lines = synthetic.tables["order_line"]
        in_order = lines.groupby("order_id").cumcount() + 1 == lines["line_number"]
        row["lines_in_order"] = round(float(in_order.mean()), 3)
    queue.put(row)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", nargs="+", choices=CASES, default=list(CASES))
    parser.add_argument("--tools", nargs="+", choices=TOOLS, default=list(TOOLS))
    parser.add_argument("--shop-rows", type=int, default=1_000_000, help="rows of the generated shop database")
    parser.add_argument("--max-time", type=float, default=120.0, help="time budget of each whole fit, seconds")
    args = parser.parse_args()
    runs = [(case, tool, args.shop_rows, args.max_time) for case in args.only for tool in args.tools]
    write_table(run_each(measure, runs), "relational")


if __name__ == "__main__":
    main()
