"""Database twins: every key resolves, sizes follow the real ones, children fit their parents,
sequences keep their order, and no real person is copied."""

from __future__ import annotations

import dataclasses
import sqlite3

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

import datatwin
from datatwin.errors import ConfigError, DataError
from datatwin.io.database import read_database
from datatwin.relational import check_database
from datatwin.report import render_html
from datatwin.schema.relational import ForeignKey, RelationalSchema
from tests.conftest import shared_path


def sqlite_url(name: str) -> str:
    return f"sqlite:///{shared_path(f'{name}/{name}.sqlite')}"


@pytest.fixture(scope="module")
def chinook():
    return read_database(sqlite_url("chinook"))


@pytest.fixture(scope="module")
def chinook_twin(chinook):
    return datatwin.fit_database(chinook, seed=0, max_time=3)


def _people(frame: pd.DataFrame) -> dict[str, set]:
    return {
        "email": set(frame["Email"].dropna()),
        "name": set(frame["FirstName"] + " " + frame["LastName"]),
        "phone": set(frame["Phone"].dropna()),
    }


def test_chinook_twin_keeps_keys_sizes_and_no_real_people(chinook, chinook_twin, tmp_path, postgres_url):
    assert chinook_twin.tables["InvoiceLine"].primary.parent == "Invoice"  # lines belong to their invoice
    assert chinook_twin.tables["InvoiceLine"].sequence_length == 14
    synthetic = chinook_twin.sample(seed=1)
    check_database(synthetic)  # every foreign key resolves, primary keys unique
    for name, real in chinook.tables.items():
        assert len(synthetic.tables[name]) == len(real), name
    for table in ("Customer", "Employee"):
        real, fake = _people(chinook.tables[table]), _people(synthetic.tables[table])
        for what in ("email", "name", "phone"):
            assert not fake[what] & real[what], (table, what)
    target = f"sqlite:///{tmp_path / 'synthetic.db'}"
    synthetic.save(target)
    assert read_database(target).schema == chinook.schema
    synthetic.save(postgres_url)  # the server checks every key, NOT NULL and primary key
    copy = read_database(postgres_url)
    assert {n: len(t) for n, t in copy.tables.items()} == {n: len(t) for n, t in chinook.tables.items()}
    assert len(copy.schema.foreign_keys) == len(chinook.schema.foreign_keys)


def test_reference_lists_are_kept_and_children_follow_them(chinook, chinook_twin):
    assert {n for n, m in chinook_twin.tables.items() if m.reference is not None} == {"Genre", "MediaType", "Playlist"}
    synthetic = chinook_twin.sample(seed=1)
    assert synthetic.tables["Genre"].equals(chinook.tables["Genre"])
    real_share = chinook.tables["Track"]["GenreId"].value_counts(normalize=True)
    fake_share = synthetic.tables["Track"]["GenreId"].value_counts(normalize=True)
    assert real_share.index[0] == fake_share.index[0]  # Rock leads in both
    assert abs(real_share.iloc[0] - fake_share.iloc[0]) < 0.15


def test_scale_grows_every_generated_table_and_is_seeded(chinook_twin):
    doubled = chinook_twin.sample(scale=2.0, seed=2)
    check_database(doubled)
    assert len(doubled.tables["Invoice"]) == 2 * 412 and len(doubled.tables["InvoiceLine"]) == 2 * 2240
    assert len(doubled.tables["PlaylistTrack"]) == 2 * 8715  # link rows get distinct partners
    assert len(doubled.tables["Genre"]) == 25  # a reference list keeps its size
    same = chinook_twin.sample(scale=2.0, seed=2)
    assert all(same.tables[n].equals(t) for n, t in doubled.tables.items())
    tenth = chinook_twin.sample(scale=0.1, seed=2)
    check_database(tenth)
    assert len(tenth.tables["InvoiceLine"]) == 224


def test_saved_twin_samples_the_same_database(chinook_twin, tmp_path):
    path = tmp_path / "chinook.twin"
    chinook_twin.save(path)
    loaded = datatwin.load_database(path)
    first, again = chinook_twin.sample(seed=5), loaded.sample(seed=5)
    assert all(first.tables[n].equals(t) for n, t in again.tables.items())
    assert isinstance(datatwin.load(path), datatwin.DatabaseTwin)  # one load opens every kind
    with pytest.raises(ConfigError, match="scale must be a positive number"):
        loaded.sample(scale=0)


def test_database_report_integrity_and_children(chinook, chinook_twin):
    report = datatwin.evaluate_database(chinook, chinook_twin.sample(seed=3))
    integrity = [m for m in report.metrics if m.key == "referential_integrity"]
    assert len(integrity) == len(chinook.schema.foreign_keys) and all(m.value == 1.0 for m in integrity)
    key = "InvoiceLine(InvoiceId) → Invoice(InvoiceId)"
    assert report.metric("children_per_parent", key).value > 0.8
    assert report.metric("column_shapes", "InvoiceLine").value > 0.9
    assert 0 < report.score < 1
    for table in ("Customer", "Employee"):  # emails, phones, addresses and full names: none real
        assert report.metric("copied_identifiers", table).value == 0.0
    assert report.metric("copied_identifiers", "Genre").status.value == "skipped"  # a kept list of genres
    assert report.privacy.value == "pass"
    assert "Children per parent" in render_html(report)


def _orders_database(path) -> str:
    """300 customers with 1–6 orders each, numbered 1, 2, … in order (business customers order
    more, and bigger), and 1–3 items per order, shipped on pallets for business customers."""
    rng = np.random.default_rng(0)
    customers = pd.DataFrame({"id": np.arange(1, 301), "segment": rng.choice(["retail", "business"], 300)})
    counts = np.where(customers["segment"] == "business", rng.integers(3, 7, 300), rng.integers(1, 3, 300))
    orders = pd.DataFrame({"customer_id": np.repeat(customers["id"], counts)})
    orders["number"] = orders.groupby("customer_id").cumcount() + 1
    orders["amount"] = np.round(rng.gamma(2, 20, len(orders)) * np.where(orders["number"] > 2, 3, 1), 2)
    orders.insert(0, "id", np.arange(1, len(orders) + 1))
    segment = customers.set_index("id")["segment"].reindex(orders["customer_id"]).to_numpy()
    per_order = rng.integers(1, 4, len(orders))
    items = pd.DataFrame({"order_id": np.repeat(orders["id"], per_order)})
    big = np.repeat(segment == "business", per_order) ^ (rng.random(len(items)) < 0.05)
    items["size"] = np.where(big, "pallet", "parcel")  # follows the order's customer, two levels up
    items.insert(0, "id", np.arange(1, len(items) + 1))
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE customer (id INTEGER PRIMARY KEY, segment TEXT NOT NULL)")
        connection.execute(
            "CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL REFERENCES customer(id), "
            "number INTEGER NOT NULL, amount REAL NOT NULL)"
        )
        connection.executemany("INSERT INTO customer VALUES (?, ?)", customers.itertuples(index=False))
        connection.executemany("INSERT INTO orders VALUES (?, ?, ?, ?)", orders.itertuples(index=False))
        connection.execute(
            "CREATE TABLE item (id INTEGER PRIMARY KEY, order_id INTEGER NOT NULL REFERENCES orders(id), size TEXT)"
        )
        connection.executemany("INSERT INTO item VALUES (?, ?, ?)", items.itertuples(index=False))
    return f"sqlite:///{path}"


def test_child_rows_follow_their_parent_and_each_other(tmp_path):
    url = _orders_database(tmp_path / "orders.db")
    twin = datatwin.fit_database(url, seed=0, max_time=10)
    assert twin.tables["orders"].sequence_length == 6
    synthetic = twin.sample(seed=1)
    orders, customers = synthetic.tables["orders"], synthetic.tables["customer"]
    in_order = orders.groupby("customer_id").cumcount() + 1
    assert (orders["number"] == in_order).mean() > 0.9  # each order numbered after the one before
    per_customer = orders.groupby("customer_id").size().reindex(customers["id"], fill_value=0)
    segment = customers.set_index("id")["segment"]
    assert per_customer[segment == "business"].mean() > per_customer[segment == "retail"].mean() + 1.5
    items = synthetic.tables["item"]
    owner = orders.set_index("id")["customer_id"].reindex(items["order_id"]).map(segment).to_numpy()
    assert (items["size"].to_numpy() == np.where(owner == "business", "pallet", "parcel")).mean() > 0.85


def test_sakila_store_staff_cycle_into_sqlite_and_postgres(tmp_path, postgres_url):
    sakila = read_database(sqlite_url("sakila"))
    synthetic = datatwin.fit_database(sakila, seed=0, max_time=2).sample(seed=0)
    check_database(synthetic)
    assert {n: len(t) for n, t in synthetic.tables.items()} == {n: len(t) for n, t in sakila.tables.items()}
    for table in ("customer", "staff", "actor"):
        real = set(sakila.tables[table]["first_name"] + " " + sakila.tables[table]["last_name"])
        fake = set(synthetic.tables[table]["first_name"] + " " + synthetic.tables[table]["last_name"])
        assert not real & fake, table
    assert not set(synthetic.tables["customer"]["email"]) & set(sakila.tables["customer"]["email"])
    target = f"sqlite:///{tmp_path / 'sakila.db'}"
    synthetic.save(target)  # NOT NULL, primary keys and foreign keys checked by SQLite
    with sa.create_engine(target).connect() as connection:
        assert connection.execute(sa.text("PRAGMA foreign_key_check")).fetchall() == []
    synthetic.save(postgres_url)  # the store ↔ staff cycle loads, its keys checked by the server
    written = {k.describe() for k in read_database(postgres_url).schema.foreign_keys}
    # the declared keys, and film_text's one-to-one key to film that the file does not declare
    assert written == {k.describe() for k in sakila.schema.foreign_keys} | {"film_text(film_id) → film(film_id)"}


def test_northwind_relations_are_found_and_kept(tmp_path):
    twin = datatwin.fit_database(sqlite_url("northwind"), seed=0, max_time=2)
    found = {k.describe() for k in twin.schema.foreign_keys if not k.declared}
    assert "Order Details(OrderID) → Orders(OrderID)" in found and len(found) >= 11
    assert twin.tables["Order Details"].primary.parent == "Orders"
    synthetic = twin.sample(seed=0)
    check_database(synthetic)
    assert len(synthetic.tables["Order Details"]) == 2155
    real = datatwin.read_database(sqlite_url("northwind")).tables["Customers"]
    assert not set(synthetic.tables["Customers"]["CustomerID"]) & set(real["CustomerID"])  # natural keys anew
    twin.save(tmp_path / "northwind.twin")  # its empty reference table (CustomerDemographics) too
    assert (
        datatwin.load_database(tmp_path / "northwind.twin")
        .sample(seed=0)
        .tables["Orders"]
        .equals(synthetic.tables["Orders"])
    )
    target = f"sqlite:///{tmp_path / 'northwind.db'}"
    synthetic.save(target)  # "Order Details", with a space, and the found keys declared this time
    assert len(read_database(target).schema.foreign_keys) == len(twin.schema.foreign_keys)


def test_world_cycle_and_composite_key():
    world = read_database(sqlite_url("world"))
    synthetic = datatwin.fit_database(world, seed=0, max_time=3).sample(seed=0)
    check_database(synthetic)
    assert len(synthetic.tables["city"]) == 4079 and synthetic.tables["countrylanguage"]["language"].notna().all()
    assert len(synthetic.tables["countrylanguage"]) == 984  # repeated (country, language) drawn again, then completed
    assert not synthetic.tables["country"]["code"].isin(set(world.tables["country"]["code"])).all()


def test_bad_sources_are_refused_with_every_problem(tmp_path):
    path = tmp_path / "shop.db"
    url = _orders_database(path)
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA foreign_keys = OFF")
        connection.execute("INSERT INTO orders VALUES (9999, 777, 1, 10.0)")
        connection.execute("CREATE TABLE note (text TEXT)")
    database = read_database(url)
    strict = tuple(dataclasses.replace(k, dangling="error") for k in database.schema.foreign_keys)
    with pytest.raises(DataError) as caught:  # every problem together, before any learning
        datatwin.fit_database(database.with_schema(RelationalSchema(database.schema.tables, strict)))
    message = str(caught.value)
    assert "orders(customer_id) → customer(id): 1 row(s) refer to missing parents, e.g. 777 (rows" in message
    notes = sa.Table("note", sa.MetaData(), sa.Column("text", sa.Text))
    with sa.create_engine(url).begin() as connection:  # a key-less table that others refer to
        connection.execute(sa.text("ALTER TABLE orders ADD COLUMN note_text TEXT"))
        connection.execute(notes.insert(), [{"text": "fragile"}, {"text": "fragile"}])
    database = read_database(url)
    referring = (*database.schema.foreign_keys, ForeignKey("orders", ("note_text",), "note", ("text",)))
    with pytest.raises(DataError, match=r"table 'note' has no primary key for orders\(note_text\) → note\(text\)"):
        datatwin.fit_database(database.with_schema(RelationalSchema(database.schema.tables, referring)))
    with pytest.raises(ConfigError, match=r"Reference table\(s\) \['genres'\]"):
        datatwin.fit_database(read_database(sqlite_url("world")), reference_tables=["genres"])


def test_unique_columns_stay_unique(tmp_path):
    rng = np.random.default_rng(1)
    n = 400
    members = pd.DataFrame(
        {
            "id": np.arange(1, n + 1),
            "code": [f"M{i:06d}" for i in rng.choice(1_000_000, n, replace=False)],
            "tier": rng.choice(["gold", "silver", "bronze"], n),
            "seat": rng.permutation(n) % 450,
        }
    )
    path = tmp_path / "club.db"
    with sqlite3.connect(path) as connection:
        connection.execute(
            "CREATE TABLE member (id INTEGER PRIMARY KEY, code TEXT NOT NULL UNIQUE, tier TEXT, seat INTEGER UNIQUE)"
        )
        connection.executemany("INSERT INTO member VALUES (?, ?, ?, ?)", members.itertuples(index=False))
    twin = datatwin.fit_database(f"sqlite:///{path}", max_time=2)
    assert set(twin.schema.table("member").unique) == {("code",), ("seat",)}
    synthetic = twin.sample(seed=0)
    member = synthetic.tables["member"]
    assert len(member) == n and member["code"].is_unique and member["seat"].dropna().is_unique
    assert member["code"].str.fullmatch(r"M\d{6}").all()  # new codes in the real ones' shape
    assert len(set(member["code"]) & set(members["code"])) < 0.05 * n  # chance meetings only
    synthetic.save(f"sqlite:///{tmp_path / 'out.db'}")  # SQLite enforces both UNIQUE constraints


def test_a_copied_database_fails_the_privacy_check(chinook):
    report = datatwin.evaluate_database(chinook, chinook)
    assert report.metric("copied_identifiers", "Customer").value == 1.0
    assert report.metric("copied_identifiers", "Customer").status.value == "fail"
    assert report.privacy.value == "fail"
