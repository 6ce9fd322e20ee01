"""Rules across columns: found in the data, held in every drawn row, saved, and refused clearly."""

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
from datatwin.conditions import Range
from datatwin.constraints import (
    AfterParent,
    ChildSum,
    Combination,
    Conditional,
    Difference,
    Format,
    Formula,
    Order,
    RuleSet,
    Unique,
    rule_from_dict,
)
from datatwin.constraints.pattern import draw_matching
from datatwin.errors import ConstraintError
from datatwin.schema import infer_schema
from datatwin.schema.relational import RelationalSchema
from tests.conftest import shared_path

from .bookings import bookings

FOUND = [
    "booked_at < check_in",
    "booked_at <= cancelled_at",
    "check_in < check_out",
    "total = nights * rate",
    "(city, state, country) as seen together",
    "if status == 'confirmed' then cancelled_at == None",
]


@pytest.fixture(scope="module")
def real() -> pd.DataFrame:
    return bookings()


@pytest.fixture(scope="module")
def twin(real):
    return datatwin.fit(real, max_time=10)  # the default model: argn


def held(rows: pd.DataFrame) -> None:
    """Every bookings rule, checked with pandas alone."""
    day = pd.to_datetime
    assert (day(rows["booked_at"]) < day(rows["check_in"])).all()
    assert (day(rows["check_in"]) < day(rows["check_out"])).all()
    cancelled = rows["cancelled_at"].notna()
    assert (day(rows.loc[cancelled, "booked_at"]) <= day(rows.loc[cancelled, "cancelled_at"])).all()
    assert np.allclose(rows["total"], np.round(rows["nights"] * rows["rate"], 2), atol=0.0051)
    assert rows.loc[rows["status"] == "confirmed", "cancelled_at"].isna().all()
    seen = set(bookings()[["city", "state", "country"]].itertuples(index=False, name=None))
    assert set(rows[["city", "state", "country"]].itertuples(index=False, name=None)) <= seen


def test_rules_that_hold_in_every_row_are_found_and_no_others(real):
    found = datatwin.find_rules(real)
    assert [str(r) for r in found] == FOUND
    assert all(r.support >= 50 for r in found)
    assert next(r for r in found if isinstance(r, Formula)).decimals == 2


def test_every_drawn_row_keeps_every_rule_and_bound(twin, real):
    assert [str(r) for r in twin.rules] == FOUND
    rows = twin.sample(4000, seed=1)
    held(rows)
    assert twin.fitted.rules.broken(rows) == {}
    report = datatwin.evaluate(real, rows, schema=twin.schema)
    assert report.metric("constraints").value == 0.0
    assert report.metric("constraints").details["rules_across_columns"] == len(FOUND)


def test_a_copula_keeps_them_too(real):
    twin = datatwin.fit(real, model="copula", seed=2)
    held(twin.sample(2000, seed=3))


def test_conditions_and_rebalancing_keep_the_rules(twin):
    french = twin.sample(600, seed=2, conditions={"country": "France"})
    assert set(french["country"]) == {"France"} and set(french["city"]) <= {"Lyon", "Paris", "Nice"}
    dear = twin.sample(300, seed=2, conditions={"total": Range(900, None)})
    assert len(dear) == 300 and (dear["total"] >= 900).all()
    late = twin.sample(300, seed=2, conditions={"check_out": Range("2025-11-01", None)})
    assert (pd.to_datetime(late["check_out"]) >= "2025-11-01").all()
    even = twin.sample(1200, seed=2, rebalance="country")
    assert even["country"].value_counts().min() >= 350
    for rows in (french, dear, late, even):
        held(rows)


def test_saved_twin_keeps_its_rules_and_draws_the_same_bytes(twin, tmp_path):
    twin.save(tmp_path / "bookings.twin")
    loaded = datatwin.load(tmp_path / "bookings.twin")
    assert [str(r) for r in loaded.rules] == FOUND
    assert loaded.sample(500, seed=4).equals(twin.sample(500, seed=4))
    held(loaded.sample(500, seed=5))


def test_rules_declared_in_python_hold(real):
    rules = [
        Difference("check_out", "check_in", minimum=1, maximum=10, unit="days"),
        Unique(["reference"]),
        Format("reference", r"BK-\d{6}"),
        Conditional("status == 'cancelled'", "country in ['France', 'USA']"),
        Formula("nights", "(check_out - check_in) / 86400"),
    ]
    twin = datatwin.fit(real, model="copula", rules=rules, find_rules=False)
    rows = twin.sample(3000, seed=6)
    nights = (pd.to_datetime(rows["check_out"]) - pd.to_datetime(rows["check_in"])).dt.days
    assert nights.between(1, 10).all() and (nights == rows["nights"]).all()
    assert rows["reference"].is_unique and rows["reference"].str.fullmatch(r"BK-\d{6}").all()
    assert rows.loc[rows["status"] == "cancelled", "country"].isin(["France", "USA"]).all()
    assert twin.fitted.rules.broken(rows) == {}


def test_stock_prices_keep_their_order_though_the_data_breaks_it():
    prices = pd.read_csv(shared_path("stocks_daily/stocks_daily.csv.gz")).sample(4000, random_state=0)
    prices = prices.reset_index(drop=True)
    rules = [Order(["Low", "Open", "High"]), Order(["Low", "Close", "High"])]
    twin = datatwin.fit(prices, model="copula", rules=rules, find_rules=False)
    opened_outside = int(((prices["Low"] > prices["Open"]) | (prices["Open"] > prices["High"])).sum())
    assert opened_outside > 0 and twin.fitted.broken_in_data == {"Low <= Open <= High": opened_outside}
    rows = twin.sample(5000, seed=1)
    assert ((rows["Low"] <= rows["Open"]) & (rows["Open"] <= rows["High"])).all()
    assert ((rows["Low"] <= rows["Close"]) & (rows["Close"] <= rows["High"])).all()
    assert rows["Low"].between(prices["Low"].min(), prices["Low"].max()).all()


def test_schema_file_carries_the_rules_and_deleting_one_drops_it(real, tmp_path):
    data = tmp_path / "bookings.csv"
    real.to_csv(data, index=False)
    runner = CliRunner()
    result = runner.invoke(app, ["schema", str(data), "-o", str(tmp_path / "schema.json")])
    assert result.exit_code == 0, result.output
    assert "rule: total = nights * rate  (held in 1,500 rows)" in result.output
    schema = json.loads((tmp_path / "schema.json").read_text())
    assert [rule_from_dict(r, "x").describe() for r in schema["rules"]] == FOUND
    schema["rules"] = [r for r in schema["rules"] if r["type"] != "formula"]
    (tmp_path / "schema.json").write_text(json.dumps(schema))
    result = runner.invoke(
        app,
        [
            "fit",
            str(data),
            "-o",
            str(tmp_path / "t.twin"),
            "--schema",
            str(tmp_path / "schema.json"),
            "--model",
            "copula",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "check_in < check_out" in result.output and "total = nights * rate" not in result.output
    result = runner.invoke(
        app, ["fit", str(data), "-o", str(tmp_path / "u.twin"), "--no-find-rules", "--model", "copula"]
    )
    assert result.exit_code == 0 and "Rules held" not in result.output
    assert datatwin.load(tmp_path / "u.twin").rules == []


@pytest.mark.parametrize(
    "rules, message",
    [
        ([Order(["check_in", "nowhere"])], "Rule 'check_in <= nowhere' names unknown column(s) ['nowhere']"),
        (
            [Order(["check_in", "check_out"]), Order(["check_out", "check_in"])],
            "in a circle (check_in <= check_out; check_out <= check_in)",
        ),
        ([Order(["city", "country"])], "are not numbers or datetimes"),
        ([Formula("total", "nights * rate"), Formula("total", "rate * nights")], "has two formulas"),
        ([Formula("total", "nights * rate"), Order(["rate", "total"])], "both decide 'total'"),
        (
            [Formula("nights", "total / rate"), Order(["nights", "total"])],
            "both decide 'nights'",
        ),
        ([Combination(["city", "state"]), Combination(["state", "country"])], "is in two combination rules"),
        (
            [Difference("check_out", "check_in", minimum=1), Order(["booked_at", "check_out"])],
            "bounded by a difference",
        ),
    ],
)
def test_rules_that_cannot_hold_get_one_clear_line(real, rules, message):
    with pytest.raises(ConstraintError, match=re.escape(message)):
        RuleSet(rules, infer_schema(real))


@pytest.mark.parametrize(
    "data, message",
    [
        ({"type": "between"}, "unknown rule type 'between'; the types are"),
        ({"type": "order", "columns": ["a", "b"], "strictly": True}, "unknown key(s) ['strictly']"),
        ({"type": "formula", "column": "t"}, "missing key(s) ['expression']"),
        ({"type": "formula", "column": "t", "expression": "__import__('os').system('x')"}, "may use columns, numbers"),
        (
            {"type": "difference", "column": "a", "base": "b", "minimum": 3, "maximum": 1},
            "minimum 3 is above maximum 1",
        ),
        ({"type": "format", "column": "a", "pattern": "[a-"}, "is not valid"),
        ({"type": "conditional", "when": "status ==", "then": "x == None"}, "Cannot read the condition"),
    ],
)
def test_a_bad_rule_in_a_schema_file_says_what_and_where(data, message):
    with pytest.raises(ConstraintError, match=re.escape(message)) as caught:
        rule_from_dict(data, "rules[3]")
    assert str(caught.value).startswith("rules[3]")


def test_more_rows_than_a_unique_rule_allows_are_refused(real):
    twin = datatwin.fit(real, model="copula", rules=[Unique(["city", "status"])], find_rules=False)
    with pytest.raises(ConstraintError, match=re.escape("allows at most 16 distinct row(s), fewer than the 20")):
        twin.sample(20)
    assert len(twin.sample(12, seed=1).drop_duplicates(["city", "status"])) == 12


@pytest.mark.parametrize(
    "pattern", [r"BK-\d{6}", r"[A-Z]{2}\d{2} ?[a-z]+(-[a-z]+)*", r"(ab|cd){2,}x?", r"[^0-9]{3}\.\w+"]
)
def test_strings_drawn_from_a_pattern_match_it(pattern):
    drawn = draw_matching(pattern, 200, np.random.default_rng(0))
    assert all(re.fullmatch(pattern, text) for text in drawn) and len(set(drawn)) > 20


def test_a_parent_total_is_the_sum_of_its_drawn_children(tmp_path):
    chinook = f"sqlite:///{shared_path('chinook/chinook.sqlite')}"
    rule = ChildSum("Invoice", "Total", "InvoiceLine", "UnitPrice * Quantity")
    twin = datatwin.fit_database(chinook, seed=0, max_time=4, rules=[rule])
    twin.save(tmp_path / "chinook.twin")
    for database in (twin.sample(seed=1), datatwin.load_database(tmp_path / "chinook.twin").sample(seed=2)):
        invoices, lines = database.tables["Invoice"], database.tables["InvoiceLine"]
        sums = (lines["UnitPrice"] * lines["Quantity"]).groupby(lines["InvoiceId"]).sum()
        assert np.allclose(invoices["Total"], invoices["InvoiceId"].map(sums).fillna(0).round(2), atol=0.005)
        assert not rule.broken_in_database(database.tables, database.schema).any()
    assert RelationalSchema.from_dict(twin.fitted.schema.to_dict()).rules == (rule.to_dict(),)
    drawn = twin.sample(seed=3)
    assert datatwin.evaluate_database(chinook, drawn).metric("database_rules").value == 0.0
    found = datatwin.fit_database(chinook, seed=0, max_time=4).rules  # found by default: lines all have quantity 1
    assert [str(r) for r in found] == ["Invoice.Total = sum over InvoiceLine of UnitPrice"] and found[0].support == 412
    assert datatwin.fit_database(chinook, seed=0, max_time=4, find_rules=False).rules == []
    drawn.tables["Invoice"].loc[:9, "Total"] += 1.0  # ten invoices off by one
    broken = datatwin.evaluate_database(chinook, drawn).metric("database_rules")
    assert broken.details["rows"] == 10 and broken.subject == str(rule)
    with pytest.raises(ConstraintError, match=re.escape("names unknown table 'Invoices'")):
        datatwin.fit_database(chinook, max_time=1, rules=[ChildSum("Invoices", "Total", "InvoiceLine", "Quantity")])
    with pytest.raises(
        ConstraintError, match=re.escape("needs one foreign key from 'Track' to 'Invoice'; there are 0")
    ):
        datatwin.fit_database(chinook, max_time=1, rules=[ChildSum("Invoice", "Total", "Track", "Milliseconds")])


def test_a_child_date_stays_after_its_parents(tmp_path):
    rng = np.random.default_rng(0)
    placed = pd.Timestamp("2025-01-01") + pd.to_timedelta(rng.integers(0, 300 * 24, 400), unit="h")
    orders = pd.DataFrame(
        {"order_id": np.arange(1, 401), "placed_at": placed, "amount": rng.gamma(2, 40, 400).round(2)}
    )
    parent = rng.permutation(np.arange(1, 401))[:350]  # one shipment per order (orders with many are drawn as events)
    lag = pd.to_timedelta(rng.gamma(2, 20, 350).round() + 1, unit="h")
    shipments = pd.DataFrame(
        {
            "shipment_id": np.arange(1, 351),
            "order_id": parent,
            "shipped_at": placed[parent - 1] + lag,
            "carrier": rng.choice(["dhl", "ups"], 350),
        }
    )
    url = f"sqlite:///{tmp_path / 'shop.db'}"
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.exec_driver_sql(
            "CREATE TABLE orders (order_id INTEGER PRIMARY KEY, placed_at TIMESTAMP, amount REAL)"
        )
        connection.exec_driver_sql(
            "CREATE TABLE shipment (shipment_id INTEGER PRIMARY KEY, order_id INTEGER REFERENCES orders (order_id), "
            "shipped_at TIMESTAMP, carrier TEXT)"
        )
    orders.to_sql("orders", engine, if_exists="append", index=False)
    shipments.to_sql("shipment", engine, if_exists="append", index=False)
    engine.dispose()
    rule = AfterParent("shipment", "shipped_at", "placed_at", strict=True)
    twin = datatwin.fit_database(url, seed=0, max_time=6, rules=[rule])
    drawn = twin.sample(seed=1).tables
    joined = drawn["shipment"].merge(drawn["orders"], on="order_id")
    assert len(joined) == len(drawn["shipment"]) > 0
    assert (pd.to_datetime(joined["shipped_at"]) > pd.to_datetime(joined["placed_at"])).all()
    assert datatwin.evaluate_database(url, twin.sample(seed=2)).metric("database_rules").value == 0.0
    with pytest.raises(ConstraintError, match=re.escape("needs one parent of 'orders' with column 'shipped_at'")):
        datatwin.fit_database(url, max_time=1, rules=[AfterParent("orders", "placed_at", "shipped_at")])
