"""The command line with sequences: schema proposes keys, fit/sample/evaluate take them."""

from __future__ import annotations

import json

import pandas as pd
from typer.testing import CliRunner

from datatwin.cli import app
from tests.sequential.logs import payments

runner = CliRunner()


def invoke(*args: object):
    return runner.invoke(app, [str(a) for a in args])


def test_schema_fit_sample_evaluate_with_sequences(tmp_path):
    events = tmp_path / "events.csv"
    payments(120, seed=3).to_csv(events, index=False)
    schema_json = tmp_path / "schema.json"
    shown = invoke("schema", events, "-o", schema_json)
    assert shown.exit_code == 0, shown.output
    assert "look like sequences" in shown.output and "--entity customer_id --order ts" in " ".join(shown.output.split())
    assert json.loads(schema_json.read_text())["sequence"] == {"entity": "customer_id", "order": "ts"}

    twin = tmp_path / "events.twin"
    fitted = invoke(
        "fit", events, "-o", twin, "--entity", "customer_id", "--order", "ts", "--max-time", "20",
        "--report", tmp_path / "report.html",
    )  # fmt: skip
    assert fitted.exit_code == 0, fitted.output
    assert "event sequences of" in fitted.output and "static columns: segment" in fitted.output
    assert "Discriminative score" in fitted.output and (tmp_path / "report.html").exists()

    out = tmp_path / "drawn.csv"
    drawn = invoke("sample", twin, "-o", out, "--entities", 40, "--seed", 3)
    assert drawn.exit_code == 0, drawn.output
    frame = pd.read_csv(out)
    assert frame["customer_id"].nunique() == 40 and "Wrote" in drawn.output

    refused = invoke("sample", twin, "-o", tmp_path / "x.csv", "-n", 10)
    assert refused.exit_code == 1 and "-n appl(ies) to table twins" in refused.output

    report = invoke(
        "evaluate", "--real", events, "--synthetic", out, "-o", tmp_path / "seq.html",
        "--entity", "customer_id", "--order", "ts", "--json", tmp_path / "seq.json",
    )  # fmt: skip
    assert report.exit_code == 0, report.output
    keys = {m["key"] for m in json.loads((tmp_path / "seq.json").read_text())["metrics"]}
    assert {"sequence_lengths", "autocorrelation", "discriminative_score", "sequence_copies"} <= keys


def test_fit_with_an_unknown_order_column_is_one_line(tmp_path):
    events = tmp_path / "events.csv"
    payments(30, seed=3).to_csv(events, index=False)
    result = invoke("fit", events, "-o", tmp_path / "t.twin", "--order", "when")
    assert result.exit_code == 1
    assert "no column(s) ['when']" in result.output and "Traceback" not in result.output
