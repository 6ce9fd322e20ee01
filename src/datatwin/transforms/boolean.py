"""Booleans: codes 0 (false), 1 (true) and 2 (missing), decoded to the column's own labels."""

from __future__ import annotations

from typing import ClassVar, Self

import numpy as np
import pandas as pd

from datatwin.encoded import EncodedColumn
from datatwin.schema import ColumnKind, ColumnSpec
from datatwin.transforms.base import TransformState

_MISSING = 2


class BooleanTransform:
    """Boolean columns; labels come back as spelled in the source (``yes``, ``TRUE``, ``1``)."""

    kinds: ClassVar[tuple[ColumnKind, ...]] = (ColumnKind.BOOLEAN,)

    def __init__(self, spec: ColumnSpec) -> None:
        self.spec = spec
        self._code = f"{spec.name}::code"

    def fit(self, values: pd.Series, *, rng: np.random.Generator) -> Self:
        """Nothing to learn: the labels are in the schema."""
        return self

    def encoded_columns(self) -> list[EncodedColumn]:
        """One discrete column with three codes."""
        return [EncodedColumn(self._code, "discrete", 3)]

    def encode(self, values: pd.Series, *, rng: np.random.Generator) -> dict[str, np.ndarray]:
        """0/1 codes, 2 for missing (``values`` is a pandas ``boolean`` series)."""
        flags = values.astype("boolean")
        codes = flags.fillna(False).to_numpy(dtype=np.int64)
        codes[flags.isna().to_numpy()] = _MISSING
        return {self._code: codes}

    def decode(self, encoded: dict[str, np.ndarray], n: int, *, rng: np.random.Generator) -> pd.Series:
        """The true/false labels, keeping their type (bool, int or str)."""
        codes = encoded[self._code]
        missing = codes == _MISSING
        true, false = self.spec.true_label, self.spec.false_label
        if isinstance(true, bool | int):
            values = pd.Series(np.where(codes == 1, true, false))
            return (
                values.astype("boolean" if isinstance(true, bool) else "Int64").mask(missing)
                if missing.any()
                else values
            )
        labels = np.where(codes == 1, true, false).astype(object)
        labels[missing] = None
        return pd.Series(labels, dtype=object)

    def to_state(self) -> TransformState:
        """No learned state."""
        return {}, {}

    @classmethod
    def from_state(cls, spec: ColumnSpec, state: TransformState) -> Self:
        """Rebuild the transform."""
        return cls(spec)
