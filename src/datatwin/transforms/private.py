"""The encoder of a differentially private twin: every column as codes of bins and labels laid
down by its DP schema alone (:class:`~datatwin.dp.discretize.Discretizer`), so encoding learns
nothing from the values and spends no budget, and decoding is post-processing.

It offers what the single-table pipeline asks of an encoder — encoded columns, encode, decode,
conditions, saved state — with one difference: a condition on a number or a date picks the
bins that overlap the wanted interval, and decoding draws each value within the overlap.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from datatwin.conditions import Wanted
from datatwin.dp.discretize import Discretizer
from datatwin.encoded import EncodedColumn, EncodedTable
from datatwin.errors import ConfigError
from datatwin.schema import ColumnKind, ColumnSpec, Schema
from datatwin.transforms._conditions import label_codes, value_interval

CODE = "::code"
"""Suffix of a column's one encoded column."""


class PrivateEncoder:
    """Codes of a DP schema's columns (see the module).

    Parameters
    ----------
    schema
        The DP schema: declared or DP-estimated bounds and labels for every column.
    shapes
        DP weights of the fine cells of number and date columns (see
        :class:`~datatwin.dp.discretize.Discretizer`).
    """

    def __init__(self, schema: Schema, shapes: dict[str, np.ndarray] | None = None) -> None:
        self.schema = schema
        self.shapes = dict(shapes or {})
        self.discretizer = Discretizer(schema, self.shapes)
        self.sizes = self.discretizer.sizes()

    @property
    def encoded_columns(self) -> tuple[EncodedColumn, ...]:
        """One discrete column per source column."""
        return tuple(EncodedColumn(c + CODE, "discrete", self.sizes[c]) for c in self.schema.names)

    def encode(self, table: pd.DataFrame, *, seed: int = 0) -> EncodedTable:
        """Codes of a table in working form (``seed`` is unused: encoding draws nothing)."""
        return EncodedTable(self.encoded_columns, self.encode_columns(table, seed=seed), n_rows=len(table))

    def encode_columns(self, table: pd.DataFrame, *, seed: int = 0) -> dict[str, np.ndarray]:
        """Codes of the columns ``table`` has."""
        specs = Schema(tuple(self.schema[str(c)] for c in table.columns))
        codes = Discretizer(specs).encode(table.reset_index(drop=True))
        return {name + CODE: values for name, values in codes.items()}

    def conditions(self, wanted: dict[str, Wanted]) -> dict[str, Any]:
        """The allowed codes of each conditioned column."""
        return {name + CODE: self._codes(self.schema[name], value) for name, value in wanted.items()}

    def intervals(self, wanted: dict[str, Wanted]) -> dict[str, tuple[float, float]]:
        """The wanted interval of each conditioned number or date column (dates as seconds)."""
        return {
            name: self._interval(self.schema[name], value)
            for name, value in wanted.items()
            if self.schema[name].kind in _RANGED and value is not None
        }

    def decode(
        self, encoded: EncodedTable, *, seed: int, within: dict[str, tuple[float, float]] | None = None
    ) -> pd.DataFrame:
        """Rows for the codes (numbers and dates drawn within their bins and ``within``)."""
        codes = {name: encoded.data[name + CODE] for name in self.schema.names}
        return self.discretizer.decode(codes, np.random.default_rng(seed), within)

    def label_shares(self, column: str, encoded: EncodedTable) -> dict[object, float]:
        """Each label's share among drawn rows ``encoded`` (for rebalancing)."""
        spec = self.schema[column]
        if spec.kind is ColumnKind.CATEGORICAL:
            labels: list[object] = list(spec.categories or ())
        elif spec.kind is ColumnKind.BOOLEAN:
            labels = [spec.false_label, spec.true_label]
        else:
            raise ConfigError(f"Only a categorical or boolean column can be rebalanced; {column!r} is not one.")
        counts = np.bincount(encoded.data[column + CODE], minlength=self.sizes[column])[: len(labels)] + 1.0
        return {label: float(c / counts.sum()) for label, c in zip(labels, counts, strict=True)}

    def to_state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        """The shapes (the schema is saved with the twin)."""
        return {"kind": "private", "shapes": list(self.shapes)}, {f"shape/{c}": w for c, w in self.shapes.items()}

    @classmethod
    def from_state(cls, schema: Schema, config: dict[str, Any], arrays: dict[str, np.ndarray]) -> PrivateEncoder:
        """Inverse of :meth:`to_state`."""
        return cls(schema, {c: arrays[f"shape/{c}"] for c in config.get("shapes", [])})

    # -- conditions ------------------------------------------------------------------------------

    def _codes(self, spec: ColumnSpec, wanted: Wanted) -> set[int]:
        missing = self.sizes[spec.name] - 1
        if spec.kind is ColumnKind.CATEGORICAL:
            return label_codes(spec.name, wanted, list(spec.categories or ()), missing)
        if spec.kind is ColumnKind.BOOLEAN:
            return label_codes(spec.name, wanted, [spec.false_label, spec.true_label], missing)
        if wanted is None:
            return {missing}
        low, high = self._interval(spec, wanted)
        return set(self.discretizer.bins_within(spec, low, high))

    def _interval(self, spec: ColumnSpec, wanted: Wanted) -> tuple[float, float]:
        dated = spec.kind is ColumnKind.DATETIME
        step = 1.0 if spec.kind is ColumnKind.INTEGER else 0.0
        if spec.kind is ColumnKind.NUMERIC and spec.decimals is not None:
            step = 10.0**-spec.decimals
        return value_interval(
            spec.name, wanted, step=step, bounds=(-np.inf, np.inf), to_number=_seconds if dated else float
        )


_RANGED = (ColumnKind.NUMERIC, ColumnKind.INTEGER, ColumnKind.DATETIME)


def _seconds(value: object) -> float:
    return pd.Timestamp(str(value)).timestamp()
