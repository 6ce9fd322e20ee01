"""Database twins of exports that declare no keys: Chinook, Sakila and Northwind written as CSV
folders without a schema, with 5 % and 15 % of two references pointed at parents missing from the
export. Measures the keys found (precision and recall against the real declarations — Northwind's
documented relations, as it declares none — and primary keys found), then fits a twin of the
folder and reports time, peak memory, the dangling shares reproduced against the real ones,
referential integrity, children per parent and parent–child trends. SDV's metadata detection
(``Metadata.detect_from_dataframes``, keys by column names) is measured on the same folders.

Run from the repository root in an environment with the bench extra:
``python bench/undeclared_keys.py [--only chinook sakila northwind] [--max-time 120]``. Each case
and tool runs in its own process. Prints a table and writes ``bench/results/undeclared_keys.json``.
"""

from __future__ import annotations

import argparse
import multiprocessing
import resource
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from _isolated import run_each, write_table

import datatwin
from datatwin.io.database import Database
from datatwin.relational import discover_keys
from datatwin.schema.keys import dangling_references
from datatwin.schema.relational import ForeignKey, RelationalSchema, TableSchema

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "datasets"
CASES = ("chinook", "sakila", "northwind", "operations")
TOOLS = ("datatwin", "sdv-metadata")
DANGLING = {  # (child table, column) → share of its rows pointed at parents missing from the export
    "chinook": {("InvoiceLine", "TrackId"): 0.05, ("Invoice", "CustomerId"): 0.15},
    "sakila": {("rental", "inventory_id"): 0.05, ("payment", "customer_id"): 0.15},
    "northwind": {("Order Details", "ProductID"): 0.05, ("Orders", "CustomerID"): 0.15},
    "operations": {},  # generated with its own: 2 % of events' devices, 5 % of devices' stations
}
NORTHWIND_RELATIONS = (  # Northwind declares no key: its documented relations
    ("Orders", "CustomerID", "Customers", "CustomerID"),
    ("Orders", "EmployeeID", "Employees", "EmployeeID"),
    ("Orders", "ShipVia", "Shippers", "ShipperID"),
    ("Order Details", "OrderID", "Orders", "OrderID"),
    ("Order Details", "ProductID", "Products", "ProductID"),
    ("Products", "SupplierID", "Suppliers", "SupplierID"),
    ("Products", "CategoryID", "Categories", "CategoryID"),
    ("Employees", "ReportsTo", "Employees", "EmployeeID"),
    ("EmployeeTerritories", "EmployeeID", "Employees", "EmployeeID"),
    ("EmployeeTerritories", "TerritoryID", "Territories", "TerritoryID"),
    ("Territories", "RegionID", "Regions", "RegionID"),
    ("CustomerCustomerDemo", "CustomerID", "Customers", "CustomerID"),
    ("CustomerCustomerDemo", "CustomerTypeID", "CustomerDemographics", "CustomerTypeID"),
)


def operations(events: int, seed: int = 0) -> Database:
    """A generated 5-table operational database: 150 stations (text codes), their hourly readings
    over 30 days (a composite key: station, hour), 3,000 devices at stations, 400 operators, and
    ``events`` events, each by a device and an operator at a station's hour (a composite
    reference to the readings). 2 % of the events name devices missing from the export and 5 %
    of the devices stations missing from it. Events follow their device's model, their
    reading's level and their operator's shift."""
    rng = np.random.default_rng(seed)
    letters = np.array(list("ABCDEFGHJKLMNPRSTUVWXZ"))
    codes = sorted({"".join(rng.choice(letters, 4)) for _ in range(400)})[:150]
    stations = pd.DataFrame(
        {
            "code": codes,
            "region": rng.choice(["north", "south", "east", "west"], 150),
            "altitude": rng.integers(5, 2400, 150),
        }
    )
    hours = pd.date_range("2024-03-01", periods=720, freq="h")
    readings = pd.MultiIndex.from_product([codes, hours], names=["station", "hour"]).to_frame(index=False)
    daily = np.sin(2 * np.pi * readings["hour"].dt.hour.to_numpy() / 24)
    readings["level"] = np.round(np.maximum(rng.normal(50 + 20 * daily, 8), 0), 1)
    readings["temperature"] = np.round(rng.normal(12 + 6 * daily, 3), 1)
    devices = pd.DataFrame(
        {
            "device_id": rng.permutation(np.arange(10_000, 13_000)),
            "station": rng.choice(codes, 3000),
            "model": rng.choice(["S1", "S2", "X9"], 3000, p=[0.5, 0.3, 0.2]),
            "installed": pd.Timestamp("2018-01-01") + pd.to_timedelta(rng.integers(0, 2000, 3000), unit="D"),
        }
    )
    devices.loc[rng.random(3000) < 0.05, "station"] = "QQQQ"  # a closed station, not exported
    operators = pd.DataFrame({"operator_id": np.arange(1, 401), "shift": rng.choice(["day", "night"], 400)})
    device = rng.integers(0, 3000, events)
    at = rng.integers(0, 720, events)
    station = np.where(
        devices["station"].to_numpy()[device] == "QQQQ",
        rng.choice(codes, events),
        devices["station"].to_numpy()[device],
    )
    level = (
        readings.set_index(["station", "hour"])["level"]
        .reindex(pd.MultiIndex.from_arrays([station, hours[at]]))
        .to_numpy()
    )
    model = devices["model"].to_numpy()[device]
    events_frame = pd.DataFrame(
        {
            "event_id": np.arange(1, events + 1),
            "device_id": devices["device_id"].to_numpy()[device],
            "operator_id": rng.integers(1, 401, events),
            "station": station,
            "hour": hours[at],
            "kind": np.where(
                level > 60,
                rng.choice(["alarm", "warning"], events, p=[0.6, 0.4]),
                rng.choice(["check", "warning"], events, p=[0.8, 0.2]),
            ),
            "duration_s": np.round(rng.gamma(2, np.where(model == "X9", 30, 90)), 1),
        }
    )
    lost = rng.random(events) < 0.02
    events_frame.loc[lost, "device_id"] = 20_000 + rng.integers(0, 500, int(lost.sum()))  # devices not exported
    frames = {
        "stations": stations,
        "readings": readings,
        "devices": devices,
        "operators": operators,
        "events": events_frame,
    }
    keys = (
        ForeignKey("readings", ("station",), "stations", ("code",)),
        ForeignKey("devices", ("station",), "stations", ("code",)),
        ForeignKey("events", ("device_id",), "devices", ("device_id",)),
        ForeignKey("events", ("operator_id",), "operators", ("operator_id",)),
        ForeignKey("events", ("station", "hour"), "readings", ("station", "hour")),
    )
    primary = {
        "stations": ("code",),
        "readings": ("station", "hour"),
        "devices": ("device_id",),
        "operators": ("operator_id",),
        "events": ("event_id",),
    }
    tables = tuple(TableSchema(name, tuple(frame.columns), primary[name]) for name, frame in frames.items())
    return Database(RelationalSchema(tables, keys), frames, "operations")


def truth(case: str, events: int) -> Database:
    """The real database with its keys (Northwind's documented ones)."""
    if case == "operations":
        return operations(events)
    real = datatwin.read_database(f"sqlite:///{SHARED / case / f'{case}.sqlite'}")
    if case != "northwind":
        return real
    keys = tuple(ForeignKey(t, (c,), p, (pc,)) for t, c, p, pc in NORTHWIND_RELATIONS)
    return real.with_schema(RelationalSchema(real.schema.tables, keys))


def export(real: Database, case: str, folder: Path, seed: int = 0) -> dict[str, float]:
    """Write every table as a CSV file with no schema, after pointing the chosen references at
    missing parents; returns the real dangling share of every key that has some."""
    rng = np.random.default_rng(seed)
    tables = {name: frame.copy() for name, frame in real.tables.items()}
    for (table, column), share in DANGLING[case].items():
        key = next(k for k in real.schema.foreign_keys if k.table == table and k.columns == (column,))
        frame, parents = tables[table], real.tables[key.parent][key.parent_columns[0]]
        rows = rng.choice(len(frame), size=round(share * len(frame)), replace=False)
        ghosts = _ghosts(parents, max(1, len(rows) // 3), rng)
        values = frame[column].astype(object)
        values.iloc[rows] = ghosts[rng.integers(0, len(ghosts), len(rows))]
        frame[column] = values.infer_objects()
    for name, frame in tables.items():
        frame.to_csv(folder / f"{name}.csv", index=False)
    shares = {k.describe(): float(dangling_references(tables, k)[1].mean()) for k in real.schema.foreign_keys}
    return {key: share for key, share in shares.items() if share > 0}


def _ghosts(parents: pd.Series, count: int, rng: np.random.Generator) -> np.ndarray:
    """Keys of parents missing from the export: numbers beyond the largest, codes never used."""
    if pd.api.types.is_numeric_dtype(parents.dtype):
        return int(parents.max()) + 1 + rng.choice(10 * count, size=count, replace=False)
    return np.array([f"X{i:0{max(len(str(parents.iloc[0])) - 1, 1)}d}" for i in range(count)], dtype=object)


def key_scores(found: set[tuple], primary: dict[str, tuple], real: Database) -> dict:
    declared = {(k.table, k.columns, k.parent, k.parent_columns) for k in real.schema.foreign_keys}
    hits = len(found & declared)
    return {
        "fk_declared": len(declared),
        "fk_found": len(found),
        "fk_precision": round(hits / len(found), 3) if found else 0.0,
        "fk_recall": round(hits / len(declared), 3),
        "pk_found": f"{sum(primary.get(t.name) == t.primary_key for t in real.schema.tables)}/{len(real.tables)}",
    }


def measure(case: str, tool: str, max_time: float, events: int, queue: multiprocessing.Queue) -> None:
    real = truth(case, events)
    row: dict = {"case": case, "tool": tool}
    with tempfile.TemporaryDirectory() as folder:
        shares = export(real, case, Path(folder))
        started = time.perf_counter()
        if tool == "sdv-metadata":
            row |= _sdv_keys(Path(folder), real)
            row["keys_s"] = round(time.perf_counter() - started, 1)
            queue.put(row)
            return
        exported = datatwin.read_database(folder)
        found = discover_keys(exported)
        row["keys_s"] = round(time.perf_counter() - started, 1)
        keys = {(k.table, k.columns, k.parent, k.parent_columns) for k in found.schema.foreign_keys}
        row |= key_scores(keys, {t.name: t.primary_key for t in found.schema.tables}, real)
        started = time.perf_counter()
        twin = datatwin.fit_database(exported, seed=0, max_time=max_time)
        row["fit_s"] = round(time.perf_counter() - started, 1)
        synthetic = twin.sample(seed=1)
        row["peak_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
        report = datatwin.evaluate_database(exported, synthetic)
        if case == "operations":  # the big child table beside a table twin of it alone
            row |= _alone(exported, report, max_time)
    gaps = {m.subject: m for m in report.metrics if m.key == "dangling_share"}
    row["dangling_real"] = " / ".join(f"{shares[k]:.3f}" for k in shares)
    row["dangling_twin"] = " / ".join(f"{gaps[k].details['share']:.3f}" if k in gaps else "—" for k in shares)
    mean = lambda key: round(float(np.mean([m.value for m in report.measured if m.key == key])), 3)  # noqa: E731
    integrity = [m.value for m in report.measured if m.key == "referential_integrity"]
    row |= {
        "integrity": round(min(integrity), 4) if integrity else None,
        "column_shapes": mean("column_shapes"),
        "children_per_parent": mean("children_per_parent"),
        "parent_child_trends": mean("parent_child_trends"),
    }
    queue.put(row)


def _alone(exported: Database, report: datatwin.Report, max_time: float) -> dict:
    """Column shapes of the events' value columns: in the database twin, and from a table twin
    of those columns alone given the same budget."""
    events = exported.tables["events"][["kind", "duration_s"]]
    started = time.perf_counter()
    alone = datatwin.fit(events, seed=0, max_time=max_time)
    fit_s = time.perf_counter() - started
    schema = RelationalSchema((TableSchema("events", tuple(events.columns), ()),))
    pair = [Database(schema, {"events": frame}, "events") for frame in (events, alone.sample(len(events), seed=1))]
    shapes = datatwin.evaluate_database(*pair).metric("column_shapes", "events").value
    in_database = next(m.value for m in report.measured if m.key == "column_shapes" and m.subject == "events")
    return {
        "events_shapes": round(in_database, 3),
        "events_alone_shapes": round(shapes, 3),
        "alone_fit_s": round(fit_s, 1),
    }


def _sdv_keys(folder: Path, real: Database) -> dict:
    """SDV's own key detection on the same folder (primary keys, then foreign keys by names)."""
    from sdv.metadata import Metadata

    tables = {p.stem: pd.read_csv(p) for p in sorted(folder.glob("*.csv"))}
    metadata = Metadata.detect_from_dataframes(tables, infer_keys="primary_and_foreign").to_dict()
    primary = {}
    for name, table in metadata["tables"].items():
        key = table.get("primary_key")
        primary[name] = tuple(key) if isinstance(key, list) else ((key,) if key else ())
    found = {
        (r["child_table_name"], (r["child_foreign_key"],), r["parent_table_name"], (r["parent_primary_key"],))
        for r in metadata.get("relationships", [])
    }
    return key_scores(found, primary, real)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", nargs="+", choices=CASES, default=list(CASES))
    parser.add_argument("--tools", nargs="+", choices=TOOLS, default=list(TOOLS))
    parser.add_argument("--max-time", type=float, default=120.0, help="time budget of each whole fit, seconds")
    parser.add_argument("--events", type=int, default=500_000, help="rows of the operations case's child table")
    args = parser.parse_args()
    runs = [(case, tool, args.max_time, args.events) for case in args.only for tool in args.tools]
    write_table(run_each(measure, runs), "undeclared_keys")


if __name__ == "__main__":
    main()
