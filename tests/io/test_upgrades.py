"""Twin files written by the previous format version load, upgraded, and sample the same rows.

The files in ``tests/fixtures/twins`` were written by datatwin at format version 1 (see
``make_v1.py`` there), with the rows each sampled then recorded in ``expected.json``.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd
import pytest

import datatwin
from datatwin.io import FORMAT_VERSION, read_artifact

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "twins"
EXPECTED = json.loads((FIXTURES / "expected.json").read_text(encoding="utf-8"))
TABLE_TWINS = sorted(name for name, value in EXPECTED.items() if isinstance(value, str))


def digest(frame: pd.DataFrame) -> str:
    return hashlib.sha256(frame.to_csv(index=False).encode("utf-8")).hexdigest()


@pytest.mark.parametrize("name", TABLE_TWINS)
def test_a_format_1_table_twin_samples_the_rows_it_sampled_then(name):
    twin = datatwin.load(FIXTURES / f"{name}.twin")
    assert digest(twin.sample(300, seed=1)) == EXPECTED[name]


def test_a_format_1_database_twin_samples_the_database_it_sampled_then_with_new_keys():
    """Every value column is drawn as format 1 drew it; keys, which format 1 numbered 1, 2, 3 …
    over the real keys, are now drawn beyond them (and references follow)."""
    drawn = datatwin.load(FIXTURES / "v1-database.twin").sample(scale=0.5, seed=1)
    keys = {"orders.id", "orders.customer_id"}  # customer, a short list naming no one, is kept as it is
    for name, table in drawn.tables.items():
        for column in table.columns:
            if f"{name}.{column}" not in keys:
                assert digest(table[[column]]) == EXPECTED["v1-database"][f"{name}.{column}"], f"{name}.{column}"
    customers, orders = drawn.tables["customer"], drawn.tables["orders"]
    assert orders["id"].min() > 400 and orders["id"].is_unique  # the real keys were 1 … 400
    assert orders["customer_id"].isin(customers["id"]).all()


@pytest.mark.parametrize("name", ["v1-argn-one-stack", "v1-argn-links-as-inputs", "v1-argn-before-links"])
def test_old_layouts_are_rewritten_into_the_current_one(name):
    document, arrays = read_artifact(FIXTURES / f"{name}.twin")
    assert document["format_version"] == FORMAT_VERSION == 2
    state = document["model"]["state"]
    assert {"links", "history"} <= set(state) and "equality_links" in state["options"]
    assert "model/net/heads.w1" in arrays and "model/net/w1" not in arrays
    assert all(f"model/tokens/{j}/units" in arrays for j in range(len(state["tokenizers"])))


def test_an_upgraded_twin_saves_in_the_current_format(tmp_path):
    datatwin.load(FIXTURES / "v1-argn-one-stack.twin").save(tmp_path / "now.twin")
    document, arrays = read_artifact(tmp_path / "now.twin")
    assert document["format_version"] == FORMAT_VERSION and "model/net/link_heads.w1" in arrays
    assert digest(datatwin.load(tmp_path / "now.twin").sample(300, seed=1)) == EXPECTED["v1-argn-one-stack"]
