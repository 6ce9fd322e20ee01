"""Upgrades of saved twins from older format versions, one explicit function per step.

``UPGRADES[v]`` turns a version-``v`` document and its arrays into version ``v + 1``; reading a
twin file applies them in turn (SDV's metadata-upgrader pattern), so models and transforms only
ever read the current layout. Each step knows the layouts it replaces as plain JSON and arrays:
this module imports no model.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

Document = dict[str, Any]
Arrays = dict[str, np.ndarray]

_HEAD_WEIGHTS = ("w1", "b1", "w2", "b2", "w_out", "b_out")
_UNIT_EXPONENTS = 16  # rounding units 10**-6 … 10**9, one column each


def upgrade_v1_to_v2(document: Document, arrays: Arrays) -> tuple[Document, Arrays]:
    """Format 1 → 2: every argn model state in the current layout.

    Format 1 accepted argn states written as the model grew, which format 2 spells out:

    - before links: no ``equality_links`` option (it was off), no ``links``, no ``history``;
    - before rounding units: no ``tokens/<j>/units`` arrays (values were not rounded);
    - before near links: no ``links/near/<k>`` arrays (equality only);
    - integer keys stored as the smallest key only: their largest and their number are taken
      from a run of the twin's rows (format 1 drew keys as such a run);
    - network heads in one stack (``net/w1`` …, a row per column, logits as wide as the widest
      column), with the links' heads among them or, earlier still, the links among the heads'
      inputs: split into the input columns' heads (``net/heads.*``) and the links' own
      (``net/link_heads.*``), each as wide as its widest column;
    - the links' own heads under ``net/refinements.*``: renamed ``net/link_heads.*`` (one name,
      "links", for one idea).
    - datetime states without ``format_shares`` (one format a column).
    """
    arrays = dict(arrays)
    for state, prefix in _argn_states(document):
        _upgrade_argn_v1(state, arrays, prefix)
    for table in _table_documents(document):
        _upgrade_keys_v1(table)
    if document.get("kind") == "database":
        for entry in document["tables"]:
            facts = entry["facts"]
            facts.setdefault("key_range", None if facts["text_key_length"] is not None else [1, facts["real_rows"]])
    return document, arrays


UPGRADES: dict[int, Callable[[Document, Arrays], tuple[Document, Arrays]]] = {1: upgrade_v1_to_v2}
"""``UPGRADES[v]`` turns a version-``v`` twin into version ``v + 1``."""


def _table_documents(document: Document) -> Iterator[dict[str, Any]]:
    """The table twin documents in a table or database twin document."""
    if document.get("kind") == "database":
        yield from (entry["twin"] for entry in document["tables"] if entry.get("twin"))
    else:
        yield document


def _upgrade_keys_v1(table: dict[str, Any]) -> None:
    rows = int(table["lineage"]["n_rows"])
    for column in table["schema"]["columns"]:
        config = table["encoder"][column["name"]]
        if column["kind"] == "datetime":
            config.setdefault("format_shares", [])  # format 1 knew one format a column
        if column["kind"] == "id" and "maximum" not in config:
            config["maximum"] = int(config["start"]) + rows - 1
            config["count"] = rows


def _argn_states(document: Document) -> Iterator[tuple[dict[str, Any], str]]:
    """Each argn model state in a table or database twin document, with its arrays' prefix."""
    tables = document.get("tables")
    if document.get("kind") == "database" and isinstance(tables, list):
        for index, entry in enumerate(tables):
            twin = entry.get("twin") if isinstance(entry, dict) else None
            if isinstance(twin, dict) and twin.get("model", {}).get("name") == "argn":
                yield twin["model"]["state"], f"tables/{index}/model/"
    elif isinstance(document.get("model"), dict) and document["model"].get("name") == "argn":
        yield document["model"]["state"], "model/"


def _upgrade_argn_v1(state: dict[str, Any], arrays: Arrays, prefix: str) -> None:
    state["options"].setdefault("equality_links", False)
    state.setdefault("history", [])
    links = state.setdefault("links", {})
    links.setdefault("equal", [])
    for k in range(len(links["equal"])):
        arrays.setdefault(f"{prefix}links/near/{k}", np.zeros((0, 2)))
    for j in range(len(state["tokenizers"])):
        arrays.setdefault(f"{prefix}tokens/{j}/units", np.zeros((0, _UNIT_EXPONENTS)))
    net = f"{prefix}net/"
    for name in [k for k in arrays if k.startswith(f"{net}refinements.")]:  # the links' heads, now so named
        arrays[name.replace(f"{net}refinements.", f"{net}link_heads.")] = arrays.pop(name)
    if f"{net}w1" not in arrays:
        return
    cards = [int(t["cardinality"]) for t in state["tokenizers"]]
    cards += [2 + len(arrays[f"{prefix}links/near/{k}"]) for k in range(len(links["equal"]))]
    embedding_dim = int(state["options"].get("embedding_dim", 16))
    n_inputs = arrays[f"{net}w1"].shape[1] // (embedding_dim + 1)  # links once were inputs too
    stack = {name: arrays.pop(f"{net}{name}") for name in _HEAD_WEIGHTS}
    for part, rows in (("heads", slice(0, n_inputs)), ("link_heads", slice(n_inputs, None))):
        if not cards[rows]:
            continue
        width = max(cards[rows])
        for name, values in stack.items():
            values = values[rows]
            arrays[f"{net}{part}.{name}"] = values[..., :width] if name in ("w_out", "b_out") else values
