"""The first steps of series given by the user: a series twin continues them."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from datatwin.errors import ConfigError
from datatwin.schema import coerce_table
from datatwin.sequential.events import order_numbers
from datatwin.sequential.fitted import FIRST, START, FittedSequences, schema_without
from datatwin.sequential.history import observed


@dataclass
class KnownSteps:
    """The same number of given steps for each of some entities.

    Attributes
    ----------
    entities
        The entities' keys, one row each (a series twin's context); ``None`` for one series.
    steps
        Steps given per entity.
    values
        Per step target, ``(entities, steps)`` values (numbers learnt as changes: their levels).
    time
        ``(entities, steps)`` times.
    """

    entities: pd.DataFrame | None
    steps: int
    values: dict[str, np.ndarray]
    time: np.ndarray

    def into(self, rows: pd.DataFrame) -> pd.DataFrame:
        """The entity rows starting at the given steps: their start and first levels."""
        rows = rows.copy()
        rows[START] = self.time[:, 0]
        for column in [c for c in rows.columns if c.startswith(FIRST)]:
            given = self.values[column.removeprefix(FIRST)]
            present = observed(self.values, column.removeprefix(FIRST))
            first = np.argmax(present, axis=1)
            seen = present.any(axis=1)
            rows[column] = np.where(seen, given[np.arange(len(given)), first], rows[column].to_numpy(dtype=float))
        return rows


def known_steps(fitted: FittedSequences, start: pd.DataFrame) -> KnownSteps:
    """Check and encode ``start``: whole rows of the event table (entity and order columns
    included), the same number of steps for every entity named."""
    keys = fitted.keys
    if fitted.mode != "series":
        raise ConfigError("start= continues series; an event twin draws whole sequences (use context=).")
    missing = [c for c in fitted.schema.names if c not in start.columns]
    if missing:
        raise ConfigError(f"start must hold whole rows of the table; it lacks column(s) {missing}.")
    if len(start) == 0:
        raise ConfigError("start has no rows: give the first steps of each series to continue.")
    step_schema = schema_without(fitted.schema)
    working = coerce_table(start[step_schema.names].reset_index(drop=True), step_schema)
    time = order_numbers(working[keys.order], fitted.schema[keys.order].kind)
    entity = start[keys.entity].astype(str).to_numpy() if keys.entity else np.zeros(len(start), dtype=str)
    order = np.lexsort((time, entity))
    entity, time, working = entity[order], time[order], working.iloc[order].reset_index(drop=True)
    names = pd.unique(entity)
    counts = pd.Series(entity).value_counts()[names].to_numpy()
    if len(set(counts)) > 1:
        raise ConfigError(f"start gives {min(counts)} to {max(counts)} steps per entity; give each the same number.")
    steps = int(counts[0])
    encoded = fitted.encoder.encode(fitted.rules.forward(working), seed=0)
    first = np.zeros(len(working), dtype=bool)
    first[::steps] = True
    values = {c.name: encoded.data[c.name] for c in fitted.history.targets if c.name in encoded.data}
    values.update(fitted.clock.values(time, first))  # the calendar is given, not a target
    shaped = {
        name: np.asarray(values[name]).reshape(len(names), steps) for name in (c.name for c in fitted.history.targets)
    }
    entities = pd.DataFrame({keys.entity: names}) if keys.entity else None
    return KnownSteps(entities, steps, shaped, time.reshape(len(names), steps))
