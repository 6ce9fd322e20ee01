"""Setting real rows aside before fitting, so a twin can be judged against rows it never saw."""

from __future__ import annotations

import numpy as np
import pandas as pd

from datatwin.errors import ConfigError, DataError
from datatwin.io import TableSource
from datatwin.lineage import hash_frame

MIN_HOLDOUT_ROWS = 20
MIN_HOLDOUT_ENTITIES = 5


def split_holdout(
    source: TableSource, share: float, *, seed: int, entity: str | None = None
) -> tuple[TableSource, TableSource]:
    """A seeded random split of ``source`` into training rows and ``share`` of holdout rows;
    with ``entity``, whole entities are held out (every row of an entity on one side).

    Raises
    ------
    ConfigError
        For a share outside (0, 0.5].
    DataError
        When the table is too small to set ``MIN_HOLDOUT_ROWS`` aside and still learn from the
        rest (or, by entity, fewer than ``MIN_HOLDOUT_ENTITIES`` entities on a side).
    """
    if not 0 < share <= 0.5:
        raise ConfigError(f"The holdout share must be above 0 and at most 0.5; got {share}.")
    rng = np.random.default_rng(seed)
    if entity is not None:
        codes, labels = pd.factorize(source.data[entity])
        n_holdout = round(len(labels) * share)
        if n_holdout < MIN_HOLDOUT_ENTITIES or len(labels) - n_holdout < MIN_HOLDOUT_ENTITIES:
            raise DataError(
                [
                    f"{source.name} has {len(labels)} entities in {entity!r}: too few to hold {100 * share:.0f}% of "
                    f"them out for a report (at least {MIN_HOLDOUT_ENTITIES} on each side); fit without a report."
                ]
            )
        held = np.zeros(len(labels), dtype=bool)
        held[rng.permutation(len(labels))[:n_holdout]] = True
        out = held[codes]
        return _part(source, np.flatnonzero(~out), "training"), _part(source, np.flatnonzero(out), "holdout")
    n_holdout = round(len(source.data) * share)
    if n_holdout < MIN_HOLDOUT_ROWS or len(source.data) - n_holdout < MIN_HOLDOUT_ROWS:
        raise DataError(
            [
                f"{source.name} has {len(source.data)} rows: too few to hold {100 * share:.0f}% out for a report "
                f"(at least {MIN_HOLDOUT_ROWS} rows on each side); fit without a report, or evaluate separately."
            ]
        )
    order = rng.permutation(len(source.data))
    return _part(source, np.sort(order[n_holdout:]), "training"), _part(source, np.sort(order[:n_holdout]), "holdout")


def _part(source: TableSource, rows: np.ndarray, role: str) -> TableSource:
    frame = source.data.iloc[rows].reset_index(drop=True)
    name = f"{source.name} ({role} rows, {len(frame)} of {len(source.data)})"
    return TableSource(frame, name, hash_frame(frame))
