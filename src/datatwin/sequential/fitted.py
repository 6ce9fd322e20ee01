"""A fitted sequence twin: the entities' twin, the step model and how time and history are fed
to it, and its saved document."""

from __future__ import annotations

from dataclasses import dataclass
from io import StringIO
from typing import Any, Literal

import numpy as np
import pandas as pd

from datatwin._version import __version__
from datatwin.constraints import RuleSet
from datatwin.constraints.ruleset import load_rules, save_rules
from datatwin.io.artifact import invalid_content, prefixed
from datatwin.lineage import Lineage
from datatwin.models import Generator, registry
from datatwin.pipeline import FittedTable, table_document, table_from_document
from datatwin.schema import Schema, SequenceKeys
from datatwin.sequential.clock import Clock
from datatwin.sequential.history import HistorySpec
from datatwin.transforms import TableEncoder

SEQUENCES_KIND = "sequences"
"""The ``kind`` of a saved sequence twin."""

Mode = Literal["events", "series"]

LENGTH, START, FIRST, ENTITY = "__length__", "__start__", "__first__.", "__entity__/"
"""Entity columns (sequence length, first event's time, first level of a column learnt as
changes) and the prefix of the entity's encoded columns given to every step."""


def is_entity_attribute(column: str) -> bool:
    """Whether a column of the entity rows is one of the entity's own (static) columns rather
    than what the twin adds per entity (its length, start and first levels)."""
    return column not in (LENGTH, START) and not column.startswith(FIRST)


@dataclass
class Entities:
    """What a sequence twin knows of its entities.

    Attributes
    ----------
    twin
        In event twins, the twin of the entity rows (static columns, length, start, first
        levels), which draws new entities.
    rows
        In series twins, the real entity rows (a series twin draws new series for its real
        entities: a handful of stations or tickers give nothing to learn new ones from).
    encoder
        The encoder of the entity rows, whose static columns are given to every step.
    """

    twin: FittedTable | None
    rows: pd.DataFrame | None
    encoder: TableEncoder

    @property
    def schema(self) -> Schema:
        """The entity rows' schema."""
        return self.encoder.schema


@dataclass
class FittedSequences:
    """What fitting a table of sequences learnt.

    Attributes
    ----------
    schema
        The event table's schema, its ``sequence`` keys complete (static columns found).
    mode
        ``"events"``: many entities, each drawing its length; ``"series"``: a few long series
        drawn to any horizon.
    entities
        The entities' twin or rows.
    encoder
        The encoder of the event columns (order column included; entity and static ones not).
    clock
        How time is learnt.
    history
        What each step is given about the past.
    model
        The step model.
    lengths
        The real sequences' lengths (longest, median) for checks and reports.
    lineage
        Where the events came from.
    rules
        The rules between event columns that every drawn event holds (the encoder and the
        step model see the columns as the rules rewrite them).
    profile
        A coarse summary of the events and entities learnt from, for drift checks
        (:mod:`datatwin.monitor.sequences`); ``None`` when not made.
    """

    schema: Schema
    mode: Mode
    entities: Entities
    encoder: TableEncoder
    clock: Clock
    history: HistorySpec
    model: Generator
    lengths: dict[str, int]
    lineage: Lineage
    rules: RuleSet
    profile: dict[str, Any] | None = None

    @property
    def keys(self) -> SequenceKeys:
        """Entity, order and static columns."""
        assert self.schema.sequence is not None
        return self.schema.sequence


def sequences_document(fitted: FittedSequences) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """A fitted sequence twin as a JSON-able document and named arrays."""
    encoder_config, encoder_arrays = fitted.encoder.to_state()
    entity_config, entity_arrays = fitted.entities.encoder.to_state()
    model_config, model_arrays = fitted.model.to_state()
    document: dict[str, Any] = {
        "kind": SEQUENCES_KIND,
        "datatwin_version": __version__,
        "schema": fitted.schema.to_dict(),
        "mode": fitted.mode,
        "encoder": encoder_config,
        "entity_schema": fitted.entities.schema.to_dict(),
        "entity_encoder": entity_config,
        "clock": fitted.clock.to_dict(),
        "history": fitted.history.to_dict(),
        "model": {"name": fitted.model.name, "state": model_config},
        "lengths": fitted.lengths,
        "lineage": fitted.lineage.to_dict(),
    }
    if fitted.profile is not None:
        document["profile"] = fitted.profile
    arrays = {f"encoder/{k}": v for k, v in encoder_arrays.items()}
    arrays.update({f"entity_encoder/{k}": v for k, v in entity_arrays.items()})
    arrays.update({f"model/{k}": v for k, v in model_arrays.items()})
    if fitted.entities.twin is not None:
        twin_document, twin_arrays = table_document(fitted.entities.twin)
        document["entity_twin"] = twin_document
        arrays.update({f"entity_twin/{k}": v for k, v in twin_arrays.items()})
    save_rules(fitted.rules, document, arrays)
    if fitted.entities.rows is not None:
        document["entity_rows"] = fitted.entities.rows.to_json(orient="split", date_format="iso")
    return document, arrays


def sequences_from_document(document: dict[str, Any], arrays: dict[str, np.ndarray], where: str) -> FittedSequences:
    """The fitted sequence twin of a document made by :func:`sequences_document`.

    Raises
    ------
    ArtifactError
        When the document names an unknown model or its content does not fit together.
    """
    with invalid_content(where):
        schema = Schema.from_dict(document["schema"])
        steps = schema_without(schema)
        rules = load_rules(steps, document, arrays)
        encoder = TableEncoder.from_state(rules.model_schema, document["encoder"], prefixed(arrays, "encoder/"))
        entity_schema = Schema.from_dict(document["entity_schema"])
        entity_encoder = TableEncoder.from_state(
            entity_schema, document["entity_encoder"], prefixed(arrays, "entity_encoder/")
        )
        twin = None
        if "entity_twin" in document:
            twin = table_from_document(document["entity_twin"], prefixed(arrays, "entity_twin/"), where)
        rows = None
        if "entity_rows" in document:
            rows = pd.read_json(StringIO(document["entity_rows"]), orient="split")
        model_cls = registry.get(document["model"]["name"])
        model = model_cls.from_state((document["model"]["state"], prefixed(arrays, "model/")))
        return FittedSequences(
            schema=schema,
            mode=document["mode"],
            entities=Entities(twin, rows, entity_encoder),
            encoder=encoder,
            clock=Clock.from_dict(document["clock"]),
            history=HistorySpec.from_dict(document["history"]),
            model=model,
            lengths={k: int(v) for k, v in document["lengths"].items()},
            lineage=Lineage.from_dict(document["lineage"]),
            rules=rules,
            profile=document.get("profile"),
        )


def schema_without(schema: Schema) -> Schema:
    """The schema of the event columns a step draws: all but the entity and static columns
    (with the rules between them)."""
    keys = schema.sequence
    assert keys is not None
    left_out = {keys.entity, *(keys.static or ())}
    return Schema(tuple(c for c in schema.columns if c.name not in left_out), rules=schema.rules)
