"""Numbers: continuous values plus a missing-value flag, decoded to the source's precision."""

from __future__ import annotations

from typing import ClassVar, Self

import numpy as np
import pandas as pd

from datatwin.errors import ConfigError
from datatwin.schema import ColumnKind, ColumnSpec
from datatwin.transforms.base import ContinuousTransform, NullFlag, TransformState, require_fitted


class NumericTransform(ContinuousTransform):
    """Numeric and integer columns.

    Encodes the value as one continuous column (missing cells filled with draws from the
    observed values) and, when the column has missing values, a null flag. Decoding rounds
    to the column's decimals (integers to whole numbers), clips to its bounds and restores
    missing cells; integer columns come back as ``int64`` (``Int64`` when cells are missing).
    """

    kinds: ClassVar[tuple[ColumnKind, ...]] = (ColumnKind.NUMERIC, ColumnKind.INTEGER)

    def __init__(self, spec: ColumnSpec) -> None:
        self.spec = spec
        self._value = f"{spec.name}::value"
        self._null = NullFlag(spec.name)
        self.has_nulls_: bool | None = None
        self.bounds_: tuple[float, float] | None = None

    def fit(self, values: pd.Series, *, rng: np.random.Generator) -> Self:
        """Learn whether the column has missing values and, unless declared, its bounds."""
        numbers = self.to_numbers(values)
        observed = numbers[~np.isnan(numbers)]
        lo = self.spec.minimum if self.spec.minimum is not None else _or_zero(observed, np.min)
        hi = self.spec.maximum if self.spec.maximum is not None else _or_zero(observed, np.max)
        self.bounds_ = (float(lo), float(hi))
        self.has_nulls_ = bool(np.isnan(numbers).any())
        return self

    def to_numbers(self, values: pd.Series) -> np.ndarray:
        """The column as float64."""
        return values.to_numpy(dtype=np.float64, na_value=np.nan)

    def to_number(self, value: object) -> float:
        """A wanted number."""
        try:
            return float(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise ConfigError(f"Column {self.spec.name!r} holds numbers; {value!r} is not one.") from None

    def rounding_step(self) -> float:
        """1 for integers, 10**-decimals for numbers with known decimals, else 0."""
        if self.spec.kind is ColumnKind.INTEGER:
            return 1.0
        return 0.0 if self.spec.decimals is None else 10.0**-self.spec.decimals

    def decode(self, encoded: dict[str, np.ndarray], n: int, *, rng: np.random.Generator) -> pd.Series:
        """Round, clip and restore missing cells."""
        require_fitted(self, "bounds_")
        assert self.bounds_ is not None
        lo, hi = self.bounds_
        decimals = 0 if self.spec.kind is ColumnKind.INTEGER else self.spec.decimals
        values = encoded[self._value].astype(np.float64)
        if decimals is not None:
            values = np.round(values, decimals)
        values = np.clip(values, lo, hi)
        missing = self._null.missing(encoded, n)
        if self.spec.kind is ColumnKind.INTEGER:
            if missing.any():
                return pd.Series(values.astype(np.int64), dtype="Int64").mask(missing)
            return pd.Series(values.astype(np.int64))
        values[missing] = np.nan
        return pd.Series(values)

    def to_state(self) -> TransformState:
        """The learned flags and bounds."""
        require_fitted(self, "bounds_")
        assert self.bounds_ is not None
        return {"has_nulls": self.has_nulls_, "bounds": list(self.bounds_)}, {}

    @classmethod
    def from_state(cls, spec: ColumnSpec, state: TransformState) -> Self:
        """Rebuild a fitted transform."""
        config, _ = state
        transform = cls(spec)
        transform.has_nulls_ = bool(config["has_nulls"])
        transform.bounds_ = (float(config["bounds"][0]), float(config["bounds"][1]))
        return transform


def _or_zero(values: np.ndarray, reduce: object) -> float:
    return float(reduce(values)) if len(values) else 0.0  # type: ignore[operator]
