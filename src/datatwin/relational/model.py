"""A fitted database twin: what was learnt of each table, saved as one twin file.

The file is the same zip as a table twin's (:mod:`datatwin.io.artifact`) with ``"kind":
"database"``: the relational schema, each table's facts and, for tables that have one, the
nested document of its table twin, whose arrays are stored under ``tables/<index>/``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from datatwin._version import __version__
from datatwin.errors import ArtifactError, ConfigError
from datatwin.io import read_artifact, write_artifact
from datatwin.relational.database import Database
from datatwin.relational.order import GenerationPlan, generation_plan
from datatwin.relational.schema import ForeignKey, RelationalSchema
from datatwin.twin import Twin, prefixed, signing_key

DATABASE_KIND = "database"


@dataclass
class TableModel:
    """What was learnt of one table.

    Parameters
    ----------
    twin
        The twin of the table's value columns, with its primary parent's values as context
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
    """

    twin: Twin | None
    value_columns: list[str]
    primary: ForeignKey | None
    real_rows: int
    text_key_length: int | None
    null_shares: dict[str, float]
    mean_children: dict[str, float]
    empty_text: list[str]
    sequence_length: int = 0
    reference: pd.DataFrame | None = None

    def facts(self) -> dict[str, Any]:
        """Everything but the twin, JSON-able."""
        return {
            "value_columns": self.value_columns,
            "primary": None if self.primary is None else self.primary.to_dict(),
            "real_rows": self.real_rows,
            "text_key_length": self.text_key_length,
            "null_shares": self.null_shares,
            "mean_children": self.mean_children,
            "empty_text": self.empty_text,
            "sequence_length": self.sequence_length,
            "reference": None if self.reference is None else _rows_document(self.reference),
        }

    @classmethod
    def from_facts(cls, facts: dict[str, Any], twin: Twin | None) -> TableModel:
        primary = facts["primary"]
        return cls(
            twin=twin,
            value_columns=list(facts["value_columns"]),
            primary=None if primary is None else ForeignKey.from_dict(primary),
            real_rows=int(facts["real_rows"]),
            text_key_length=facts["text_key_length"],
            null_shares={str(k): float(v) for k, v in facts["null_shares"].items()},
            mean_children={str(k): float(v) for k, v in facts["mean_children"].items()},
            empty_text=list(facts["empty_text"]),
            sequence_length=int(facts["sequence_length"]),
            reference=None if facts["reference"] is None else _rows_frame(facts["reference"]),
        )


@dataclass
class DatabaseTwin:
    """A fitted twin of a whole database, made by :func:`datatwin.fit_database`.

    Parameters
    ----------
    schema
        The relational schema it was learnt with (declared and detected keys).
    tables
        What was learnt of each table.
    lineage
        Source (URL without password, or folder), seed, datatwin version, time of the fit.
    """

    schema: RelationalSchema
    tables: dict[str, TableModel]
    lineage: dict[str, Any]

    def __repr__(self) -> str:
        rows = sum(t.real_rows for t in self.tables.values())
        return f"DatabaseTwin(tables={len(self.tables)}, rows={rows}, source={self.lineage.get('source')!r})"

    @property
    def plan(self) -> GenerationPlan:
        """The order tables are drawn in, and the keys filled once every table exists."""
        return generation_plan(self.schema)

    def sample(self, *, scale: float = 1.0, seed: int = 0) -> Database:
        """A synthetic database: every table ``scale`` times its real size, every key resolving.

        Parameters
        ----------
        scale
            Size factor for every table (0.1 shrinks to a tenth, 10 grows tenfold).
        seed
            The same twin, scale and seed give the same database.
        """
        from datatwin.relational.synthesize import sample_database  # synthesis builds on this module

        if not isinstance(scale, int | float) or not np.isfinite(scale) or scale <= 0:
            raise ConfigError(f"scale must be a positive number (0.1 … 10); got {scale!r}.")
        if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
            raise ConfigError(f"seed must be a non-negative integer; got {seed!r}.")
        return sample_database(self, scale=float(scale), seed=int(seed))

    def save(self, path: str | Path, *, key: bytes | None = None) -> None:
        """Save to one twin file, atomically (signed with ``key`` or ``$DATATWIN_SIGNING_KEY``)."""
        arrays: dict[str, np.ndarray] = {}
        tables = []
        for index, (name, model) in enumerate(self.tables.items()):
            entry: dict[str, Any] = {"name": name, "facts": model.facts(), "twin": None}
            if model.twin is not None:
                document, twin_arrays = model.twin.to_document()
                entry["twin"] = document
                arrays.update({f"tables/{index}/{k}": v for k, v in twin_arrays.items()})
            tables.append(entry)
        document = {
            "kind": DATABASE_KIND,
            "datatwin_version": __version__,
            "relational_schema": self.schema.to_dict(),
            "tables": tables,
            "lineage": self.lineage,
        }
        write_artifact(path, document, arrays, key=signing_key(key))

    @classmethod
    def load(cls, path: str | Path, *, key: bytes | None = None) -> DatabaseTwin:
        """Load a database twin saved by :meth:`save`, verifying its checksum (and signature).

        Raises
        ------
        ArtifactError
            When the file is missing, corrupt, tampered with or holds a table twin.
        """
        loaded = load_twin(path, key=key)
        if not isinstance(loaded, DatabaseTwin):
            raise ArtifactError(f"Twin file {str(path)!r} holds a table twin, not a database twin: use datatwin.load.")
        return loaded

    @classmethod
    def from_document(cls, document: dict[str, Any], arrays: dict[str, np.ndarray], where: str) -> DatabaseTwin:
        """The twin of a document written by :meth:`save`; ``where`` names it in errors."""
        try:
            schema = RelationalSchema.from_dict(document["relational_schema"])
            tables = {}
            for index, entry in enumerate(document["tables"]):
                twin = None
                if entry["twin"] is not None:
                    twin = Twin.from_document(entry["twin"], prefixed(arrays, f"tables/{index}/"), where)
                tables[str(entry["name"])] = TableModel.from_facts(entry["facts"], twin)
            return cls(schema, tables, dict(document["lineage"]))
        except ArtifactError:
            raise
        except (KeyError, TypeError, ValueError) as exc:
            raise ArtifactError(f"{where} has invalid content: {exc}") from None


def load_twin(path: str | Path, *, key: bytes | None = None) -> Twin | DatabaseTwin:
    """Load a saved twin of either kind: a table twin or a database twin."""
    document, arrays = read_artifact(path, key=signing_key(key))
    where = f"Twin file {str(path)!r}"
    if document.get("kind") == DATABASE_KIND:
        return DatabaseTwin.from_document(document, arrays, where)
    return Twin.from_document(document, arrays, where)


def load_database(path: str | Path, *, key: bytes | None = None) -> DatabaseTwin:
    """Load a database twin saved by :meth:`DatabaseTwin.save` (see :meth:`DatabaseTwin.load`)."""
    return DatabaseTwin.load(path, key=key)


def database_lineage(database: Database, seed: int) -> dict[str, Any]:
    """Lineage of a database fit happening now."""
    return {
        "source": database.source,
        "tables": {name: len(frame) for name, frame in database.tables.items()},
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
