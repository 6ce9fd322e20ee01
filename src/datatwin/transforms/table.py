"""Encoding a whole table: one transform per column, applied in the schema's order."""

from __future__ import annotations

import copy as copy_module
from typing import Any, Self

import numpy as np
import pandas as pd

from datatwin.conditions import Wanted
from datatwin.encoded import EncodedColumn, EncodedTable
from datatwin.errors import ArtifactError, ConfigError, NotFittedError
from datatwin.schema import Schema
from datatwin.transforms.base import ColumnTransform
from datatwin.transforms.registry import TRANSFORMS, transform_for


class TableEncoder:
    """Fits, applies and inverts the transforms of every column of a table.

    Parameters
    ----------
    schema
        The table's schema; data given to ``fit`` and ``encode`` must be in the working form
        made by :func:`datatwin.schema.coerce_table`.
    """

    def __init__(self, schema: Schema) -> None:
        self.schema = schema
        self.transforms_: dict[str, ColumnTransform] | None = None

    def fit(self, table: pd.DataFrame, *, seed: int) -> Self:
        """Fit every column's transform."""
        rngs = _column_rngs(seed, len(self.schema.columns))
        self.transforms_ = {
            spec.name: transform_for(spec).fit(table[spec.name], rng=rng)
            for spec, rng in zip(self.schema.columns, rngs, strict=True)
        }
        return self

    def _fitted(self) -> dict[str, ColumnTransform]:
        if self.transforms_ is None:
            raise NotFittedError("TableEncoder is not fitted yet: call fit() first.")
        return self.transforms_

    @property
    def encoded_columns(self) -> tuple[EncodedColumn, ...]:
        """The encoded columns of all transforms, in order."""
        return tuple(c for t in self._fitted().values() for c in t.encoded_columns())

    def conditions(self, wanted: dict[str, Wanted]) -> dict[str, Any]:
        """Encoded-column conditions for conditions on source columns."""
        transforms = self._fitted()
        unknown = sorted(set(wanted) - set(transforms))
        if unknown:
            raise ConfigError(f"Conditions name unknown column(s) {unknown}; the columns are {list(transforms)}.")
        encoded: dict[str, Any] = {}
        for name, value in wanted.items():
            encoded.update(transforms[name].condition(value))
        return encoded

    def encode(self, table: pd.DataFrame, *, seed: int) -> EncodedTable:
        """Encode a table in working form."""
        transforms = self._fitted()
        rngs = _column_rngs(seed, len(transforms))
        data: dict[str, np.ndarray] = {}
        for (name, transform), rng in zip(transforms.items(), rngs, strict=True):
            data.update(transform.encode(table[name], rng=rng))
        return EncodedTable(self.encoded_columns, data, n_rows=len(table))

    def encode_columns(self, table: pd.DataFrame, *, seed: int) -> dict[str, np.ndarray]:
        """Encode only the columns ``table`` has (in working form), e.g. the context of a sample."""
        transforms = self._fitted()
        rngs = dict(zip(transforms, _column_rngs(seed, len(transforms)), strict=True))
        data: dict[str, np.ndarray] = {}
        for name in table.columns:
            data.update(transforms[name].encode(table[name].reset_index(drop=True), rng=rngs[name]))
        return data

    def decode(self, encoded: EncodedTable, *, seed: int) -> pd.DataFrame:
        """Turn encoded rows back into a table with the schema's columns, kinds and formats."""
        transforms = self._fitted()
        rngs = _column_rngs(seed, len(transforms))
        n = encoded.n_rows
        columns = {
            name: transform.decode(encoded.data, n, rng=rng).reset_index(drop=True)
            for (name, transform), rng in zip(transforms.items(), rngs, strict=True)
        }
        return pd.DataFrame(columns, index=pd.RangeIndex(n))

    def unbounded(self, names: list[str]) -> TableEncoder:
        """A copy whose columns ``names`` decode without clipping to the bounds seen (a series
        drawn past the end of its data keeps its later times)."""
        copy = type(self)(self.schema)
        copy.transforms_ = dict(self._fitted())
        for name in names:
            transform = copy_module.copy(copy.transforms_[name])
            if getattr(transform, "bounds_", None) is not None:
                transform.bounds_ = (-np.inf, np.inf)  # type: ignore[attr-defined]
            copy.transforms_[name] = transform
        return copy

    def to_state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        """Each column's transform state; arrays are keyed ``"<column>/<array>"``."""
        config: dict[str, Any] = {}
        arrays: dict[str, np.ndarray] = {}
        for name, transform in self._fitted().items():
            column_config, column_arrays = transform.to_state()
            config[name] = column_config
            arrays.update({f"{name}/{key}": value for key, value in column_arrays.items()})
        return config, arrays

    @classmethod
    def from_state(cls, schema: Schema, config: dict[str, Any], arrays: dict[str, np.ndarray]) -> Self:
        """Rebuild a fitted encoder from :meth:`to_state`'s output."""
        encoder = cls(schema)
        missing = [n for n in schema.names if n not in config]
        if missing:
            raise ArtifactError(f"The saved encoder has no state for column(s) {missing}.")
        encoder.transforms_ = {}
        for spec in schema.columns:
            prefix = f"{spec.name}/"
            column_arrays = {k[len(prefix) :]: v for k, v in arrays.items() if k.startswith(prefix)}
            transform_cls = TRANSFORMS[spec.kind]
            encoder.transforms_[spec.name] = transform_cls.from_state(spec, (config[spec.name], column_arrays))
        return encoder


def _column_rngs(seed: int, count: int) -> list[np.random.Generator]:
    return [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(count)]
