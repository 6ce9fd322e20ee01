"""A fitted database: what was learnt of each table, and its saved document.

A database twin file is the same zip as a table twin's (:mod:`datatwin.io.artifact`) with
``"kind": "database"``: the relational schema, each table's facts and, for tables that have one,
the nested document of its fitted table, whose arrays are stored under ``tables/<index>/``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd

from datatwin._version import __version__
from datatwin.io.artifact import invalid_content, prefixed
from datatwin.io.database import Database
from datatwin.lineage import hash_frame
from datatwin.pipeline import FittedTable, table_document, table_from_document
from datatwin.relational.dangling import DanglingShare
from datatwin.relational.order import GenerationPlan, generation_plan
from datatwin.schema.relational import ForeignKey, RelationalSchema
from datatwin.sequential import FittedSequences, sequences_document, sequences_from_document

DATABASE_KIND = "database"


@dataclass
class TableModel:
    """What was learnt of one table.

    Parameters
    ----------
    fitted
        The fitted table of its value columns, with its primary parent's values as context
        (``__parent__.<column>``), the previous sibling's values for sequences
        (``__previous__.<column>``) and its children counts (``__children__.<table>.<columns>``);
        ``None`` for a table with nothing to learn.
    value_columns
        The columns the twin generates (not keys).
    primary
        The foreign key the rows are drawn under (each parent gets its learnt number of
        children), or ``None`` for a root table.
    real_rows
        The table's size in the source.
    text_key_length
        Length of generated text primary keys; ``None`` for integer keys.
    key_range
        Smallest and largest real value of an integer primary key (new keys are drawn beyond
        them, see :func:`datatwin.transforms.identifier.new_whole_keys`); ``None`` otherwise.
    null_shares
        Share of missing values per column (used for nullable references).
    mean_children
        Mean children per row, per child count column (when the twin cannot draw them).
    empty_text
        Columns whose empty texts were learnt as missing and are written back as ``''``.
    sequence_length
        For a sequence (rows drawn in order inside their parent, each given the previous one),
        the most siblings one parent had in the source; positions beyond it are drawn as the
        last learnt one. 0 for a table that is not a sequence.
    reference
        For a reference table (a short lookup list such as genres, languages or countries,
        naming no one), its rows with their keys and children counts, written out as they
        are; ``None`` for a table that is generated.
    events
        For a child table whose rows are events of their parent along a time column (see
        :mod:`datatwin.relational.events`), the sequence twin that draws them, in place of
        ``fitted``; ``None`` otherwise.
    """

    fitted: FittedTable | None
    value_columns: list[str]
    primary: ForeignKey | None
    real_rows: int
    text_key_length: int | None
    key_range: list[int] | None
    null_shares: dict[str, float]
    mean_children: dict[str, float]
    empty_text: list[str]
    sequence_length: int = 0
    reference: pd.DataFrame | None = None
    events: FittedSequences | None = None

    def facts(self) -> dict[str, Any]:
        """Everything but the fitted table, JSON-able."""
        return {
            "value_columns": self.value_columns,
            "primary": None if self.primary is None else self.primary.to_dict(),
            "real_rows": self.real_rows,
            "text_key_length": self.text_key_length,
            "key_range": self.key_range,
            "null_shares": self.null_shares,
            "mean_children": self.mean_children,
            "empty_text": self.empty_text,
            "sequence_length": self.sequence_length,
            "reference": None if self.reference is None else _rows_document(self.reference),
        }

    @classmethod
    def from_facts(
        cls, facts: dict[str, Any], fitted: FittedTable | None, events: FittedSequences | None = None
    ) -> TableModel:
        """Inverse of :meth:`facts`, with the table's fitted twin or sequence twin."""
        primary = facts["primary"]
        return cls(
            fitted=fitted,
            value_columns=list(facts["value_columns"]),
            primary=None if primary is None else ForeignKey.from_dict(primary),
            real_rows=int(facts["real_rows"]),
            text_key_length=facts["text_key_length"],
            key_range=None if facts["key_range"] is None else [int(v) for v in facts["key_range"]],
            null_shares={str(k): float(v) for k, v in facts["null_shares"].items()},
            mean_children={str(k): float(v) for k, v in facts["mean_children"].items()},
            empty_text=list(facts["empty_text"]),
            sequence_length=int(facts["sequence_length"]),
            reference=None if facts["reference"] is None else _rows_frame(facts["reference"]),
            events=events,
        )


@dataclass
class FittedDatabase:
    """What fitting a whole database learnt.

    Parameters
    ----------
    schema
        The relational schema it was learnt with (declared and detected keys).
    tables
        What was learnt of each table.
    lineage
        Source (URL without password, or folder), seed, datatwin version, time of the fit, and
        what was done with references to missing parents.
    dangling
        For each foreign key (by :meth:`ForeignKey.describe`) kept with references to missing
        parents, how they dangle in the real data.
    """

    schema: RelationalSchema
    tables: dict[str, TableModel]
    lineage: dict[str, Any]
    dangling: dict[str, DanglingShare] = field(default_factory=dict)

    @property
    def plan(self) -> GenerationPlan:
        """The order tables are drawn in, and the keys filled once every table exists."""
        return generation_plan(self.schema)


def database_document(database: FittedDatabase) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """A fitted database as a JSON-able document and named arrays (what a twin file holds)."""
    arrays: dict[str, np.ndarray] = {}
    tables = []
    for index, (name, model) in enumerate(database.tables.items()):
        entry: dict[str, Any] = {"name": name, "facts": model.facts(), "twin": None}
        if model.fitted is not None:
            document, table_arrays = table_document(model.fitted)
            entry["twin"] = document
            arrays.update({f"tables/{index}/{k}": v for k, v in table_arrays.items()})
        if model.events is not None:
            document, event_arrays = sequences_document(model.events)
            entry["events"] = document
            arrays.update({f"tables/{index}/events/{k}": v for k, v in event_arrays.items()})
        tables.append(entry)
    document = {
        "kind": DATABASE_KIND,
        "datatwin_version": __version__,
        "relational_schema": database.schema.to_dict(),
        "tables": tables,
        "lineage": database.lineage,
        "dangling": {key: share.to_dict() for key, share in database.dangling.items()},
    }
    return document, arrays


def database_from_document(document: dict[str, Any], arrays: dict[str, np.ndarray], where: str) -> FittedDatabase:
    """The fitted database of a document made by :func:`database_document`; ``where`` names it
    in errors.

    Raises
    ------
    ArtifactError
        When the content does not fit together.
    """
    with invalid_content(where):
        schema = RelationalSchema.from_dict(document["relational_schema"])
        tables = {}
        for index, entry in enumerate(document["tables"]):
            fitted = events = None
            if entry["twin"] is not None:
                fitted = table_from_document(entry["twin"], prefixed(arrays, f"tables/{index}/"), where)
            if entry.get("events") is not None:
                events = sequences_from_document(entry["events"], prefixed(arrays, f"tables/{index}/events/"), where)
            tables[str(entry["name"])] = TableModel.from_facts(entry["facts"], fitted, events)
        dangling = {str(k): DanglingShare.from_dict(v) for k, v in document.get("dangling", {}).items()}
        return FittedDatabase(schema, tables, dict(document["lineage"]), dangling)


def database_lineage(database: Database, seed: int) -> dict[str, Any]:
    """Lineage of a database fit happening now."""
    return {
        "source": database.source,
        "tables": {name: len(frame) for name, frame in database.tables.items()},
        "tables_sha256": {name: hash_frame(frame) for name, frame in database.tables.items()},
        "seed": seed,
        "datatwin_version": __version__,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def _rows_document(frame: pd.DataFrame) -> dict[str, Any]:
    """A small table as JSON: column names and rows of plain values (times as ISO text)."""
    plain = lambda v: None if pd.isna(v) else v.isoformat() if isinstance(v, pd.Timestamp) else v  # noqa: E731
    rows = [[plain(v.item() if isinstance(v, np.generic) else v) for v in row] for row in frame.itertuples(index=False)]
    return {"columns": [str(c) for c in frame.columns], "rows": rows}


def _rows_frame(document: dict[str, Any]) -> pd.DataFrame:
    return pd.DataFrame(document["rows"], columns=document["columns"]).infer_objects()
