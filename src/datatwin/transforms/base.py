"""The protocol every column transform follows, and the missing-value flag they share."""

from __future__ import annotations

from typing import Any, ClassVar, Protocol, Self

import numpy as np
import pandas as pd

from datatwin.conditions import Wanted
from datatwin.encoded import EncodedColumn
from datatwin.errors import ConfigError, NotFittedError
from datatwin.schema import ColumnKind, ColumnSpec
from datatwin.transforms._conditions import null_condition, value_interval

TransformState = tuple[dict[str, Any], dict[str, np.ndarray]]
"""A transform's learned state: a JSON-able dict and named numeric arrays."""


class ColumnTransform(Protocol):
    """Turns one column into encoded columns and back.

    ``fit`` learns from the column's working form (see :mod:`datatwin.schema.coerce`);
    ``encode`` gives continuous or discrete arrays; ``decode`` turns ``n`` rows of them back
    into values of the column's kind and format. Kinds whose values must never be copied
    (keys, personal data, free text) are generated anew on decoding instead.
    """

    kinds: ClassVar[tuple[ColumnKind, ...]]

    def __init__(self, spec: ColumnSpec) -> None: ...
    def fit(self, values: pd.Series, *, rng: np.random.Generator) -> Self: ...
    def encoded_columns(self) -> list[EncodedColumn]: ...
    def condition(self, wanted: Wanted) -> dict[str, Any]: ...
    def encode(self, values: pd.Series, *, rng: np.random.Generator) -> dict[str, np.ndarray]: ...
    def decode(self, encoded: dict[str, np.ndarray], n: int, *, rng: np.random.Generator) -> pd.Series: ...
    def to_state(self) -> TransformState: ...
    @classmethod
    def from_state(cls, spec: ColumnSpec, state: TransformState) -> Self: ...


class NullFlag:
    """The discrete ``<name>::null`` column (1 = missing) of a column that has missing values."""

    def __init__(self, column: str) -> None:
        self.name = f"{column}::null"

    def encoded(self) -> EncodedColumn:
        """The flag's encoded column."""
        return EncodedColumn(self.name, "discrete", 2)

    def encode(self, values: pd.Series) -> np.ndarray:
        """1 where the value is missing, else 0."""
        return values.isna().to_numpy().astype(np.int64)

    def missing(self, encoded: dict[str, np.ndarray], n: int) -> np.ndarray:
        """Boolean mask of the rows to leave empty."""
        flag = encoded.get(self.name)
        return np.zeros(n, dtype=bool) if flag is None else flag.astype(bool)


def require_fitted(transform: object, attribute: str) -> None:
    """Raise :class:`NotFittedError` if ``attribute`` has not been learned yet."""
    if getattr(transform, attribute, None) is None:
        name = type(transform).__name__
        raise NotFittedError(f"{name} is not fitted yet: call fit() before encode() or decode().")


def fill_missing(values: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Replace NaN with values drawn from the observed ones, keeping the marginal."""
    out = values.astype(np.float64, copy=True)
    missing = np.isnan(out)
    observed = out[~missing]
    if missing.any():
        out[missing] = rng.choice(observed, size=int(missing.sum())) if len(observed) else 0.0
    return out


class GeneratedTransform:
    """Base of the kinds generated outside the model: only their null flag is modelled.

    Subclasses learn what they need in :meth:`fit` (after calling this one) and make values
    in ``decode``.
    """

    def __init__(self, spec: ColumnSpec) -> None:
        self.spec = spec
        self._null = NullFlag(spec.name)
        self.has_nulls_: bool | None = None

    def fit(self, values: pd.Series, *, rng: np.random.Generator) -> Self:
        """Learn whether cells are missing."""
        self.has_nulls_ = bool(values.isna().any())
        return self

    def encoded_columns(self) -> list[EncodedColumn]:
        """The null flag, if the column has missing values."""
        require_fitted(self, "has_nulls_")
        return [self._null.encoded()] if self.has_nulls_ else []

    def encode(self, values: pd.Series, *, rng: np.random.Generator) -> dict[str, np.ndarray]:
        """The null flag only: the values themselves are never encoded."""
        require_fitted(self, "has_nulls_")
        return {self._null.name: self._null.encode(values)} if self.has_nulls_ else {}

    def condition(self, wanted: Wanted) -> dict[str, Any]:
        """Refused: these values are generated outside the model."""
        raise ConfigError(
            f"Column {self.spec.name!r} ({self.spec.kind.value}) is generated anew, "
            "so rows cannot be conditioned on it."
        )

    def to_state(self) -> TransformState:
        """Whether cells are missing (subclasses add theirs)."""
        require_fitted(self, "has_nulls_")
        return {"has_nulls": self.has_nulls_}, {}

    @classmethod
    def from_state(cls, spec: ColumnSpec, state: TransformState) -> Self:
        """Rebuild a fitted transform (subclasses restore theirs)."""
        transform = cls(spec)
        transform.has_nulls_ = bool(state[0]["has_nulls"])
        return transform


class ContinuousTransform:
    """Base of kinds encoded as one continuous value column plus a null flag when needed.

    Subclasses set ``self._value`` (the value column's name) and ``has_nulls_`` in ``fit``,
    and implement :meth:`to_numbers`.
    """

    _value: str
    _null: NullFlag
    has_nulls_: bool | None

    bounds_: tuple[float, float] | None
    spec: ColumnSpec

    def to_numbers(self, values: pd.Series) -> np.ndarray:
        """The column as float64, NaN where missing."""
        raise NotImplementedError

    def to_number(self, value: Any) -> float:
        """One wanted value (from a condition) in the encoded scale."""
        raise NotImplementedError

    def rounding_step(self) -> float:
        """The step decoded values are rounded to (0 for none)."""
        raise NotImplementedError

    def condition(self, wanted: Wanted) -> dict[str, Any]:
        """Encoded conditions: an interval on the value column and the null flag."""
        require_fitted(self, "bounds_")
        flag = self._null.name if self.has_nulls_ else None
        out = null_condition(self.spec.name, wanted, flag)
        if wanted is not None:
            assert self.bounds_ is not None
            out[self._value] = value_interval(
                self.spec.name, wanted, step=self.rounding_step(), bounds=self.bounds_, to_number=self.to_number
            )
        return out

    def encoded_columns(self) -> list[EncodedColumn]:
        """The value column, and the null flag if the column has missing values."""
        require_fitted(self, "has_nulls_")
        columns = [EncodedColumn(self._value, "continuous")]
        return [*columns, self._null.encoded()] if self.has_nulls_ else columns

    def encode(self, values: pd.Series, *, rng: np.random.Generator) -> dict[str, np.ndarray]:
        """The values (missing cells filled from the observed ones) and the null flag."""
        require_fitted(self, "has_nulls_")
        out = {self._value: fill_missing(self.to_numbers(values), rng)}
        if self.has_nulls_:
            out[self._null.name] = self._null.encode(values)
        return out
