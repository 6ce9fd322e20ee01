"""A fitted table: schema, fitted encoder, fitted model and lineage, and its saved document."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from datatwin._version import __version__
from datatwin.constraints import RuleSet
from datatwin.constraints.ruleset import load_rules, save_rules
from datatwin.dp import PrivacyLedger
from datatwin.io.artifact import invalid_content, prefixed
from datatwin.lineage import Lineage
from datatwin.models import Generator, registry
from datatwin.schema import Schema
from datatwin.transforms import TableEncoder
from datatwin.transforms.private import PrivateEncoder

TABLE_KIND = "table"
"""The ``kind`` of a saved single-table twin."""


@dataclass
class FittedTable:
    """What fitting one table learnt.

    Parameters
    ----------
    schema
        The table's columns, kinds, bounds and domains.
    encoder
        The fitted transforms, from the table's values to encoded columns and back.
    model
        The fitted model of the encoded columns.
    lineage
        Where the table came from and how it was fitted.
    rules
        The rules held while drawing (the encoder and model see the table as they rewrite it).
    broken_in_data
        Rows of the training data that broke each rule (the twin holds the rules regardless).
    privacy
        The ledger of a differentially private fit (its encoder is then a
        :class:`~datatwin.transforms.private.PrivateEncoder`); ``None`` for an ordinary one.
    profile
        A coarse summary of the training rows to measure drift against (JSON-able, made by
        :mod:`datatwin.monitor.profile`); ``None`` when the twin has none (a DP twin).
    """

    schema: Schema
    encoder: TableEncoder | PrivateEncoder
    model: Generator
    lineage: Lineage
    rules: RuleSet = field(default=None)  # type: ignore[assignment]
    broken_in_data: dict[str, int] = field(default_factory=dict)
    privacy: PrivacyLedger | None = None
    profile: dict[str, Any] | None = None

    def __post_init__(self) -> None:
        if self.rules is None:
            self.rules = RuleSet([], self.schema)


def table_document(table: FittedTable) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """A fitted table as a JSON-able document and named arrays (what a twin file holds)."""
    encoder_config, encoder_arrays = table.encoder.to_state()
    model_config, model_arrays = table.model.to_state()
    document = {
        "datatwin_version": __version__,
        "schema": table.schema.to_dict(),
        "encoder": encoder_config,
        "model": {"name": table.model.name, "state": model_config},
        "lineage": table.lineage.to_dict(),
    }
    arrays = {f"encoder/{k}": v for k, v in encoder_arrays.items()}
    arrays.update({f"model/{k}": v for k, v in model_arrays.items()})
    save_rules(table.rules, document, arrays)
    if table.privacy is not None:
        document["privacy"] = table.privacy.to_dict()
    if table.profile is not None:
        document["profile"] = table.profile
    return document, arrays


def table_from_document(document: dict[str, Any], arrays: dict[str, np.ndarray], where: str) -> FittedTable:
    """The fitted table of a document made by :func:`table_document`; ``where`` names it in errors.

    Raises
    ------
    ArtifactError
        When the document names an unknown model or its content does not fit together.
    """
    with invalid_content(where):
        schema = Schema.from_dict(document["schema"])
        rules = load_rules(schema, document, arrays)
        privacy = PrivacyLedger.from_dict(document["privacy"]) if "privacy" in document else None
        encoder_cls = TableEncoder if privacy is None else PrivateEncoder
        encoder = encoder_cls.from_state(rules.model_schema, document["encoder"], prefixed(arrays, "encoder/"))
        model_cls = registry.get(document["model"]["name"])
        model = model_cls.from_state((document["model"]["state"], prefixed(arrays, "model/")))
        lineage = Lineage.from_dict(document["lineage"])
        profile = document.get("profile")
    return FittedTable(schema, encoder, model, lineage, rules, privacy=privacy, profile=profile)
