"""Rules held inside database and sequence twins: tables' own rules, children drawn as events, and
the rules between the events of a sequence."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

import datatwin
from datatwin.cli.main import app
from datatwin.constraints import InTable, Order, Unique
from datatwin.errors import ConfigError, ConstraintError
from tests.conftest import shared_path

NORTHWIND_FOUND = [
    "Orders: OrderDate < RequiredDate",
    "Orders: OrderDate < ShippedDate",
    "Orders: (ShipCity, ShipRegion, ShipCountry) as seen together",
    "Orders: if ShipCountry == 'Germany' then ShipRegion == None",
    "Orders: if ShipCountry == 'France' then ShipRegion == None",
]


def test_a_tables_own_rules_are_found_and_held_inside_a_database_twin(tmp_path):
    northwind = f"sqlite:///{shared_path('northwind/northwind.sqlite')}"
    twin = datatwin.fit_database(northwind, seed=0, max_time=8)
    assert [str(r) for r in twin.rules] == NORTHWIND_FOUND  # Orders are drawn as each customer's events
    assert twin.rules[0].support == 830
    twin.save(tmp_path / "northwind.twin")
    for drawn in (twin.sample(seed=1), datatwin.load_database(tmp_path / "northwind.twin").sample(seed=1)):
        orders = drawn.tables["Orders"]
        day = pd.to_datetime
        assert (day(orders["OrderDate"]) < day(orders["RequiredDate"])).all()
        shipped = orders["ShippedDate"].notna()
        assert (day(orders.loc[shipped, "OrderDate"]) < day(orders.loc[shipped, "ShippedDate"])).all()
        real = datatwin.io.database.read_database(northwind).tables["Orders"]
        seen = set(real[["ShipCity", "ShipRegion", "ShipCountry"]].astype(str).itertuples(index=False, name=None))
        assert (
            set(orders[["ShipCity", "ShipRegion", "ShipCountry"]].astype(str).itertuples(index=False, name=None))
            <= seen
        )
    assert datatwin.evaluate_database(northwind, drawn).metric("database_rules").value == 0.0
    assert datatwin.fit_database(northwind, seed=0, max_time=4, find_rules=False).rules == []


def test_rules_in_a_relational_schema_name_their_table_and_deleting_one_drops_it(tmp_path):
    sakila = f"sqlite:///{shared_path('sakila/sakila.sqlite')}"
    runner = CliRunner()
    result = runner.invoke(app, ["schema", sakila, "-o", str(tmp_path / "schema.json")])
    assert result.exit_code == 0, result.output
    assert "rule: rental: rental_date < return_date  (held in 15,861 rows)" in result.output
    document = json.loads((tmp_path / "schema.json").read_text())
    assert {"type": "order", "table": "rental", "columns": ["rental_date", "return_date"], "strict": True} in [
        {k: v for k, v in r.items() if k != "support"} for r in document["rules"]
    ]
    document["rules"] = [
        {"type": "formula", "table": "film", "column": "rental_rate", "expression": "rental_duration * 0 + 2.99"}
    ]
    edited = tmp_path / "edited.json"
    edited.write_text(json.dumps(document))
    twin = datatwin.fit_database(sakila, schema=edited, seed=0, max_time=10)
    assert [str(r) for r in twin.rules] == ["film: rental_rate = rental_duration * 0 + 2.99"]  # nothing else found
    assert (twin.sample(seed=0).tables["film"]["rental_rate"] == 2.99).all()


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        (InTable("films", Order(("a", "b"))), "names unknown table 'films'"),
        (InTable("film", Order(("length", "lenght"))), "names unknown column(s) ['lenght']"),
        (InTable("film", Order(("film_id", "length"))), "names key column(s) ['film_id']"),
        (Order(("length", "rental_duration")), 'needs its "table" (in Python: InTable(table, rule))'),
        (
            {"type": "order", "columns": ["length", "rental_duration"]},
            'a table\'s rule in a database needs its "table"',
        ),
    ],
)
def test_a_bad_rule_in_a_database_gets_one_clear_line(rule, message):
    sakila = f"sqlite:///{shared_path('sakila/sakila.sqlite')}"
    with pytest.raises(ConstraintError, match=re.escape(message)):
        datatwin.fit_database(sakila, max_time=1, rules=[rule])


def _shop(tmp_path) -> str:
    """Customers who sign up, then place orders (several each, drawn as their events)."""
    rng = np.random.default_rng(0)
    customers = 150
    signup = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 300, customers), unit="D")
    counts = rng.integers(2, 9, customers)
    owner = np.repeat(np.arange(customers), counts)
    placed = signup[owner] + pd.to_timedelta(rng.gamma(1.5, 20, len(owner)) * 24 * 3600 + 60, unit="s")
    quantity = rng.integers(1, 6, len(owner))
    price = rng.choice([4.99, 9.99, 19.99], len(owner))
    url = f"sqlite:///{tmp_path / 'shop.db'}"
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE customer (id INTEGER PRIMARY KEY, signup_at TIMESTAMP, tier TEXT)")
        connection.exec_driver_sql(
            "CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER REFERENCES customer (id), "
            "placed_at TIMESTAMP, quantity INTEGER, price REAL, total REAL)"
        )
    pd.DataFrame(
        {"id": np.arange(1, customers + 1), "signup_at": signup, "tier": rng.choice(["a", "b"], customers)}
    ).to_sql("customer", engine, if_exists="append", index=False)
    pd.DataFrame(
        {
            "id": np.arange(1, len(owner) + 1),
            "customer_id": owner + 1,
            "placed_at": placed.round("s"),
            "quantity": quantity,
            "price": price,
            "total": np.round(quantity * price, 2),
        }
    ).to_sql("orders", engine, if_exists="append", index=False)
    engine.dispose()
    return url


def test_children_drawn_as_events_start_after_their_parent_and_keep_their_formula(tmp_path):
    url = _shop(tmp_path)
    twin = datatwin.fit_database(url, seed=0, max_time=10)
    assert [str(r) for r in twin.rules] == [
        "orders.placed_at > its parent's signup_at",
        "orders: total = quantity * price",
    ]
    assert twin.fitted.tables["orders"].events is not None  # a customer's orders: events in time
    for seed in (1, 2):
        drawn = twin.sample(seed=seed).tables
        joined = drawn["orders"].merge(drawn["customer"], left_on="customer_id", right_on="id")
        assert len(joined) == len(drawn["orders"]) > 0
        assert (pd.to_datetime(joined["placed_at"]) > pd.to_datetime(joined["signup_at"])).all()
        assert np.allclose(joined["total"], (joined["quantity"] * joined["price"]).round(2), atol=0.0051)
    assert datatwin.evaluate_database(url, twin.sample(seed=3)).metric("database_rules").value == 0.0


FOUND_IN_PRICES = ["open <= high", "low <= open", "low <= close", "close <= high"]


def _prices() -> pd.DataFrame:
    """Daily prices of 30 tickers: low <= open, close <= high."""
    rng = np.random.default_rng(1)
    frames = []
    for ticker in range(30):
        close = 50 * np.exp(np.cumsum(rng.normal(0, 0.02, 80)))
        open_ = close * np.exp(rng.normal(0, 0.01, 80))
        high = np.maximum(open_, close) * np.exp(np.abs(rng.normal(0, 0.01, 80)))
        low = np.minimum(open_, close) * np.exp(-np.abs(rng.normal(0, 0.01, 80)))
        frames.append(
            pd.DataFrame(
                {
                    "ticker": f"T{ticker:02d}",
                    "day": pd.bdate_range("2024-01-01", periods=80),
                    "open": open_.round(2),
                    "high": high.round(2),
                    "low": low.round(2),
                    "close": close.round(2),
                    "sector": ["tech", "energy", "retail"][ticker % 3],
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def test_a_sequence_twin_holds_the_rules_between_its_events(tmp_path):
    prices = _prices()
    twin = datatwin.fit(prices, entity="ticker", order="day", max_time=20, seed=0)
    assert [str(r) for r in twin.fitted.rules] == FOUND_IN_PRICES
    twin.save(tmp_path / "prices.twin")
    drawn = twin.sample(entities=25, seed=1)
    again = datatwin.load(tmp_path / "prices.twin").sample(entities=25, seed=1)
    pd.testing.assert_frame_equal(drawn, again)
    assert (drawn["low"] <= drawn[["open", "close"]].min(axis=1)).all()
    assert (drawn["high"] >= drawn[["open", "close"]].max(axis=1)).all()
    with pytest.raises(ConfigError, match="rebuilt from the rules they keep"):
        twin.sample(entities=5, seed=1, conditions={"high": 60.0})


def test_a_rule_a_sequence_twin_cannot_hold_is_refused():
    prices = _prices()
    with pytest.raises(ConstraintError, match=re.escape("sequences hold rules by construction only")):
        datatwin.fit(prices, entity="ticker", order="day", rules=[Unique(("open",))], max_time=2)
    with_base = prices.assign(base=prices["sector"].map({"tech": 1.0, "energy": 2.0, "retail": 3.0}))
    with pytest.raises(ConstraintError, match=re.escape("names column(s) ['base'], constant within each entity")):
        datatwin.fit(with_base, entity="ticker", order="day", rules=[Order(("base", "open"))], max_time=2)
