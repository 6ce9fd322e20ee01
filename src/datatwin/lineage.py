"""Where a twin came from: recorded at fit time and saved inside the twin."""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from datatwin._version import __version__


@dataclass(frozen=True)
class Lineage:
    """The facts of one fit.

    Parameters
    ----------
    source
        The source file's name, or ``"<DataFrame>"``.
    source_sha256
        Hash of the source file's bytes, or of the DataFrame's contents.
    n_rows, n_columns
        Shape of the source table.
    model
        Registered name of the model.
    seed
        Seed of the fit.
    datatwin_version
        Version that fitted the twin.
    created_at
        UTC time of the fit, ISO 8601.
    sampled_rows
        Rows the twin learnt from when they were a random sample of the source's ``n_rows``
        (``None``: it learnt from every row).
    model_scores
        When ``auto`` chose the model by measurement (small tables): each candidate's two-sample
        AUC against rows it was not fitted on, 0.5 ideal (``None``: chosen by the table's size
        or named by the user).
    refreshed_from
        For a twin refreshed from another (``datatwin refresh``): the other's lineage, and its
        file's SHA-256 when it was read from a file.
    schema_changes
        For a refreshed twin: how the new data's schema differed from the old twin's.
    """

    source: str
    source_sha256: str
    n_rows: int
    n_columns: int
    model: str
    seed: int
    datatwin_version: str
    created_at: str
    sampled_rows: int | None = None
    model_scores: dict[str, float] | None = None
    refreshed_from: dict[str, Any] | None = None
    schema_changes: dict[str, Any] | None = None

    @classmethod
    def record(
        cls,
        *,
        source: str,
        source_sha256: str,
        data: pd.DataFrame,
        model: str,
        seed: int,
        rows_in_source: int | None = None,
        model_scores: dict[str, float] | None = None,
    ) -> Lineage:
        """Lineage of a fit happening now (``rows_in_source``: ``data`` is a sample of that many
        rows; ``model_scores``: how ``auto`` measured the candidates)."""
        return cls(
            source=source,
            source_sha256=source_sha256,
            n_rows=len(data) if rows_in_source is None else rows_in_source,
            sampled_rows=None if rows_in_source is None else len(data),
            n_columns=data.shape[1],
            model=model,
            model_scores=model_scores,
            seed=seed,
            datatwin_version=__version__,
            created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Lineage:
        """Inverse of :meth:`to_dict`."""
        return cls(**data)


def hash_frame(data: pd.DataFrame) -> str:
    """SHA-256 of a DataFrame's column names and contents."""
    digest = hashlib.sha256("\x1f".join(map(str, data.columns)).encode("utf-8"))
    digest.update(pd.util.hash_pandas_object(data, index=False).to_numpy().tobytes())
    return digest.hexdigest()
