"""Child tables whose rows are events of their parent (orders of a customer, by date) drawn by
the sequence model: rhythm, history and parent–child patterns kept, through save and load."""

from __future__ import annotations

import sqlite3

import numpy as np
import pandas as pd
import pytest

import datatwin
from datatwin.io.database import read_database


def _shop_database(path) -> str:
    """250 customers ordering every ~6 days (business) or ~30 days (retail), amounts that wander
    from order to order around the customer's own level (business ones larger), 1–3 items per
    order, and a ``last_update`` stamped on every order at once (no order to learn from)."""
    rng = np.random.default_rng(3)
    n = 250
    customers = pd.DataFrame({"id": np.arange(1, n + 1), "segment": rng.choice(["retail", "business"], n)})
    business = customers["segment"].eq("business").to_numpy()
    counts = np.where(business, rng.integers(8, 14, n), rng.integers(2, 6, n))
    rows = []
    for customer, k, big in zip(customers["id"], counts, business, strict=True):
        gaps = rng.gamma(4, (6 if big else 30) / 4, k) * 86_400
        times = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.uniform(0, 20) * 86_400 + np.cumsum(gaps), unit="s")
        level = np.log(300 if big else 40) + rng.normal(0, 0.3)
        walk = np.zeros(k)
        for step in range(1, k):
            walk[step] = 0.8 * walk[step - 1] + rng.normal(0, 0.25)
        amounts = np.round(np.exp(level + walk), 2)
        rows += [(customer, t.strftime("%Y-%m-%d %H:%M:%S"), a) for t, a in zip(times, amounts, strict=True)]
    orders = pd.DataFrame(rows, columns=["customer_id", "ordered_at", "amount"])
    orders.insert(0, "id", np.arange(1, len(orders) + 1))
    items = pd.DataFrame({"order_id": np.repeat(orders["id"], rng.integers(1, 4, len(orders)))})
    items["quantity"] = rng.integers(1, 5, len(items))
    items.insert(0, "id", np.arange(1, len(items) + 1))
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE customer (id INTEGER PRIMARY KEY, segment TEXT NOT NULL)")
        connection.execute(
            "CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL REFERENCES customer(id), "
            "ordered_at TIMESTAMP NOT NULL, amount REAL NOT NULL, last_update TIMESTAMP NOT NULL)"
        )
        connection.execute(
            "CREATE TABLE item (id INTEGER PRIMARY KEY, order_id INTEGER NOT NULL REFERENCES orders(id), "
            "quantity INTEGER NOT NULL)"
        )
        connection.executemany("INSERT INTO customer VALUES (?, ?)", customers.itertuples(index=False))
        stamped = orders.assign(last_update="2024-12-31 23:59:00")
        connection.executemany("INSERT INTO orders VALUES (?, ?, ?, ?, ?)", stamped.itertuples(index=False))
        connection.executemany("INSERT INTO item VALUES (?, ?, ?)", items.itertuples(index=False))
    return f"sqlite:///{path}"


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    url = _shop_database(tmp_path_factory.mktemp("shop") / "shop.db")
    return read_database(url), datatwin.fit_database(url, seed=0, max_time=40)


def _by_customer(orders: pd.DataFrame) -> pd.DataFrame:
    orders = orders.assign(ordered_at=pd.to_datetime(orders["ordered_at"]))
    return orders.sort_values(["customer_id", "ordered_at"], kind="stable")


def _median_gap_days(orders: pd.DataFrame, customers: pd.DataFrame, segment: str) -> float:
    ordered = _by_customer(orders)
    gaps = ordered.groupby("customer_id")["ordered_at"].diff().dt.total_seconds() / 86_400
    who = ordered["customer_id"].map(customers.set_index("id")["segment"])
    return float(gaps[who == segment].median())


def _lag1(orders: pd.DataFrame) -> float:
    """Lag-1 correlation of log amounts within customers, each customer's mean removed."""
    ordered = _by_customer(orders)
    x = np.log(ordered["amount"].astype(float))
    x = x - x.groupby(ordered["customer_id"]).transform("mean")
    following = x.groupby(ordered["customer_id"]).shift(-1)
    pairs = pd.DataFrame({"a": x, "b": following}).dropna()
    return float(np.corrcoef(pairs["a"], pairs["b"])[0, 1])


def test_orders_are_drawn_as_each_customers_history(shop):
    real, twin = shop
    assert twin.tables["orders"].events is not None  # ordered by ordered_at, not by last_update
    assert twin.tables["orders"].events.keys.order == "ordered_at"
    assert twin.tables["orders"].sequence_length == 0
    synthetic = twin.sample(seed=1)
    orders, customers = synthetic.tables["orders"], synthetic.tables["customer"]
    assert len(orders) == len(real.tables["orders"])
    times = pd.to_datetime(orders["ordered_at"])
    assert (times.groupby(orders["customer_id"]).diff().dropna() >= pd.Timedelta(0)).all()  # in time order
    business = _median_gap_days(orders, customers, "business")
    retail = _median_gap_days(orders, customers, "retail")
    assert retail > 2.5 * business  # each segment's rhythm (real: about 5 vs 27 days)
    per_customer = orders.groupby("customer_id").size().reindex(customers["id"], fill_value=0)
    segment = customers.set_index("id")["segment"]
    assert per_customer[segment == "business"].mean() > per_customer[segment == "retail"].mean() + 4
    spend = orders.groupby("customer_id")["amount"].median().reindex(customers["id"]).dropna()
    assert spend[segment == "business"].median() > 3 * spend[segment == "retail"].median()
    assert _lag1(orders) > 0.5 * _lag1(real.tables["orders"])  # amounts wander as they do
    assert synthetic.tables["item"]["order_id"].isin(orders["id"]).all()


def test_database_report_measures_the_events_of_each_customer(shop):
    real, twin = shop
    report = datatwin.evaluate_database(real, twin.sample(seed=2))
    key = "orders(customer_id) → customer(id)"
    assert report.metric("inter_event_times", key).value > 0.8
    assert report.metric("autocorrelation", f"{key}: amount").value < 0.3
    assert not any(m.subject.startswith("item(order_id)") and m.key == "inter_event_times" for m in report.metrics)


def test_saved_database_twin_draws_the_same_events(shop, tmp_path):
    _, twin = shop
    twin.save(tmp_path / "shop.twin")
    again = datatwin.load_database(tmp_path / "shop.twin")
    first, second = twin.sample(seed=5), again.sample(seed=5)
    for name in ("customer", "orders", "item"):
        pd.testing.assert_frame_equal(first.tables[name], second.tables[name])
