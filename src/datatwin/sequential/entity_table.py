"""An entity table beside the events: attributes of each entity, and entities without events."""

from __future__ import annotations

import numpy as np
import pandas as pd

from datatwin.errors import DataError
from datatwin.sequential.fitted import LENGTH

_SHOWN = 5


def with_entity_table(rows: pd.DataFrame, table: pd.DataFrame, entity: str | None) -> pd.DataFrame:
    """The entity rows of the events (one per entity, in the events' order) with the entity
    table's columns joined by key, then the table's entities that have no events (length 0).

    Raises
    ------
    DataError
        When the events have no entity column, the table lacks it or repeats a key, or events
        name entities the table does not have.
    """
    if entity is None:
        raise DataError(["An entity table needs an entity column in the events (entity=...)."])
    if entity not in table.columns:
        raise DataError([f"The entity table has no column {entity!r} to match the events' entities by."])
    keys = table[entity].astype(str)
    repeated = keys[keys.duplicated()].unique()
    if len(repeated):
        raise DataError([f"The entity table repeats entity key(s) {list(repeated[:_SHOWN])}: one row per entity."])
    unknown = sorted(set(rows[entity].astype(str)) - set(keys))
    if unknown:
        raise DataError(
            [f"{len(unknown)} entit(ies) with events are not in the entity table, e.g. {unknown[:_SHOWN]}."]
        )
    clashing = [c for c in table.columns if c != entity and c in rows.columns]
    extra = table.drop(columns=clashing).assign(_key=keys.to_numpy()).set_index("_key")
    joined = rows.join(extra.drop(columns=[entity]), on=rows[entity].astype(str).rename("_key"))
    silent = table[~keys.isin(set(rows[entity].astype(str)))]
    if len(silent):
        empty = silent.reindex(columns=joined.columns)
        empty[LENGTH] = 0
        joined = pd.concat([joined, empty], ignore_index=True)
    joined[LENGTH] = joined[LENGTH].astype(np.int64)
    return joined.reset_index(drop=True)
