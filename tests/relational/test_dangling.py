"""References to parents missing from the data: kept in their share, emptied, dropped or refused."""

from __future__ import annotations

import dataclasses
import time

import pandas as pd
import pytest

import datatwin
from datatwin.errors import DataError, SchemaError
from datatwin.io.database import Database, read_database
from datatwin.relational import check_database, discover_keys
from datatwin.schema.relational import RelationalSchema
from tests.relational.operations import operations

ROUTE_TO = "routes(to) → stations(code)"


@pytest.fixture(scope="module")
def real() -> Database:
    return discover_keys(operations())


def with_policy(database: Database, policy: str) -> Database:
    keys = tuple(
        dataclasses.replace(k, dangling=policy) if k.describe() == ROUTE_TO else k for k in database.schema.foreign_keys
    )
    return database.with_schema(RelationalSchema(database.schema.tables, keys))


def dangling_share(database: Database) -> float:
    routes, stations = database.tables["routes"], database.tables["stations"]
    filled = routes["to"].dropna()
    return float((~filled.isin(stations["code"])).mean())


def test_kept_references_dangle_in_the_real_share_under_new_keys(real, tmp_path, postgres_url):
    real_share = dangling_share(real)
    assert 0.02 < real_share < 0.1
    twin = datatwin.fit_database(real, seed=0, max_time=3)
    assert twin.fitted.lineage["dangling"][ROUTE_TO]["policy"] == "keep"
    synthetic = twin.sample(seed=1)
    assert abs(dangling_share(synthetic) - real_share) <= 0.01
    grid = synthetic.tables["readings"].groupby("station").size()  # every station's 48 hours, none repeated
    assert len(grid) == 40 and (grid == 48).all()
    routes = synthetic.tables["routes"]
    unknown = set(routes["to"][~routes["to"].isin(synthetic.tables["stations"]["code"])])
    assert unknown and not unknown & set(real.tables["routes"]["to"])  # new keys, not the real missing ones
    assert all(len(code) == 3 and code.isalpha() and code.isupper() for code in unknown)  # the keys' format
    report = datatwin.evaluate_database(operations(), synthetic)
    gap = next(m for m in report.metrics if m.key == "dangling_share")
    assert gap.subject == ROUTE_TO and gap.status.value == "pass" and gap.details["real_share"] == real_share
    assert all(m.value == 1.0 for m in report.metrics if m.key == "referential_integrity")
    for target in (f"sqlite:///{tmp_path / 'twin.db'}", postgres_url):  # the dangling key gets no constraint
        synthetic.save(target)
        assert abs(dangling_share(read_database(target)) - real_share) <= 0.01
    again = twin.sample(seed=1)
    assert again.tables["routes"].equals(routes)  # same seed, same rows


def test_null_and_drop_policies_and_an_error_that_says_how_out(real):
    emptied = datatwin.fit_database(with_policy(real, "null"), seed=0, max_time=2).sample(seed=1)
    assert dangling_share(emptied) == 0 and emptied.tables["routes"]["to"].isna().any()
    dropped = datatwin.fit_database(with_policy(real, "drop"), seed=0, max_time=2)
    gone = dropped.fitted.lineage["dangling"][ROUTE_TO]
    assert gone["policy"] == "drop" and gone["rows"] == round(dangling_share(real) * 300)
    assert dangling_share(dropped.sample(seed=1)) == 0
    with pytest.raises(
        DataError,
        match=r"routes\(to\) → stations\(code\): \d+ row\(s\) refer to missing parents, "
        r"e.g. 'Z\w\w'.*\"dangling\" policy",
    ):
        datatwin.fit_database(with_policy(real, "error"), seed=0, max_time=2)


def test_policies_are_checked_when_the_schema_is_read(real):
    document = real.schema.to_dict()
    document["foreign_keys"][0]["dangling"] = "ignore"
    with pytest.raises(SchemaError, match="dangling must be one of"):
        RelationalSchema.from_dict(document)
    document["foreign_keys"][0]["dangling"] = "keep"
    assert RelationalSchema.from_dict(document) == real.schema  # evidence and policy round-trip


def test_every_table_is_checked_before_any_learning(real):
    """A repeated key in one table and a table that cannot be learnt in another are reported
    together, before the first model trains."""
    tables = dict(real.tables)
    tables["stations"] = pd.concat([tables["stations"], tables["stations"].iloc[[0]]], ignore_index=True)
    alerts = tables["alerts"].copy()
    alerts.columns = ["alert_id", "station", "hour", "severity", "severity"]  # one name twice
    tables["alerts"] = alerts
    broken = Database(real.schema, tables, "broken operations")
    started = time.perf_counter()
    with pytest.raises(DataError) as caught:
        datatwin.fit_database(broken, seed=0, max_time=60, detect_keys=False)
    assert time.perf_counter() - started < 10
    message = str(caught.value)
    assert "table 'stations': primary key ['code'] repeats (rows 40)" in message
    assert "table 'alerts': The table names column(s) ['severity'] more than once" in message


def test_a_composite_reference_to_a_missing_parent_is_shown_as_its_values(real):
    """The error names a composite key's value as a tuple, not as the internal key text."""
    alerts = real.tables["alerts"].copy()
    alerts.loc[0, "hour"] = "1999-01-01 00:00"  # no such reading
    keys = tuple(dataclasses.replace(k, dangling="error") for k in real.schema.foreign_keys)
    broken = Database(RelationalSchema(real.schema.tables, keys), {**real.tables, "alerts": alerts}, "broken")
    with pytest.raises(DataError) as caught:
        check_database(broken)
    station = alerts.loc[0, "station"]
    assert f"e.g. ('{station}', '1999-01-01 00:00') (rows 0)" in str(caught.value)
    assert "\x1f" not in str(caught.value)
