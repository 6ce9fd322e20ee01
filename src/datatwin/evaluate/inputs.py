"""Checking and aligning the tables an evaluation compares.

Any pair of tables can be evaluated — datatwin's output or another tool's — so the synthetic
table is read against the real table's schema leniently: values outside the real bounds or
domain are what the fidelity metrics measure, not errors. Values of the wrong type are errors.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TypeAlias

import pandas as pd

from datatwin.errors import DataError
from datatwin.io import TableSource
from datatwin.io.streamed import read_table_rows, sample_source_rows
from datatwin.schema import ColumnKind, ColumnSpec, Schema, coerce_table, infer_schema
from datatwin.schema.features import comparable_columns

TableInput: TypeAlias = "pd.DataFrame | str | Path"


@dataclass(frozen=True)
class EvaluationData:
    """The tables in their working forms, with what the metrics need to know about them."""

    real: pd.DataFrame
    synthetic: pd.DataFrame
    holdout: pd.DataFrame | None
    schema: Schema
    declared_schema: bool
    columns: list[str]
    target: str | None
    sensitive: list[str]
    sampled_from: dict[str, int] = field(default_factory=dict)
    """Row counts of the tables that were compared on a random sample of their rows."""


def prepare(
    real: TableInput,
    synthetic: TableInput,
    holdout: TableInput | None = None,
    *,
    schema: Schema | str | Path | None = None,
    target: str | None = None,
    sensitive: list[str] | None = None,
    max_rows: int | None = None,
    seed: int = 0,
) -> EvaluationData:
    """Read, check and coerce the tables of an evaluation; with ``max_rows``, a larger table is
    compared on a uniform random sample of that many rows (a file read in batches, never whole).

    Raises
    ------
    DataError
        Listing every problem at once: empty tables, columns missing from or extra in a table,
        an unknown target or sensitive column, values of the wrong type.
    """
    tables = {"real": real, "synthetic": synthetic, **({"holdout": holdout} if holdout is not None else {})}
    sources = {name: _read(table, max_rows, seed) for name, table in tables.items()}
    frames = {name: source.data for name, source in sources.items()}
    sampled_from = {name: s.rows_in_source for name, s in sources.items() if s.rows_in_source is not None}
    problems = [f"the {name} table has no rows" for name, frame in frames.items() if len(frame) == 0]
    names = [str(c) for c in frames["real"].columns]
    for name, frame in frames.items():
        present = [str(c) for c in frame.columns]
        if missing := [c for c in names if c not in present]:
            problems.append(f"the {name} table lacks the real table's columns {missing}")
        if extra := [c for c in present if c not in names]:
            problems.append(f"the {name} table has columns the real table does not: {extra}")
    for column in [target, *(sensitive or [])]:
        if column is not None and column not in names:
            problems.append(f"column {column!r} (given as target or sensitive) is not in the real table: {names}")
    if problems:
        raise DataError(problems)
    declared = schema is not None
    schema = _schema(schema, frames["real"])
    coerced = {name: _coerce(name, frame[names], schema) for name, frame in frames.items()}
    return EvaluationData(
        real=coerced["real"],
        synthetic=coerced["synthetic"],
        holdout=coerced.get("holdout"),
        schema=schema,
        declared_schema=declared,
        columns=comparable_columns(schema),
        target=target,
        sensitive=list(sensitive or []),
        sampled_from=sampled_from,
    )


def _read(table: TableInput, max_rows: int | None, seed: int) -> TableSource:
    """The table, or a uniform random sample of ``max_rows`` of its rows when it has more."""
    if not isinstance(table, pd.DataFrame):
        return read_table_rows(Path(table), max_rows, seed=seed)
    frame = table.set_axis([str(c) for c in table.columns], axis=1)
    return sample_source_rows(TableSource(frame, "<DataFrame>", ""), max_rows, seed=seed)


def _schema(schema: Schema | str | Path | None, real: pd.DataFrame) -> Schema:
    if isinstance(schema, Schema):
        return schema
    if schema is not None:
        return Schema.from_json(schema)
    return infer_schema(real, rare_threshold=1)


def _loose(spec: ColumnSpec) -> ColumnSpec:
    """The spec without bounds, integers read as numbers (fractions are a constraint breach)."""
    if spec.kind is ColumnKind.INTEGER:
        return replace(spec.without_bounds(), kind=ColumnKind.NUMERIC)
    return spec.without_bounds()


def _coerce(name: str, frame: pd.DataFrame, schema: Schema) -> pd.DataFrame:
    """Working forms without bound checks (bounds are measured, not enforced)."""
    loose = Schema(tuple(_loose(c) for c in schema.columns))
    try:
        return coerce_table(frame, loose)
    except DataError as exc:
        raise DataError([f"{name} table: {p}" for p in exc.problems]) from None
