"""Finding primary and foreign keys in databases that declare none."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

import datatwin
from datatwin.io.database import Database, read_database
from datatwin.relational import check_database, discover_keys
from datatwin.schema.relational import RelationalSchema, TableSchema
from tests.conftest import shared_path
from tests.relational.operations import operations

NORTHWIND_RELATIONS = {
    "Orders(CustomerID) → Customers(CustomerID)",
    "Orders(EmployeeID) → Employees(EmployeeID)",
    "Orders(ShipVia) → Shippers(ShipperID)",
    "Order Details(OrderID) → Orders(OrderID)",
    "Order Details(ProductID) → Products(ProductID)",
    "Products(SupplierID) → Suppliers(SupplierID)",
    "Products(CategoryID) → Categories(CategoryID)",
    "Employees(ReportsTo) → Employees(EmployeeID)",
    "EmployeeTerritories(EmployeeID) → Employees(EmployeeID)",
    "EmployeeTerritories(TerritoryID) → Territories(TerritoryID)",
    "Territories(RegionID) → Regions(RegionID)",
    "CustomerCustomerDemo(CustomerID) → Customers(CustomerID)",  # an empty link table: by its names
    "CustomerCustomerDemo(CustomerTypeID) → CustomerDemographics(CustomerTypeID)",
}


def sqlite(name: str) -> Database:
    return read_database(f"sqlite:///{shared_path(f'{name}/{name}.sqlite')}")


def undeclared(database: Database) -> Database:
    """The same rows with every key and constraint declaration removed."""
    tables = tuple(dataclasses.replace(t, primary_key=(), not_null=(), unique=()) for t in database.schema.tables)
    return Database(RelationalSchema(tables), database.tables, database.source)


@pytest.mark.parametrize("name", ["chinook", "sakila", "world"])
def test_declared_keys_are_found_again_once_removed(name):
    database = sqlite(name)
    found = discover_keys(undeclared(database))
    assert {t.name: t.primary_key for t in found.schema.tables} == {
        t.name: t.primary_key for t in database.schema.tables
    }  # every primary key, composite ones (PlaylistTrack, film_actor, countrylanguage) included
    declared = {k.describe() for k in database.schema.foreign_keys}
    keys = {k.describe(): k for k in found.schema.foreign_keys}
    # one miss each at most: Chinook's SupportRepId → Employee (3 values, a name that says
    # nothing), Sakila's all-empty original_language_id; one extra: Sakila's film_text is film's
    # one-to-one copy, which the file does not declare
    assert len(declared & set(keys)) >= len(declared) - 1
    assert set(keys) - declared <= {"film_text(film_id) → film(film_id)"}
    assert all(k.evidence is not None and not k.declared for k in keys.values())
    check_database(found)


def test_northwind_relations_and_keys_with_their_evidence():
    northwind = sqlite("northwind")
    assert northwind.schema.foreign_keys == ()
    found = discover_keys(northwind)
    assert {k.describe() for k in found.schema.foreign_keys} == NORTHWIND_RELATIONS
    ship_via = next(k for k in found.schema.foreign_keys if k.columns == ("ShipVia",))
    assert ship_via.evidence.containment == 1.0 and ship_via.evidence.name_match
    assert "100.0% contained" in ship_via.evidence.describe()
    assert found.schema.table("CustomerCustomerDemo").primary_key == ("CustomerID", "CustomerTypeID")
    check_database(found)


def test_codes_references_under_other_names_composites_and_dangling_shares():
    found = discover_keys(operations())
    schema = found.schema
    assert schema.table("stations").primary_key == ("code",)
    assert schema.table("routes").primary_key == ("route_no",)
    assert schema.table("readings").primary_key == ("station", "hour")
    assert schema.table("alerts").primary_key == ("alert_id",)
    keys = {k.describe(): k for k in schema.foreign_keys}
    assert set(keys) == {
        "routes(from) → stations(code)",
        "routes(to) → stations(code)",
        "readings(station) → stations(code)",
        "alerts(station, hour) → readings(station, hour)",
    }  # not routes.stops, alerts.severity or alerts.duration_min: counters inside every 1 … n range;
    # not alerts(station) → stations: the composite key through readings implies it
    to = keys["routes(to) → stations(code)"].evidence
    real_share = float(found.tables["routes"]["to"].isin(found.tables["stations"]["code"]).mean())
    assert to.containment == pytest.approx(real_share, abs=1e-4) and 0.9 < to.containment < 1
    assert not to.name_match


def test_measurements_and_counters_inside_a_key_range_are_not_references():
    rng = np.random.default_rng(3)
    actors = pd.DataFrame({"actor_id": np.arange(1, 201), "name": [f"actor {i}" for i in range(200)]})
    films = pd.DataFrame(
        {
            "film_id": np.arange(1, 1001),
            "length": rng.integers(46, 186, 1000),  # a dense run strictly inside 1 … 200
            "rental_duration": rng.integers(3, 8, 1000),
            "lead_actor": rng.integers(1, 201, 1000),  # a reference: the name ends with the parent's
            "minutes_watched": rng.integers(1, 201, 1000),  # spread like keys, but a measurement's name
            "stock_no": rng.integers(20, 61, 1000),  # key-like name, but a dense run inside 1 … 200
        }
    )
    frames = {"actor": actors, "film": films}
    schema = RelationalSchema(tuple(TableSchema(n, tuple(f.columns), ()) for n, f in frames.items()))
    found = discover_keys(Database(schema, frames, "films"))
    assert {k.describe() for k in found.schema.foreign_keys} == {"film(lead_actor) → actor(actor_id)"}


def test_a_table_with_no_candidate_key_stays_without_one():
    log = pd.DataFrame({"level": ["info", "warn", "info", "info"], "message": ["a", "b", "a", "a"]})
    schema = RelationalSchema((TableSchema("log", ("level", "message"), ()),))
    found = discover_keys(Database(schema, {"log": log}, "log"))
    assert found.schema.table("log").primary_key == ()
    check_database(found)  # nothing refers to it: learnt and drawn without a key


def test_surrogate_ids_of_two_tables_are_not_related():
    """Two tables numbered 1 … n by an ``id`` column: the smaller is contained in the larger,
    but each ``id`` is its own table's key, not a reference."""
    rng = np.random.default_rng(5)
    customers = pd.DataFrame({"id": np.arange(1, 301), "segment": rng.choice(["retail", "business"], 300)})
    orders = pd.DataFrame({"id": np.arange(1, 901), "customer_id": rng.integers(1, 301, 900)})
    frames = {"customer": customers, "orders": orders}
    schema = RelationalSchema(tuple(TableSchema(n, tuple(f.columns), ()) for n, f in frames.items()))
    found = discover_keys(Database(schema, frames, "shop"))
    assert {k.describe() for k in found.schema.foreign_keys} == {"orders(customer_id) → customer(id)"}


def test_references_to_a_unique_code_beside_a_numeric_primary_key():
    """Stations numbered by ``id`` and named by a unique ``code``; routes run ``from`` and
    ``to`` codes: the references go to the code, which stays unique in the twin."""
    rng = np.random.default_rng(7)
    codes = sorted({"".join(rng.choice(list("ABCDEFGHKLMNPRSTUVWXYZ"), 3)) for _ in range(80)})[:40]
    stations = pd.DataFrame({"id": np.arange(1, 41), "station_code": codes, "region": rng.choice(["n", "s"], 40)})
    routes = pd.DataFrame({"route_no": np.arange(1, 201), "from": rng.choice(codes, 200), "to": rng.choice(codes, 200)})
    frames = {"stations": stations, "routes": routes}
    schema = RelationalSchema(tuple(TableSchema(n, tuple(f.columns), ()) for n, f in frames.items()))
    found = discover_keys(Database(schema, frames, "network"))
    assert {k.describe() for k in found.schema.foreign_keys} == {
        "routes(from) → stations(station_code)",
        "routes(to) → stations(station_code)",
    }
    assert found.schema.table("stations").primary_key == ("id",)
    assert ("station_code",) in found.schema.table("stations").unique
    synthetic = datatwin.fit_database(found, seed=0, max_time=2).sample(seed=1)
    check_database(synthetic)
    assert synthetic.tables["stations"]["station_code"].is_unique
    assert synthetic.tables["routes"]["to"].isin(synthetic.tables["stations"]["station_code"]).all()
