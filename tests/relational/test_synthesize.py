"""Database twins, first version: every key resolves, sizes follow the real ones, no person is copied."""

from __future__ import annotations

import pytest

from datatwin.relational import check_database, fit_database, read_database
from datatwin.relational.writer import write_database
from tests.conftest import shared_path


@pytest.fixture(scope="module")
def chinook():
    return read_database(f"sqlite:///{shared_path('chinook/chinook.sqlite')}")


@pytest.fixture(scope="module")
def chinook_twin(chinook):
    return fit_database(chinook, seed=0, max_time=3)


def test_chinook_twin_keeps_keys_sizes_and_no_real_people(chinook, chinook_twin, tmp_path):
    synthetic = chinook_twin.sample(seed=1)
    check_database(synthetic)  # every foreign key resolves, primary keys unique
    for name, real in chinook.tables.items():
        assert len(synthetic.tables[name]) == len(real), name
    real, fake = chinook.tables["Customer"], synthetic.tables["Customer"]
    assert not fake["Email"].isin(set(real["Email"])).any()
    assert not (fake["FirstName"] + " " + fake["LastName"]).isin(set(real["FirstName"] + " " + real["LastName"])).any()
    assert not fake["Phone"].dropna().isin(set(real["Phone"].dropna())).any()
    target = f"sqlite:///{tmp_path / 'synthetic.db'}"
    write_database(synthetic, target)
    assert read_database(target).schema == chinook.schema


def test_scale_grows_every_table_and_children_follow_parents(chinook_twin):
    doubled = chinook_twin.sample(scale=2.0, seed=2)
    check_database(doubled)
    assert len(doubled.tables["Invoice"]) == 2 * 412 and len(doubled.tables["InvoiceLine"]) == 2 * 2240
    same = chinook_twin.sample(scale=2.0, seed=2)
    assert all(same.tables[n].equals(t) for n, t in doubled.tables.items())  # seeded


def test_world_cycle_and_composite_key():
    world = read_database(f"sqlite:///{shared_path('world/world.sqlite')}")
    synthetic = fit_database(world, seed=0, max_time=3).sample(seed=0)
    check_database(synthetic)
    assert len(synthetic.tables["city"]) == 4079 and synthetic.tables["countrylanguage"]["language"].notna().all()
    assert not synthetic.tables["country"]["code"].isin(set(world.tables["country"]["code"])).all()
