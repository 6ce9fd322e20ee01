"""Writing whole databases into SQLite files and real PostgreSQL and MariaDB servers, all or nothing."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from datatwin.errors import SourceError
from datatwin.io.database import Database, read_database
from datatwin.schema.relational import RelationalSchema
from tests.conftest import shared_path


def sqlite(name: str) -> Database:
    return read_database(f"sqlite:///{shared_path(f'{name}/{name}.sqlite')}")


def assert_same(copy: Database, source: Database) -> None:
    assert copy.schema == source.schema
    for name, frame in source.tables.items():
        assert len(copy.tables[name]) == len(frame), name


@pytest.mark.parametrize("name", ["chinook", "sakila", "world"])
def test_sqlite_round_trip_keeps_schema_keys_and_rows(name, tmp_path):
    source = sqlite(name)
    target = f"sqlite:///{tmp_path / 'copy.db'}"
    source.save(target)
    copy = read_database(target)
    assert_same(copy, source)
    if name == "chinook":
        pd.testing.assert_series_equal(copy.tables["Invoice"]["Total"], source.tables["Invoice"]["Total"])
        assert list(tmp_path.iterdir()) == [tmp_path / "copy.db"]  # no temporary file left behind


@pytest.mark.parametrize("name", ["chinook", "sakila", "world"])
def test_postgres_enforces_every_key_including_cycles(name, postgres_url):
    source = sqlite(name)
    source.save(postgres_url)
    copy = read_database(postgres_url)
    assert {k.describe() for k in copy.schema.foreign_keys} == {k.describe() for k in source.schema.foreign_keys}
    for table, frame in source.tables.items():
        assert len(copy.tables[table]) == len(frame), table


@pytest.mark.parametrize("name", ["world", "northwind"])
def test_mariadb_takes_text_and_composite_keys(name, mariadb_url):
    """MySQL indexes no unbounded TEXT: text key columns (World's country codes, Northwind's
    customer IDs and the composite keys over them) are written with a bounded length."""
    source = sqlite(name)
    source.save(mariadb_url)
    copy = read_database(mariadb_url)
    assert {t.name: t.primary_key for t in copy.schema.tables} == {t.name: t.primary_key for t in source.schema.tables}
    assert {k.describe() for k in copy.schema.foreign_keys} == {k.describe() for k in source.schema.foreign_keys}
    for table, frame in source.tables.items():
        assert len(copy.tables[table]) == len(frame), table
    codes = sorted(copy.tables["country" if name == "world" else "Customers"].iloc[:, 0])
    assert codes == sorted(source.tables["country" if name == "world" else "Customers"].iloc[:, 0])


def _dangling_city(world: Database) -> Database:
    """World with one city in no country, its key declared strict (dangling: error)."""
    cities = world.tables["city"].copy()
    cities.loc[0, "country_code"] = "XXX"  # refers to no country
    keys = tuple(
        dataclasses.replace(k, dangling="error") if k.table == "city" else k for k in world.schema.foreign_keys
    )
    return Database(RelationalSchema(world.schema.tables, keys), {**world.tables, "city": cities}, "broken world")


def test_a_target_with_data_is_refused_unless_replaced(tmp_path, postgres_url):
    chinook, world = sqlite("chinook"), sqlite("world")
    target = tmp_path / "full.db"
    world.save(f"sqlite:///{target}")
    before = target.read_bytes()
    with pytest.raises(SourceError, match=r"already holds data.*--replace"):
        chinook.save(f"sqlite:///{target}")
    assert target.read_bytes() == before
    chinook.save(f"sqlite:///{target}", replace=True)
    assert set(read_database(f"sqlite:///{target}").tables) == set(chinook.tables)

    world.save(postgres_url)
    with pytest.raises(SourceError, match="already holds data"):
        world.save(postgres_url)
    world.save(postgres_url, replace=True)
    assert len(read_database(postgres_url).tables["city"]) == 4079


def test_a_failed_write_leaves_the_target_as_it_was(tmp_path, postgres_url):
    world = sqlite("world")
    broken = _dangling_city(world)
    with pytest.raises(SourceError, match="nothing was written.*foreign key"):
        broken.save(postgres_url)
    with pytest.raises(SourceError, match="holds no tables"):
        read_database(postgres_url)
    genres = sqlite("chinook")
    doubled = pd.concat([genres.tables["Genre"], genres.tables["Genre"].iloc[[0]]], ignore_index=True)
    repeated = Database(genres.schema, {**genres.tables, "Genre": doubled}, "repeated key")
    with pytest.raises(SourceError, match="nothing was written.*UNIQUE"):
        repeated.save(f"sqlite:///{tmp_path / 'new.db'}")
    assert list(tmp_path.iterdir()) == []


def test_a_failed_write_to_mariadb_leaves_the_target_as_it_was(mariadb_url):
    """MariaDB commits CREATE/DROP TABLE at once, so new tables are built under other names and
    swapped in only once filled and keyed: a failed write, a failed replace included, leaves the
    target exactly as it was."""
    world = sqlite("world")
    broken = _dangling_city(world)
    with pytest.raises(SourceError, match="nothing was written.*foreign key"):
        broken.save(mariadb_url)
    with pytest.raises(SourceError, match="holds no tables"):
        read_database(mariadb_url)
    world.save(mariadb_url)
    with pytest.raises(SourceError, match="nothing was written.*foreign key"):
        broken.save(mariadb_url, replace=True)
    kept = read_database(mariadb_url)
    assert {name: len(rows) for name, rows in kept.tables.items()} == {
        name: len(rows) for name, rows in world.tables.items()
    }
    world.save(mariadb_url, replace=True)  # a replace that succeeds swaps the tables in
    assert {name: len(rows) for name, rows in read_database(mariadb_url).tables.items()} == {
        name: len(rows) for name, rows in world.tables.items()
    }
