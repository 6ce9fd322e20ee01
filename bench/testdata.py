"""Test databases from DDL alone: rows a minute, peak memory, and the constraints the servers checked.

The DDL of Chinook, Sakila and Northwind is dumped from the shared SQLite files and made into
SQLite, PostgreSQL and MariaDB databases of about 10k and 1M rows in all (``--big`` adds 10M,
SQLite only), the rows spread evenly over the tables; 2 % of cells are edge cases. Each run is a
process of its own (its peak memory). The servers enforce NOT NULL, UNIQUE and CHECK on every
insert and the foreign keys when they are added (PostgreSQL, MariaDB) or checked
(``PRAGMA foreign_key_check``, SQLite) after the rows: a run that finishes is a database in
which every declared constraint holds, and the table says how many of each kind there were.

Run from the repository root: ``python bench/testdata.py [--big] [--targets sqlite postgres mariadb]``.
Prints a table and writes ``bench/results/testdata.json``.
"""

from __future__ import annotations

import argparse
import os
import resource
import sqlite3
import tempfile
import time
from pathlib import Path

from _isolated import run_each, write_table

import datatwin
from datatwin.testdata import read_spec

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "datasets"
DATABASES = ("chinook", "sakila", "northwind")
SERVERS = {
    "postgres": os.environ.get("DATATWIN_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test"),
    "mariadb": os.environ.get("DATATWIN_TEST_MYSQL", "mysql+pymysql://root@127.0.0.1:3306/test"),
}


def ddl_of(name: str, folder: Path) -> Path:
    with sqlite3.connect(SHARED / name / f"{name}.sqlite") as source:
        statements = source.execute(
            "SELECT sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        ).fetchall()
    path = folder / f"{name}.sql"
    path.write_text(";\n".join(sql for (sql,) in statements) + ";\n")
    return path


def measure(name: str, target: str, total: int, queue) -> None:
    with tempfile.TemporaryDirectory() as folder:
        ddl = ddl_of(name, Path(folder))
        spec = read_spec(ddl, "sqlite")
        rows = max(1, total // len(spec.tables))
        url = f"sqlite:///{Path(folder) / 'test.db'}" if target == "sqlite" else SERVERS[target]
        began = time.perf_counter()
        counts = datatwin.generate(spec, url, rows=rows, seed=0, edge_cases=0.02, replace=True)
        seconds = time.perf_counter() - began
    written = sum(counts.values())
    queue.put(
        {
            "database": name,
            "target": target,
            "rows": written,
            "seconds": round(seconds, 1),
            "rows/min": round(written / seconds * 60),
            "peak MB": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            "NOT NULL": sum(c.not_null for t in spec.tables for c in t.columns),
            "keys + UNIQUE": sum(bool(t.primary_key) + len(t.unique) for t in spec.tables),
            "CHECK": sum(len(t.checks) for t in spec.tables),
            "foreign keys": sum(len(t.foreign_keys) for t in spec.tables),
            "held": "all (server-checked)",
        }
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--big", action="store_true", help="also 10M rows into SQLite")
    parser.add_argument("--targets", nargs="*", default=["sqlite", "postgres", "mariadb"])
    args = parser.parse_args()
    runs = [(name, target, total) for total in (10_000, 1_000_000) for target in args.targets for name in DATABASES]
    if args.big:
        runs += [(name, "sqlite", 10_000_000) for name in DATABASES]
    write_table(run_each(measure, runs), "testdata")


if __name__ == "__main__":
    main()
