"""Booleans: codes 0 (false), 1 (true) and 2 (missing), decoded to the column's own labels."""

from __future__ import annotations

from typing import Any, ClassVar, Self

import numpy as np
import pandas as pd

from datatwin.conditions import Wanted
from datatwin.encoded import EncodedColumn
from datatwin.schema import ColumnKind, ColumnSpec
from datatwin.transforms._conditions import label_codes
from datatwin.transforms.base import TransformState, require_fitted

_MISSING = 2


class BooleanTransform:
    """Boolean columns; labels come back as spelled in the source (``yes``, ``TRUE``, ``1``)."""

    kinds: ClassVar[tuple[ColumnKind, ...]] = (ColumnKind.BOOLEAN,)

    def __init__(self, spec: ColumnSpec) -> None:
        self.spec = spec
        self._code = f"{spec.name}::code"
        self.true_share_: float | None = None

    def fit(self, values: pd.Series, *, rng: np.random.Generator) -> Self:
        """Learn the share of true values (the labels are in the schema)."""
        present = values.dropna().astype(bool)
        self.true_share_ = float(present.mean()) if len(present) else 0.5
        return self

    def label_shares(self) -> dict[Any, float]:
        """Share of each label among present cells (for rebalancing)."""
        require_fitted(self, "true_share_")
        share = float(self.true_share_)  # type: ignore[arg-type]  # fitted
        return {self.spec.false_label: 1.0 - share, self.spec.true_label: share}

    def encoded_columns(self) -> list[EncodedColumn]:
        """One discrete column with three codes."""
        return [EncodedColumn(self._code, "discrete", 3)]

    def condition(self, wanted: Wanted) -> dict[str, Any]:
        """The allowed codes: a label (or ``True``/``False``), a list of them, or ``None``."""
        true, false = self.spec.true_label, self.spec.false_label
        if isinstance(wanted, list | set | tuple):
            wanted = [true if w is True else false if w is False else w for w in wanted]
        elif isinstance(wanted, bool):
            wanted = true if wanted else false
        return {self._code: label_codes(self.spec.name, wanted, [false, true], _MISSING)}

    def encode(self, values: pd.Series, *, rng: np.random.Generator) -> dict[str, np.ndarray]:
        """0/1 codes, 2 for missing (``values`` is a pandas ``boolean`` series)."""
        flags = values.astype("boolean")
        codes = flags.fillna(False).to_numpy(dtype=np.int64)
        codes[flags.isna().to_numpy()] = _MISSING
        return {self._code: codes}

    def decode(self, encoded: dict[str, np.ndarray], n: int, *, rng: np.random.Generator) -> pd.Series:
        """The true/false labels, keeping their type (bool, int or str)."""
        require_fitted(self, "true_share_")
        codes = encoded[self._code]
        missing = codes == _MISSING
        true: Any = self.spec.true_label  # bool, int or str, as the source spells them
        false: Any = self.spec.false_label
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
        """The share of true values."""
        require_fitted(self, "true_share_")
        return {"true_share": self.true_share_}, {}

    @classmethod
    def from_state(cls, spec: ColumnSpec, state: TransformState) -> Self:
        """Rebuild a fitted transform."""
        transform = cls(spec)
        transform.true_share_ = float(state[0]["true_share"])
        return transform
