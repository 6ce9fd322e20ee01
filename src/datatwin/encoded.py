"""The encoded table: what transforms produce and models learn from.

An encoded table has only two kinds of column: *continuous* (float64, no missing values) and
*discrete* (int64 codes ``0 .. cardinality-1``). Missing values, labels, formats and keys are
the transforms' business; a model never sees them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from datatwin.errors import DataError

EncodedKind = Literal["continuous", "discrete"]


@dataclass(frozen=True)
class EncodedColumn:
    """Name and kind of one encoded column.

    Parameters
    ----------
    name
        Unique name, ``"<source column>::<part>"``.
    kind
        ``"continuous"`` or ``"discrete"``.
    cardinality
        Number of codes of a discrete column (0 for continuous ones).
    """

    name: str
    kind: EncodedKind
    cardinality: int = 0

    def to_dict(self) -> dict[str, object]:
        """JSON-able form."""
        return {"name": self.name, "kind": self.kind, "cardinality": self.cardinality}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> EncodedColumn:
        """Inverse of :meth:`to_dict`."""
        return cls(str(data["name"]), data["kind"], int(data["cardinality"]))


@dataclass(frozen=True)
class EncodedTable:
    """Columns of equal length, continuous or discrete, in a fixed order.

    Parameters
    ----------
    columns
        The columns' descriptions, in order.
    data
        One 1-D array of ``n_rows`` values per column name.
    n_rows
        Number of rows (a table may have rows but no encoded columns).
    """

    columns: tuple[EncodedColumn, ...]
    data: dict[str, np.ndarray]
    n_rows: int

    def __post_init__(self) -> None:
        missing = [c.name for c in self.columns if c.name not in self.data]
        problems = [f"encoded column {n!r} has no data" for n in missing]
        wrong = [n for n, v in self.data.items() if len(v) != self.n_rows]
        if wrong:
            problems.append(f"encoded columns {wrong} do not have {self.n_rows} rows")
        for col in self.columns:
            values = self.data.get(col.name)
            if values is None:
                continue
            if col.kind == "continuous" and not np.isfinite(values).all():
                problems.append(f"continuous column {col.name!r} holds NaN or infinite values")
            if col.kind == "discrete" and len(values) and (values.min() < 0 or values.max() >= col.cardinality):
                problems.append(f"discrete column {col.name!r} has codes outside 0..{col.cardinality - 1}")
        if problems:
            raise DataError(problems)

    def column(self, name: str) -> np.ndarray:
        """The values of one encoded column."""
        return self.data[name]
