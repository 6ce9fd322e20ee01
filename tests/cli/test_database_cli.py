"""`datatwin` on whole databases: fit from a URL, sample into SQLite, PostgreSQL and folders,
inspect keys, evaluate, and one readable line for each bad input — the target left untouched."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

import datatwin
from datatwin.cli import app
from datatwin.io.database import read_database
from datatwin.relational import check_database
from tests.conftest import shared_path

runner = CliRunner()


def world() -> str:
    return f"sqlite:///{shared_path('world/world.sqlite')}"


def invoke(*args: object):
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture(scope="module")
def world_twin(tmp_path_factory):
    path = tmp_path_factory.mktemp("db") / "world.twin"
    result = invoke("fit", world(), "-o", path, "--max-time", "2")
    assert result.exit_code == 0, result.output
    assert "Fitted 3 tables" in result.output
    return path


def test_sample_into_sqlite_scaled_and_refuse_a_full_target(world_twin, tmp_path):
    target = tmp_path / "small.db"
    result = invoke("sample", world_twin, "-o", f"sqlite:///{target}", "--scale", "0.5", "--seed", "3")
    assert result.exit_code == 0, result.output
    small = read_database(f"sqlite:///{target}")
    check_database(small)
    assert len(small.tables["city"]) == 2040
    before = target.read_bytes()
    again = invoke("sample", world_twin, "-o", f"sqlite:///{target}")
    assert again.exit_code == 1 and "already holds data" in again.output and "--replace" in again.output
    assert target.read_bytes() == before
    assert invoke("sample", world_twin, "-o", f"sqlite:///{target}", "--replace").exit_code == 0
    assert len(read_database(f"sqlite:///{target}").tables["city"]) == 4079


def test_sample_into_postgres_and_a_folder_then_evaluate(world_twin, tmp_path, postgres_url):
    result = invoke("sample", world_twin, "-o", postgres_url)
    assert result.exit_code == 0, result.output
    engine = sa.create_engine(postgres_url)
    with engine.connect() as connection:
        keys = [k for t in ("city", "country", "countrylanguage") for k in sa.inspect(connection).get_foreign_keys(t)]
    engine.dispose()
    assert len(keys) == 3  # created in the server, so every reference was checked by it
    folder = tmp_path / "world"
    assert invoke("sample", world_twin, "-o", folder, "--format", "parquet").exit_code == 0
    assert sorted(p.name for p in folder.iterdir()) == [
        "city.parquet", "country.parquet", "countrylanguage.parquet", "schema.json"
    ]  # fmt: skip
    check_database(read_database(folder))
    report = tmp_path / "world.html"
    result = invoke(
        "evaluate", "--real", world(), "--synthetic", postgres_url, "-o", report, "--json", tmp_path / "w.json"
    )
    assert result.exit_code == 0, result.output
    metrics = json.loads((tmp_path / "w.json").read_text())["metrics"]
    integrity = [m["value"] for m in metrics if m["key"] == "referential_integrity"]
    assert integrity == [1.0, 1.0, 1.0]
    assert "Referential integrity" in report.read_text()


def test_schema_shows_found_keys_and_takes_corrections(tmp_path):
    northwind = f"sqlite:///{shared_path('northwind/northwind.sqlite')}"
    schema = tmp_path / "northwind.json"
    result = invoke("schema", northwind, "-o", schema)
    assert result.exit_code == 0, result.output
    document = json.loads(schema.read_text())
    found = [k for k in document["foreign_keys"] if not k["declared"]]
    assert {
        "table": "Orders",
        "columns": ["ShipVia"],
        "parent": "Shippers",
        "parent_columns": ["ShipperID"],
    }.items() <= {**next(k for k in found if k["columns"] == ["ShipVia"])}.items()
    document["foreign_keys"] = [k for k in document["foreign_keys"] if k["columns"] != ["ShipVia"]]
    schema.write_text(json.dumps(document))
    twin = tmp_path / "nw.twin"
    result = invoke("fit", northwind, "-o", twin, "--schema", schema, "--no-detect-keys", "--max-time", "1")
    assert result.exit_code == 0, result.output
    from datatwin import load_database

    assert not [k for k in load_database(twin).schema.foreign_keys if k.columns == ("ShipVia",)]


def test_an_export_without_keys_gets_them_with_evidence_and_keeps_its_dangling_share(tmp_path):
    """A CSV folder declaring nothing: `schema` shows the keys found and why, `fit` says what
    dangles, `sample` says which key is written without a constraint."""
    from tests.relational.operations import operations

    folder = tmp_path / "export"
    folder.mkdir()
    for name, frame in operations().tables.items():
        frame.to_csv(folder / f"{name}.csv", index=False)
    schema = tmp_path / "keys.json"
    result = invoke("schema", folder, "-o", schema)
    assert result.exit_code == 0, result.output
    assert "found:" in result.output and "contained" in result.output
    document = json.loads(schema.read_text())
    to = next(k for k in document["foreign_keys"] if k["columns"] == ["to"])
    assert to["parent"] == "stations" and to["dangling"] == "keep" and 0.9 < to["found"]["containment"] < 1
    assert next(t for t in document["tables"] if t["name"] == "readings")["primary_key"] == ["station", "hour"]
    twin = tmp_path / "ops.twin"
    result = invoke("fit", folder, "-o", twin, "--max-time", "3")
    assert result.exit_code == 0, result.output
    assert "Primary keys found in the data" in result.output
    assert "routes(to) → stations(code):" in result.output and "policy 'keep'" in result.output
    result = invoke("sample", twin, "-o", f"sqlite:///{tmp_path / 'ops.db'}")
    assert result.exit_code == 0, result.output
    assert "routes(to) → stations(code) has no constraint in the target" in " ".join(result.output.split())


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["fit", "postgresql+psycopg://nobody@127.0.0.1:1/none", "-o", "{tmp}/x.twin"], "Cannot reach the database"),
        (["fit", "nodriver://x/y", "-o", "{tmp}/x.twin"], "Not a usable database URL"),
        (["fit", "{world}", "-o", "{tmp}/x.twin", "--report", "{tmp}/r.html"], "--report appl(ies) to one table"),
        (["fit", "{world}", "-o", "{tmp}/x.twin", "--reference", "genres"], "Reference table(s) ['genres']"),
        (["sample", "{tmp}/none.twin", "-o", "{tmp}/out"], "does not exist"),
    ],
)
def test_bad_database_inputs_give_one_line(args, message, tmp_path):
    source = world() if "{world}" in args else ""  # only the cases that read World need the shared data
    result = invoke(*[a.format(tmp=tmp_path, world=source) for a in args])
    assert result.exit_code == 1, result.output
    assert message in result.output and "Traceback" not in result.output
    assert not (tmp_path / "x.twin").exists()


def test_database_twin_options_are_checked(world_twin, tmp_path):
    result = invoke("sample", world_twin, "-o", tmp_path / "out", "-n", "10")
    assert result.exit_code == 1 and "-n appl(ies) to table twins" in result.output
    assert not (tmp_path / "out").exists()


def test_fit_from_postgres_and_from_a_folder(tmp_path, postgres_url):
    datatwin.read_database(world()).save(postgres_url)  # the real World, served by PostgreSQL
    twin = tmp_path / "pg.twin"
    result = invoke("fit", postgres_url, "-o", twin, "--max-time", "1")
    assert result.exit_code == 0, result.output
    assert "postgres@" in result.output and "Fitted 3 tables" in result.output
    folder = tmp_path / "synthetic"
    assert invoke("sample", twin, "-o", folder).exit_code == 0
    check_database(read_database(folder))
    again = tmp_path / "folder.twin"
    result = invoke("fit", folder, "-o", again, "--max-time", "1")  # a folder of CSV files and schema.json
    assert result.exit_code == 0, result.output
    for seed in ("0", "3"):  # CSV cannot tell '' from missing: NOT NULL columns still come out filled
        target = tmp_path / f"from-folder-{seed}.db"
        result = invoke("sample", again, "-o", f"sqlite:///{target}", "--seed", seed)
        assert result.exit_code == 0, result.output
    target = tmp_path / "from-folder.db"
    assert invoke("sample", again, "-o", f"sqlite:///{target}").exit_code == 0
    check_database(read_database(f"sqlite:///{target}"))


def test_the_same_seed_gives_the_same_database_in_any_process(world_twin, tmp_path):
    outputs = []
    for hash_seed in ("1", "2"):  # set and dict orders change with the hash seed
        folder = tmp_path / f"out{hash_seed}"
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        command = [sys.executable, "-m", "datatwin", "sample", str(world_twin), "-o", str(folder), "--seed", "7"]
        subprocess.run(command, check=True, capture_output=True, env=env)
        outputs.append({p.name: p.read_bytes() for p in folder.iterdir()})
    assert outputs[0] == outputs[1]


def test_a_target_that_refuses_the_login_fails_before_any_sampling(world_twin, monkeypatch):
    import datatwin.api.database as api

    def sampled(*args, **kwargs):
        raise AssertionError("sampled before the target was checked")

    monkeypatch.setattr(api, "sample_database", sampled)
    result = invoke("sample", world_twin, "-o", "postgresql+psycopg://no_such_role@127.0.0.1:5432/test")
    assert result.exit_code == 1 and "Cannot write to" in result.output, result.output
