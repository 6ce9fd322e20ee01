"""Test databases from a schema alone: keys, CHECKs and edge cases, checked by the servers."""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

import datatwin
from datatwin.cli.main import app
from datatwin.errors import ConfigError, SourceError
from tests.conftest import shared_path

pytest.importorskip("sqlglot")

SHOP = """
CREATE TABLE customer (
  customer_id INTEGER PRIMARY KEY,
  email VARCHAR(120) NOT NULL UNIQUE,
  first_name VARCHAR(40) NOT NULL,
  city VARCHAR(60),
  status VARCHAR(10) NOT NULL CHECK (status IN ('active', 'closed')),
  credit NUMERIC(10, 2) CHECK (credit >= 0),
  joined DATE NOT NULL,
  left_at DATE,
  CHECK (left_at IS NULL OR left_at > joined)
);
CREATE TABLE orders (
  order_id BIGINT PRIMARY KEY,
  customer_id INTEGER NOT NULL REFERENCES customer (customer_id),
  placed_at TIMESTAMP NOT NULL,
  total DECIMAL(12, 2) NOT NULL CHECK (total > 0 AND total < 100000),
  note TEXT
);
CREATE TABLE order_line (
  order_id BIGINT NOT NULL,
  line_no INT NOT NULL,
  sku CHAR(8) NOT NULL CHECK (sku <> ''),
  quantity SMALLINT NOT NULL CHECK (quantity BETWEEN 1 AND 50),
  PRIMARY KEY (order_id, line_no),
  CONSTRAINT line_order FOREIGN KEY (order_id) REFERENCES orders (order_id)
);
CREATE TABLE employee (
  employee_id INTEGER PRIMARY KEY,
  name VARCHAR(80) NOT NULL,
  manager_id INTEGER REFERENCES employee (employee_id)
);
"""


@pytest.fixture
def shop(tmp_path) -> Path:
    path = tmp_path / "shop.sql"
    path.write_text(SHOP)
    return path


def frames(url: str) -> dict[str, pd.DataFrame]:
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        tables = {n: pd.read_sql_table(n, connection) for n in sa.inspect(connection).get_table_names()}
    engine.dispose()
    return tables


def held(tables: dict[str, pd.DataFrame]) -> None:
    """The shop's keys and CHECKs, checked again with pandas."""
    customer, orders, lines, staff = (tables[n] for n in ("customer", "orders", "order_line", "employee"))
    assert customer["customer_id"].is_unique and customer["email"].is_unique
    assert set(customer["status"]) <= {"active", "closed"} and (customer["credit"].dropna() >= 0).all()
    left = customer["left_at"].notna()
    assert (pd.to_datetime(customer.loc[left, "left_at"]) > pd.to_datetime(customer.loc[left, "joined"])).all()
    assert orders["customer_id"].isin(customer["customer_id"]).all()
    assert ((orders["total"] > 0) & (orders["total"] < 100_000)).all()
    assert lines["order_id"].isin(orders["order_id"]).all() and not lines.duplicated(["order_id", "line_no"]).any()
    assert lines["quantity"].between(1, 50).all() and (lines["sku"] != "").all()
    assert (lines.groupby("order_id")["line_no"].min() == 1).all()  # lines numbered within their order
    managed = staff["manager_id"].dropna()
    assert managed.isin(staff["employee_id"]).all() and (managed < staff.loc[managed.index, "employee_id"]).all()


def test_a_ddl_script_becomes_a_sqlite_database_that_keeps_every_rule(shop, tmp_path):
    url = f"sqlite:///{tmp_path / 'shop.db'}"
    counts = datatwin.generate(shop, url, rows=800, sizes={"order_line": 2500}, seed=3)
    assert counts == {"customer": 800, "orders": 800, "order_line": 2500, "employee": 800}
    tables = frames(url)
    held(tables)
    assert tables["customer"]["email"].str.fullmatch(r"[^@\s]+@[^@\s]+\.\w+").all()
    assert tables["customer"]["first_name"].str.len().le(40).all() and tables["customer"]["city"].notna().mean() > 0.9


def test_same_seed_same_bytes(shop, tmp_path):
    digests = []
    for name in ("a", "b"):
        datatwin.generate(shop, tmp_path / name, rows=300, seed=5)
        digests.append(
            {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted((tmp_path / name).iterdir())}
        )
    assert digests[0] == digests[1] and set(digests[0]) >= {"customer.csv", "order_line.csv", "schema.json"}
    datatwin.generate(shop, tmp_path / "c", rows=300, seed=6)
    assert (tmp_path / "c" / "customer.csv").read_bytes() != (tmp_path / "a" / "customer.csv").read_bytes()


@pytest.mark.parametrize("server", ["postgres_url", "mariadb_url"])
def test_servers_check_every_key_and_check_with_edge_cases(shop, server, request):
    url = request.getfixturevalue(server)
    counts = datatwin.generate(shop, url, rows=600, seed=1, edge_cases=0.2)
    assert counts["order_line"] == 600
    tables = frames(url)
    held(tables)
    notes = tables["orders"]["note"]
    assert (notes == "").any() and notes.isna().any() and notes.str.contains("😀", na=False).any()
    datatwin.generate(shop, url, rows=100, seed=2, replace=True)
    assert len(frames(url)["customer"]) == 100


def test_tables_left_by_a_write_cut_short_do_not_stop_the_next(shop, mariadb_url):
    engine = sa.create_engine(mariadb_url)
    with engine.begin() as connection:  # a half-built table whose key points at a table already gone
        connection.exec_driver_sql("SET FOREIGN_KEY_CHECKS = 0")
        connection.exec_driver_sql(
            "CREATE TABLE orders__datatwin_new (id BIGINT PRIMARY KEY, customer_id BIGINT, "
            "FOREIGN KEY (customer_id) REFERENCES customer__datatwin_gone (id))"
        )
        connection.exec_driver_sql("SET FOREIGN_KEY_CHECKS = 1")
    counts = datatwin.generate(shop, mariadb_url, rows=200, seed=1)
    assert counts["order_line"] == 200
    left = [n for n in sa.inspect(engine).get_table_names() if n.endswith("__datatwin_new")]
    engine.dispose()
    assert left == []


def test_a_json_spec_states_rules_across_columns_and_every_row_keeps_them(tmp_path):
    spec = {
        "format": "datatwin.testdata",
        "tables": [
            {
                "name": "booking",
                "rows": 3_000,
                "columns": [
                    {"name": "id", "type": "integer", "primary_key": True},
                    {"name": "booked_at", "type": "date", "not_null": True},
                    {"name": "check_in", "type": "date", "not_null": True},
                    {"name": "check_out", "type": "date", "not_null": True},
                    {"name": "nights", "type": "integer", "minimum": 1, "maximum": 14, "not_null": True},
                    {"name": "rate", "type": "decimal", "scale": 2, "minimum": 40, "maximum": 400, "not_null": True},
                    {"name": "total", "type": "decimal", "scale": 2},
                    {"name": "status", "type": "text", "generator": {"categories": {"confirmed": 8, "cancelled": 2}}},
                    {"name": "cancelled_at", "type": "date"},
                    {"name": "reference", "type": "text"},
                ],
                "rules": [
                    {"type": "order", "columns": ["booked_at", "check_in"], "strict": True},
                    {"type": "difference", "column": "check_out", "base": "check_in", "minimum": 1, "maximum": 14},
                    {"type": "formula", "column": "total", "expression": "nights * rate"},
                    {"type": "conditional", "when": "status == 'confirmed'", "then": "cancelled_at == None"},
                    {"type": "format", "column": "reference", "pattern": "BK-[0-9]{6}"},
                ],
            }
        ],
    }
    (tmp_path / "spec.json").write_text(json.dumps(spec))
    datatwin.generate(tmp_path / "spec.json", tmp_path / "out", seed=0, edge_cases=0.05)
    rows = pd.read_csv(tmp_path / "out" / "booking.csv", parse_dates=["booked_at", "check_in", "check_out"])
    assert len(rows) == 3_000
    assert (rows["booked_at"] < rows["check_in"]).all()
    nights = (rows["check_out"] - rows["check_in"]).dt.days
    assert nights.between(1, 14).all()
    assert np.allclose(rows["total"], (rows["nights"] * rows["rate"]).round(2), atol=0.0051)
    assert rows.loc[rows["status"] == "confirmed", "cancelled_at"].isna().all()
    assert rows["reference"].str.fullmatch(r"BK-[0-9]{6}").all()
    spec["tables"][0]["rules"] = [{"type": "combination", "columns": ["status", "reference"]}]
    (tmp_path / "bad.json").write_text(json.dumps(spec))
    with pytest.raises(ConfigError, match=re.escape("a combination rule needs real data")):
        datatwin.generate(tmp_path / "bad.json", tmp_path / "bad", seed=0)


def test_rules_across_tables_hold_in_test_data(tmp_path):
    spec = {
        "format": "datatwin.testdata",
        "tables": [
            {
                "name": "invoice",
                "rows": 500,
                "columns": [
                    {"name": "id", "type": "integer", "primary_key": True},
                    {"name": "issued_at", "type": "timestamp", "not_null": True},
                    {"name": "total", "type": "decimal", "scale": 2},
                ],
            },
            {
                "name": "line",
                "columns": [
                    {"name": "id", "type": "integer", "primary_key": True},
                    {"name": "invoice_id", "type": "integer", "not_null": True},
                    {"name": "quantity", "type": "integer", "minimum": 1, "maximum": 5, "not_null": True},
                    {"name": "unit_price", "type": "decimal", "scale": 2, "minimum": 1, "maximum": 50},
                    {"name": "shipped_at", "type": "timestamp"},
                ],
                "foreign_keys": [
                    {
                        "columns": ["invoice_id"],
                        "parent": "invoice",
                        "parent_columns": ["id"],
                        "children_per_parent": [0, 4],
                    }
                ],
            },
        ],
        "rules": [
            {
                "type": "child_sum",
                "table": "invoice",
                "column": "total",
                "child": "line",
                "expression": "quantity * unit_price",
            },
            {
                "type": "after_parent",
                "table": "line",
                "column": "shipped_at",
                "parent_column": "issued_at",
                "strict": True,
            },
        ],
    }
    (tmp_path / "spec.json").write_text(json.dumps(spec))
    url = f"sqlite:///{tmp_path / 'shop.db'}"
    datatwin.generate(tmp_path / "spec.json", url, seed=0, edge_cases=0.05)
    tables = frames(url)
    invoice, line = tables["invoice"], tables["line"]
    sums = (line["quantity"] * line["unit_price"].fillna(0)).groupby(line["invoice_id"]).sum()
    expected = invoice["id"].map(sums).fillna(0).round(2)
    assert np.allclose(invoice["total"].astype(float), expected, atol=0.0051) and (expected == 0).any()
    joined = line.merge(invoice, left_on="invoice_id", right_on="id")
    shipped = joined["shipped_at"].notna()
    assert shipped.sum() > 0 and len(joined) == len(line)
    issued, sent = pd.to_datetime(joined.loc[shipped, "issued_at"]), pd.to_datetime(joined.loc[shipped, "shipped_at"])
    assert (sent > issued).all()
    spec["rules"] = [{"type": "child_sum", "table": "invoice", "column": "total", "child": "line", "expression": "qty"}]
    (tmp_path / "bad.json").write_text(json.dumps(spec))
    with pytest.raises(ConfigError, match=re.escape("names unknown column(s) ['qty']")):
        datatwin.generate(tmp_path / "bad.json", tmp_path / "bad", seed=0)


@pytest.mark.parametrize("name", ["chinook", "sakila", "northwind", "world"])
def test_the_shared_databases_ddl_makes_test_databases(name, tmp_path):
    source = sqlite3.connect(shared_path(f"{name}/{name}.sqlite"))
    ddl = ";\n".join(
        sql
        for (sql,) in source.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    )
    (tmp_path / "schema.sql").write_text(ddl + ";")
    url = f"sqlite:///{tmp_path / 'test.db'}"
    counts = datatwin.generate(tmp_path / "schema.sql", url, rows=400, dialect="sqlite", edge_cases=0.05, seed=0)
    assert set(counts) == {
        r[0] for r in source.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    }
    with sqlite3.connect(tmp_path / "test.db") as made:
        assert made.execute("PRAGMA foreign_key_check").fetchall() == []
        assert made.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_a_json_spec_says_how_each_column_is_drawn(tmp_path):
    spec = {
        "format": "datatwin.testdata",
        "locale": "fr_FR",
        "tables": [
            {
                "name": "client",
                "rows": 200,
                "columns": [
                    {"name": "id", "type": "integer", "primary_key": True},
                    {"name": "email", "type": "text", "unique": True, "not_null": True},
                    {"name": "ville", "type": "text", "generator": {"faker": "city"}},
                    {"name": "tier", "type": "text", "generator": {"categories": {"gold": 1, "silver": 9}}},
                    {"name": "code", "type": "text", "generator": {"pattern": "[A-Z]{3}-\\d{4}"}},
                    {"name": "score", "type": "float", "generator": {"distribution": "normal", "mean": 50, "sd": 5}},
                ],
            },
            {
                "name": "visit",
                "columns": [
                    {"name": "id", "type": "integer", "primary_key": True},
                    {"name": "client_id", "type": "integer", "not_null": True},
                ],
                "foreign_keys": [
                    {
                        "columns": ["client_id"],
                        "parent": "client",
                        "parent_columns": ["id"],
                        "children_per_parent": [2, 4],
                    }
                ],
            },
        ],
    }
    (tmp_path / "spec.json").write_text(json.dumps(spec))
    counts = datatwin.generate(tmp_path / "spec.json", tmp_path / "out", seed=0)
    client, visit = (pd.read_csv(tmp_path / "out" / f"{n}.csv") for n in ("client", "visit"))
    assert counts["client"] == 200 and 400 <= counts["visit"] <= 800
    assert visit.groupby("client_id").size().between(2, 4).all() and visit["client_id"].nunique() == 200
    assert client["email"].is_unique and client["code"].dropna().str.fullmatch(r"[A-Z]{3}-\d{4}").all()
    assert (client["tier"] == "silver").mean() > 0.8 and abs(client["score"].mean() - 50) < 2


@pytest.mark.parametrize(
    "ddl, options, message",
    [
        ("CREATE TABLE t (a INT, CHECK (a * 2 > b));", {}, "CHECK (a * 2 > b) on table 't' cannot be held"),
        ("CREATE TABLE t (a CHAR(1) UNIQUE);", {"rows": 100}, "can take only 36 distinct values"),
        ("CREATE TABLE t (a INT REFERENCES nowhere (id));", {}, "references unknown table 'nowhere'"),
        ("CREATE TABLE t (a INT);", {"sizes": {"u": 5}}, "--size names unknown table(s) ['u']"),
        ("CREATE TABLE (a INT", {}, "does not parse at line 1"),
        ("CREATE VIEW v AS SELECT 1;", {}, "holds no CREATE TABLE statement"),
    ],
)
def test_a_spec_that_cannot_be_made_gets_one_clear_line(tmp_path, ddl, options, message):
    (tmp_path / "bad.sql").write_text(ddl)
    with pytest.raises(ConfigError, match=re.escape(message)):
        datatwin.generate(tmp_path / "bad.sql", f"sqlite:///{tmp_path / 'x.db'}", **options)
    assert not (tmp_path / "x.db").exists()


def test_a_target_with_data_is_kept_unless_replaced(shop, tmp_path):
    url = f"sqlite:///{tmp_path / 'shop.db'}"
    datatwin.generate(shop, url, rows=50)
    with pytest.raises(SourceError, match="already holds data"):
        datatwin.generate(shop, url, rows=60)
    assert len(frames(url)["customer"]) == 50


def test_cli_generates_and_reports_rows(shop, tmp_path):
    result = CliRunner().invoke(
        app,
        [
            "generate",
            str(shop),
            "-o",
            str(tmp_path / "out"),
            "--rows",
            "120",
            "--size",
            "orders=300",
            "--format",
            "parquet",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "orders" in result.output and "300" in result.output
    orders = pd.read_parquet(tmp_path / "out" / "orders.parquet")
    assert len(orders) == 300 and orders["note"].isna().any() and not (orders["note"] == "None").any()
    result = CliRunner().invoke(app, ["generate", str(shop), "-o", str(tmp_path / "x"), "--size", "orders"])
    assert result.exit_code == 1 and "must look like TABLE=N" in result.output
