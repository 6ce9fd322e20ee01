"""Setting real rows aside before fitting, so a twin can be judged against rows it never saw."""

from __future__ import annotations

import numpy as np

from datatwin.errors import ConfigError, DataError
from datatwin.io import TableSource
from datatwin.lineage import hash_frame

MIN_HOLDOUT_ROWS = 20


def split_holdout(source: TableSource, share: float, *, seed: int) -> tuple[TableSource, TableSource]:
    """A seeded random split of ``source`` into training rows and ``share`` of holdout rows.

    Raises
    ------
    ConfigError
        For a share outside (0, 0.5].
    DataError
        When the table is too small to set ``MIN_HOLDOUT_ROWS`` aside and still learn from the rest.
    """
    if not 0 < share <= 0.5:
        raise ConfigError(f"The holdout share must be above 0 and at most 0.5; got {share}.")
    n_holdout = round(len(source.data) * share)
    if n_holdout < MIN_HOLDOUT_ROWS or len(source.data) - n_holdout < MIN_HOLDOUT_ROWS:
        raise DataError(
            [
                f"{source.name} has {len(source.data)} rows: too few to hold {100 * share:.0f}% out for a report "
                f"(at least {MIN_HOLDOUT_ROWS} rows on each side); fit without a report, or evaluate separately."
            ]
        )
    order = np.random.default_rng(seed).permutation(len(source.data))
    parts = []
    for rows, role in ((order[n_holdout:], "training"), (order[:n_holdout], "holdout")):
        frame = source.data.iloc[np.sort(rows)].reset_index(drop=True)
        parts.append(
            TableSource(frame, f"{source.name} ({role} rows, {len(frame)} of {len(source.data)})", hash_frame(frame))
        )
    return parts[0], parts[1]
