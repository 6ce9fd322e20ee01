"""Where a scenario run goes: a folder of Parquet or CSV files, written a day at a time, or a
database; either way all or nothing.

A folder is built in a temporary folder beside the target (:func:`~datatwin.io.writers.folder_beside`)
and moved into place when the run ends committed, so a failed or interrupted run leaves the
target as it was. A database target (SQLAlchemy URL) gets
the whole world in one transaction through the database writer, so the run is held in memory
until it ends: use a folder for runs of many millions of events.
"""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from types import TracebackType
from typing import Any

import pandas as pd

from datatwin.errors import SourceError
from datatwin.io.database_writer import check_database_target, write_database
from datatwin.io.sql import is_database_url
from datatwin.io.writers import folder_beside
from datatwin.schema.relational import RelationalSchema, TableSchema

MANIFEST = "scenario.json"
"""The run's manifest in a folder target: the scenario, seed, counts and realised prevalence."""
MANIFEST_TABLE = "scenario_manifest"
"""The same manifest in a database target: one row holding the JSON document."""
FORMATS = (".parquet", ".csv")


class Sink:
    """Receives a run's tables and commits them together."""

    def __init__(self, target: str | Path, *, table_format: str = ".parquet", replace: bool = False) -> None:
        if table_format not in FORMATS:
            raise SourceError(f"Scenario tables are written as .parquet or .csv, not {table_format!r}.")
        self.target, self.format, self.replace = target, table_format, replace
        self.database = is_database_url(target)
        check_database_target(target, replace=replace)
        self.frames: dict[str, list[pd.DataFrame]] = {}
        self.keys: dict[str, str] = {}
        self.writers: dict[str, Any] = {}
        self.temporary: Path | None = None
        self.committed = False
        self._folder = contextlib.ExitStack()

    def __enter__(self) -> Sink:
        if not self.database:
            self.temporary = self._folder.enter_context(folder_beside(Path(self.target)))
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        for writer in self.writers.values():
            if writer is not None:
                writer.close()
        if error is None and not self.committed:
            error = RuntimeError("The scenario run ended without committing its tables.")
            kind, trace = type(error), None
        self._folder.__exit__(kind, error, trace)  # a committed folder moves into place; otherwise it goes

    def write(self, name: str, frame: pd.DataFrame, *, key: str) -> None:
        """Add rows to table ``name`` (its primary key column is ``key``)."""
        self.keys[name] = key
        if self.database:
            self.frames.setdefault(name, []).append(frame)
            return
        assert self.temporary is not None
        path = self.temporary / f"{name}{self.format}"
        if self.format == ".csv":
            frame.to_csv(path, index=False, header=name not in self.writers, mode="a" if name in self.writers else "w")
            self.writers.setdefault(name, None)
            return
        import pyarrow as pa
        import pyarrow.parquet as pq

        if name not in self.writers:
            schema = _arrow_schema(frame).with_metadata(pa.Schema.from_pandas(frame, preserve_index=False).metadata)
            self.writers[name] = pq.ParquetWriter(path, schema)
        writer = self.writers[name]
        writer.write_table(pa.Table.from_pandas(frame, schema=writer.schema, preserve_index=False))

    def commit(self, manifest: dict[str, Any]) -> None:
        """Put every table (and the manifest) in place at once."""
        document = json.dumps(manifest, indent=2, sort_keys=False)
        if self.database:
            tables = {name: pd.concat(parts, ignore_index=True) for name, parts in self.frames.items()}
            tables[MANIFEST_TABLE] = pd.DataFrame({"run": [1], "document": [document]})
            self.keys[MANIFEST_TABLE] = "run"
            schema = RelationalSchema(
                tuple(TableSchema(name, tuple(frame.columns), (self.keys[name],)) for name, frame in tables.items())
            )
            write_database(schema, tables, str(self.target), replace=self.replace)
            return
        assert self.temporary is not None
        for name, writer in self.writers.items():
            if writer is not None:
                writer.close()
                self.writers[name] = None
        (self.temporary / MANIFEST).write_text(document, encoding="utf-8")
        self.committed = True


def _arrow_schema(frame: pd.DataFrame) -> Any:
    """Column types fixed from the first day, so a later day's all-missing column keeps its type."""
    import pyarrow as pa

    fields = []
    for name, column in frame.items():
        if pd.api.types.is_datetime64_any_dtype(column):
            kind = pa.timestamp("ms")
        elif pd.api.types.is_bool_dtype(column):
            kind = pa.bool_()
        elif pd.api.types.is_integer_dtype(column):
            kind = pa.int64()
        elif pd.api.types.is_float_dtype(column):
            kind = pa.float64()
        else:
            kind = pa.string()
        fields.append(pa.field(str(name), kind))
    return pa.schema(fields)
