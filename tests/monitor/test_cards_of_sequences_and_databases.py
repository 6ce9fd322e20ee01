"""Data cards of sequence and database twins, from the API and from `fit --card` / `sample --card`."""

from __future__ import annotations

import json

from typer.testing import CliRunner

import datatwin
from datatwin.cli import app
from tests.relational.test_synthesize import sqlite_url
from tests.sequential.logs import payments


def _section(card: dict, title: str) -> dict:
    return next(s for s in card["sections"] if s["title"] == title)["content"]


def test_a_sequence_twin_card_names_its_keys_lengths_and_views(tmp_path):
    data = tmp_path / "payments.csv"
    payments(300, seed=0).to_csv(data, index=False)
    twin, card = tmp_path / "p.twin", tmp_path / "p-card.json"
    fitted = ["fit", str(data), "-o", str(twin), "--entity", "customer_id", "--order", "ts", "--card", str(card)]
    result = CliRunner().invoke(app, [*fitted, "--max-time", "5"])
    assert result.exit_code == 0, result.output
    shown = json.loads(card.read_text())
    assert shown["title"].startswith("Synthetic sequence twin of")
    preparation = _section(shown, "Preparation")
    assert (preparation["entity"], preparation["order"], preparation["static"]) == ("customer_id", "ts", ["segment"])
    composition = _section(shown, "Assumptions and composition")
    assert set(composition["profile"]) == {"events", "entities"} and composition["sequence_lengths"]["longest"] > 1
    assert _section(shown, "Sources and collection")["entities"] == 300
    assert "C0001" not in card.read_text()  # no entity key, no row
    rows, sample_card = tmp_path / "events.csv", tmp_path / "s-card.html"
    result = CliRunner().invoke(
        app, ["sample", str(twin), "-o", str(rows), "--entities", "20", "--card", str(sample_card)]
    )
    assert result.exit_code == 0, result.output
    assert "This sample" in sample_card.read_text() and "output sha256" in sample_card.read_text()


def test_a_database_twin_card_lists_tables_keys_and_hashes(tmp_path):
    twin, card = tmp_path / "chinook.twin", tmp_path / "chinook-card.json"
    result = CliRunner().invoke(
        app, ["fit", sqlite_url("chinook"), "-o", str(twin), "--max-time", "3", "--card", str(card)]
    )
    assert result.exit_code == 0, result.output
    shown = json.loads(card.read_text())
    sources = _section(shown, "Sources and collection")
    assert sources["tables"]["Track"] == 3503 and len(sources["tables_sha256"]["Track"]) == 64
    preparation = _section(shown, "Preparation")
    assert "Track(AlbumId) → Album(AlbumId)" in " ".join(preparation["foreign_keys"]).replace(" -> ", " → ")
    assert {c["name"] for c in preparation["tables"]["Track"]} >= {"Name", "Milliseconds", "UnitPrice"}
    models = _section(shown, "Motivation and design choices")["models"]
    assert (
        models["Genre"].startswith("reference rows")
        and "Track" in _section(shown, "Assumptions and composition")["profile"]
    )
    assert "Balls to the Wall" not in card.read_text()  # a track's name: no row value
    out, sample_card = tmp_path / "out", tmp_path / "db-sample-card.html"
    result = CliRunner().invoke(
        app, ["sample", str(twin), "-o", str(out), "--scale", "0.1", "--card", str(sample_card)]
    )
    assert result.exit_code == 0, result.output
    assert "This sample" in sample_card.read_text()
    assert datatwin.data_card(twin)["title"] == shown["title"]
