"""The `datatwin` command: every sub-command, and one readable line for each bad input."""

from __future__ import annotations

import re
import subprocess
import sys
import zipfile

import pandas as pd
import pytest
from typer.testing import CliRunner

import datatwin
from datatwin.cli import app
from tests.conftest import shared_path

runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture(scope="module")
def adult_twin(tmp_path_factory):
    path = tmp_path_factory.mktemp("cli") / "adult.twin"
    result = invoke("fit", shared_path("adult/adult.csv.gz"), "-o", path, "--seed", "1", "--max-time", "5")
    assert result.exit_code == 0, result.output
    return path


def test_version():
    result = invoke("--version")
    assert result.exit_code == 0 and result.output.strip() == f"datatwin {datatwin.__version__}"


def test_console_script_runs():
    out = subprocess.run([sys.executable, "-m", "datatwin", "--version"], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == f"datatwin {datatwin.__version__}"


def test_fit_then_sample_csv_and_parquet(adult_twin, tmp_path):
    assert datatwin.load(adult_twin).lineage.model == "argn"  # auto's choice for 32k rows
    csv = tmp_path / "s.csv"
    result = invoke("sample", adult_twin, "-n", "5000", "-o", csv, "--seed", "7")
    assert result.exit_code == 0, result.output
    rows = pd.read_csv(csv)
    real = pd.read_csv(shared_path("adult/adult.csv.gz"))
    assert rows.shape == (5000, 15) and (rows.dtypes == real.dtypes).all()
    again = tmp_path / "again.csv"
    invoke("sample", adult_twin, "-n", "5000", "-o", again, "--seed", "7")
    assert csv.read_bytes() == again.read_bytes()
    parquet = tmp_path / "s.parquet"
    assert invoke("sample", adult_twin, "-n", "100", "-o", parquet).exit_code == 0
    assert pd.read_parquet(parquet).shape == (100, 15)


def test_where_and_rebalance(adult_twin, tmp_path):
    out = tmp_path / "rich.csv"
    result = invoke(
        "sample", adult_twin, "-n", "800", "-o", out, "--where", "income == '>50K' and `hours-per-week` >= 45"
    )
    assert result.exit_code == 0, result.output
    rows = pd.read_csv(out)
    assert (rows["income"] == ">50K").all() and (rows["hours-per-week"] >= 45).all()
    result = invoke(
        "sample", adult_twin, "-n", "1000", "-o", out, "--rebalance", "income", "--ratio", "0.45", "--overwrite"
    )
    assert result.exit_code == 0, result.output
    assert pd.read_csv(out)["income"].value_counts()[">50K"] == 450


def test_schema_round_trip_through_cli(tmp_path):
    data = shared_path("titanic/titanic.csv.gz")
    schema_file = tmp_path / "schema.json"
    result = invoke("schema", data, "-o", schema_file)
    assert result.exit_code == 0, result.output
    assert "PassengerId" in result.output and "pii" in result.output
    twin = tmp_path / "t.twin"
    assert invoke("fit", data, "-o", twin, "--schema", schema_file).exit_code == 0
    assert datatwin.load(twin).schema == datatwin.Schema.from_json(schema_file)


def test_demo(tmp_path):
    out = tmp_path / "demo"
    result = invoke("demo", "-o", out)
    assert result.exit_code == 0, result.output
    assert {p.name for p in out.iterdir()} == {"adult.twin", "synthetic.csv", "summary.md"}
    assert len(pd.read_csv(out / "synthetic.csv")) == 5000
    summary = (out / "summary.md").read_text()
    assert "CC BY 4.0" in summary and "Mean column-shape similarity" in summary


def bad_inputs(tmp_path, twin):
    (tmp_path / "empty.csv").write_text("")
    (tmp_path / "one.csv").write_text("a,b\n1,x\n")
    (tmp_path / "nulls.csv").write_text("a,b\n" + "".join(f"{i},\n" for i in range(10)))
    (tmp_path / "junk.csv").write_text("a\n" + "".join(f"{i}\n" for i in range(30)) + "oops\n")
    (tmp_path / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    (tmp_path / "corrupt.twin").write_bytes(twin.read_bytes()[:-200])
    with zipfile.ZipFile(tmp_path / "future.twin", "w") as archive:
        archive.writestr("twin.json", "{}")
    return [
        (["fit", tmp_path / "missing.csv", "-o", tmp_path / "x.twin"], "does not exist"),
        (["fit", tmp_path / "empty.csv", "-o", tmp_path / "x.twin"], "is empty"),
        (
            ["fit", tmp_path / "image.png", "-o", tmp_path / "x.twin"],
            "not CSV or Parquet|neither Parquet",
        ),
        (["fit", tmp_path / "one.csv", "-o", tmp_path / "x.twin"], "at least 5 are needed"),
        (["fit", tmp_path / "nulls.csv", "-o", tmp_path / "x.twin"], "Column 'b' is empty"),
        (["fit", tmp_path / "junk.csv", "-o", tmp_path / "x.twin"], "numeric except for 1 value"),
        (["fit", tmp_path / "one.csv", "-o", tmp_path / "no" / "x.twin"], "does not exist"),
        (
            ["fit", tmp_path / "junk.csv", "-o", tmp_path / "x.twin", "--model", "gan"],
            "Unknown model 'gan'",
        ),
        (["sample", twin, "-n", "0", "-o", tmp_path / "s.csv"], "positive number of rows"),
        (["sample", twin, "-n", "-4", "-o", tmp_path / "s.csv"], "positive number of rows"),
        (["sample", twin, "-n", "5", "-o", tmp_path / "no" / "s.csv"], "does not exist"),
        (["sample", twin, "-n", "5", "-o", tmp_path / "s.json"], "unknown format"),
        (
            ["sample", tmp_path / "corrupt.twin", "-n", "5", "-o", tmp_path / "s.csv"],
            "not a readable twin file",
        ),
        (
            ["sample", tmp_path / "future.twin", "-n", "5", "-o", tmp_path / "s.csv"],
            "not a datatwin twin file",
        ),
        (
            ["sample", tmp_path / "missing.twin", "-n", "5", "-o", tmp_path / "s.csv"],
            "does not exist",
        ),
    ]


def test_bad_inputs_give_one_line_and_leave_nothing(adult_twin, tmp_path):
    for args, message in bad_inputs(tmp_path, adult_twin):
        before = sorted(p.name for p in tmp_path.iterdir())
        result = invoke(*args)
        assert result.exit_code == 1, (args, result.output)
        assert "Traceback" not in result.output
        assert re.search(message, result.output), (args, result.output)
        lines = [line for line in result.output.splitlines() if line.strip()]
        assert len(lines) == 1 and lines[0].startswith("error:"), result.output
        assert sorted(p.name for p in tmp_path.iterdir()) == before, args


def test_debug_shows_the_traceback(tmp_path):
    result = invoke("--debug", "fit", tmp_path / "missing.csv", "-o", tmp_path / "x.twin")
    assert result.exit_code != 0
    assert isinstance(result.exception, datatwin.SourceError)


def test_error_lines_keep_square_brackets(capsys, monkeypatch):
    """A message naming an extra (``datatwin[scenarios]``) is printed as written, not read as markup."""
    import typer

    from datatwin.cli import _console
    from datatwin.cli._console import reported_errors
    from datatwin.errors import ConfigError

    monkeypatch.setitem(_console._state, "debug", False)  # an earlier --debug run leaves it on

    with pytest.raises(typer.Exit), reported_errors():
        raise ConfigError("Simulating scenarios needs SimPy: pip install 'datatwin[scenarios]'.")
    assert "pip install 'datatwin[scenarios]'" in capsys.readouterr().err
