"""Reading the shared databases' schemas, finding undeclared keys, ordering tables, refusing bad keys."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from datatwin.errors import DataError, SchemaError, SourceError
from datatwin.io.database import Database, read_database, read_folder
from datatwin.relational import check_database, discover_keys, generation_plan
from datatwin.schema.relational import ForeignKey, RelationalSchema
from tests.conftest import shared_path


def sqlite(name: str) -> Database:
    return read_database(f"sqlite:///{shared_path(f'{name}/{name}.sqlite')}")


@pytest.fixture(scope="module")
def chinook() -> Database:
    return sqlite("chinook")


def test_chinook_schema_is_read_with_every_key(chinook):
    schema = chinook.schema
    assert len(schema.tables) == 11 and len(schema.foreign_keys) == 11
    assert schema.table("PlaylistTrack").primary_key == ("PlaylistId", "TrackId")
    assert any(k.is_self_reference and k.columns == ("ReportsTo",) for k in schema.foreign_keys)
    assert "Email" in schema.table("Customer").not_null
    assert len(chinook.tables["InvoiceLine"]) == 2240
    check_database(chinook)


def test_sakila_and_world_keys_cycles_and_composites():
    sakila, world = sqlite("sakila"), sqlite("world")
    assert len(sakila.schema.tables) == 16 and len(sakila.schema.foreign_keys) == 22
    assert world.schema.table("countrylanguage").primary_key == ("country_code", "language")
    for database in (sakila, world):
        check_database(database)


@pytest.mark.parametrize("name", ["chinook", "sakila", "world", "northwind"])
def test_generation_plan_puts_parents_first(name):
    database = sqlite(name) if name != "northwind" else _with_detected(sqlite(name))
    plan = generation_plan(database.schema)
    assert sorted(plan.order) == sorted(t.name for t in database.schema.tables)
    position = {table: i for i, table in enumerate(plan.order)}
    for key in database.schema.foreign_keys:
        if key not in plan.deferred:
            assert position[key.parent] < position[key.table], key.describe()


def test_cycles_are_broken_at_one_key():
    assert [k.describe() for k in generation_plan(sqlite("world").schema).deferred] == ["country(capital) → city(id)"]
    deferred = generation_plan(sqlite("sakila").schema).deferred  # store ↔ staff, both NOT NULL
    assert [k.describe() for k in deferred] == ["staff(store_id) → store(store_id)"]


def _with_detected(database: Database) -> Database:
    return discover_keys(database)


def test_schema_json_round_trip_and_folder_input(tmp_path):
    world = sqlite("world")
    schema_file = tmp_path / "schema.json"
    schema_file.write_text(world.schema.to_json())
    assert RelationalSchema.from_json(schema_file) == world.schema
    folder = read_folder(shared_path("world/city.csv").parent, schema_file)
    assert set(folder.tables) == {"city", "country", "countrylanguage"}
    assert folder.schema == world.schema
    assert len(folder.tables["city"]) == 4079
    assert folder.tables["country"].loc[folder.tables["country"]["name"] == "Namibia", "code2"].item() == "NA"
    check_database(folder)


def test_bad_keys_are_listed_together(chinook):
    tables = dict(chinook.tables)
    invoices = tables["Invoice"].copy()
    invoices.loc[5, "CustomerId"] = 999  # no such customer
    tables["Invoice"] = invoices
    genres = tables["Genre"]
    tables["Genre"] = pd.concat([genres, genres.iloc[[0]]], ignore_index=True)  # repeated key
    schema = RelationalSchema(
        tuple(t if t.name != "Artist" else type(t)(t.name, t.columns, ()) for t in chinook.schema.tables),
        tuple(dataclasses.replace(k, dangling="error") for k in chinook.schema.foreign_keys),
    )
    with pytest.raises(DataError) as caught:
        check_database(Database(schema, tables, "edited chinook"))
    message = str(caught.value)
    assert "Invoice(CustomerId) → Customer(CustomerId): 1 row(s) refer to missing parents, e.g. 999 (rows 5)" in message
    assert "table 'Artist' has no primary key" in message
    assert "table 'Genre': primary key ['GenreId'] repeats (rows 25)" in message


def test_inconsistent_schemas_are_refused():
    with pytest.raises(SchemaError, match="unknown table"):
        RelationalSchema((), (ForeignKey("a", ("x",), "b", ("y",)),))


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("postgresql+psycopg://nobody@127.0.0.1:1/none", "Cannot reach|driver"),
        ("notadialect://host/db", "Not a usable database URL"),
        ("sqlite:////no/such/folder/x.db", "does not exist"),
    ],
)
def test_unreachable_databases_are_clear_errors(url, message):
    with pytest.raises(SourceError, match=message):
        read_database(url)


@pytest.mark.parametrize(
    ("url", "advice"),
    [
        ("mysql+mysqldb://root@127.0.0.1:3306/test", 'mysql+pymysql://… and pip install "datatwin[mysql]"'),
        (
            "postgresql+psycopg2://postgres@127.0.0.1:5432/test",
            'postgresql+psycopg://… and pip install "datatwin[postgres]"',
        ),
    ],
)
def test_a_missing_driver_names_the_extra_that_installs_one(url, advice):
    with pytest.raises(SourceError, match="is not installed") as caught:
        read_database(url)
    assert advice in str(caught.value)


def test_a_mariadb_server_is_read_through_the_mysql_extra():
    """PyMySQL (datatwin[mysql]) reaches the MariaDB server; its test database's tables, if any, are read."""
    import os

    import sqlalchemy as sa

    url = os.environ.get("DATATWIN_TEST_MYSQL", "mysql+pymysql://root@127.0.0.1:3306/test")
    engine = sa.create_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(sa.text("DROP TABLE IF EXISTS datatwin_probe"))
            connection.execute(sa.text("CREATE TABLE datatwin_probe (id INT PRIMARY KEY, label VARCHAR(20))"))
            connection.execute(sa.text("INSERT INTO datatwin_probe VALUES (1, 'a'), (2, 'b')"))
    except sa.exc.OperationalError as exc:
        if os.environ.get("CI"):
            pytest.fail(f"CI must reach MariaDB at {url}: {exc.orig}")
        pytest.skip(f"no MariaDB server at {url}")
    try:
        database = read_database(url)
        assert database.schema.table("datatwin_probe").primary_key == ("id",)
        assert sorted(database.tables["datatwin_probe"]["label"]) == ["a", "b"]
    finally:
        with engine.begin() as connection:
            connection.execute(sa.text("DROP TABLE IF EXISTS datatwin_probe"))
        engine.dispose()


def test_a_folder_export_with_an_empty_table_is_read(tmp_path):
    """A database export writes its empty tables as a header alone: read as tables without rows."""
    northwind = sqlite("northwind")
    for name, frame in northwind.tables.items():
        frame.to_csv(tmp_path / f"{name}.csv", index=False)
    folder = read_folder(tmp_path)
    assert len(folder.tables["CustomerDemographics"]) == 0
    assert list(folder.tables["CustomerDemographics"].columns) == ["CustomerTypeID", "CustomerDesc"]
    assert len(folder.tables["Order Details"]) == 2155
