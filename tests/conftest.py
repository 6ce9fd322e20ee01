"""Shared fixtures: the shared real datasets (skipped when absent), a realistic people table and a
fresh PostgreSQL database per test (skipped without a server, except in CI)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from datatwin.io import read_table

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "datasets"


def shared_path(relative: str) -> Path:
    """Path of a shared dataset file; skips the test when the shared folder is absent."""
    path = SHARED / relative
    if not path.exists():
        pytest.skip(f"shared dataset {relative} not available")
    return path


@pytest.fixture(scope="session")
def adult() -> pd.DataFrame:
    """The Adult census table as datatwin reads it."""
    return read_table(shared_path("adult/adult.csv.gz")).data


@pytest.fixture(scope="session")
def titanic() -> pd.DataFrame:
    """The Titanic passenger list as datatwin reads it."""
    return read_table(shared_path("titanic/titanic.csv.gz")).data


@pytest.fixture
def people() -> pd.DataFrame:
    """A realistic customer table with every column kind, missing values and rare labels."""
    rng = np.random.default_rng(7)
    n = 400
    first = ["Anna", "Ben", "Carla", "Dmitri", "Eva", "Farid", "Greta", "Hugo", "Ines", "Jonas"]
    last = ["Meyer", "Okafor", "Silva", "Tanaka", "Novak", "Berg", "Rossi", "Kowalski"]
    names = [f"{rng.choice(first)} {rng.choice(last)} {i}" for i in range(n)]
    city = rng.choice(["Berlin", "Lisbon", "Osaka", "Lagos"], size=n, p=[0.4, 0.3, 0.2, 0.1]).astype(object)
    city[:3] = ["Reykjavik", "Ushuaia", "Nuuk"]  # one-off labels that must never leak
    age = rng.integers(18, 90, size=n).astype(float)
    age[rng.random(n) < 0.1] = np.nan
    words = [
        "late",
        "delivery",
        "great",
        "service",
        "refund",
        "asked",
        "for",
        "the",
        "item",
        "again",
    ]
    notes = [" ".join(rng.choice(words, size=rng.integers(3, 9))) for _ in range(n)]
    return pd.DataFrame(
        {
            "customer_id": [f"C{100000 + i}" for i in range(n)],
            "name": names,
            "email": [f"user{i}@mail{i % 7}.example.com" for i in range(n)],
            "phone": [f"+49 30 {rng.integers(1000000, 9999999)}" for _ in range(n)],
            "age": age,
            "income": np.round(rng.lognormal(10, 0.5, size=n), 2),
            "city": city,
            "member": rng.choice(["yes", "no"], size=n),
            "signup": pd.date_range("2020-01-01", periods=n, freq="37h").strftime("%d/%m/%Y %H:%M"),
            "last_seen": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 10**6, size=n), unit="s"),
            "notes": notes,
        }
    )


@pytest.fixture(autouse=True, scope="session")
def _one_thread_per_worker():
    """pytest-xdist runs one worker per core: more torch or OpenMP threads would only fight over
    them (two workers' spinning OpenMP pools made scikit-learn's boosting ~40× slower)."""
    import os

    if os.environ.get("PYTEST_XDIST_WORKER"):
        import torch
        from threadpoolctl import threadpool_limits

        torch.set_num_threads(1)
        with threadpool_limits(limits=1):
            yield
    else:
        yield


SERVERS = {
    "PostgreSQL": os.environ.get("DATATWIN_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test"),
    "MariaDB": os.environ.get("DATATWIN_TEST_MYSQL", "mysql+pymysql://root@127.0.0.1:3306/test"),
}


def _fresh_database(server: str) -> Iterator[str]:
    """A new, empty database on ``server`` for one test (dropped after it); skipped when no
    server answers, except under CI, where the servers must run."""
    url = SERVERS[server]
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    name = f"datatwin_test_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as connection:
            connection.execute(sa.text(f"CREATE DATABASE {name}"))
    except sa.exc.OperationalError as exc:
        admin.dispose()
        if os.environ.get("CI"):
            pytest.fail(f"CI must reach {server} at {url}: {exc.orig}")
        pytest.skip(f"no {server} server at {url}")
    force = " WITH (FORCE)" if server == "PostgreSQL" else ""
    try:
        yield sa.engine.make_url(url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f"DROP DATABASE IF EXISTS {name}{force}"))
        admin.dispose()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    yield from _fresh_database("PostgreSQL")


@pytest.fixture
def mariadb_url() -> Iterator[str]:
    yield from _fresh_database("MariaDB")
