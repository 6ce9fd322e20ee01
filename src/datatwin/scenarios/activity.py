"""Normal activity drawn from a sequence twin: each agent lives one drawn event history.

When the scenario names an activity twin (a sequence twin of real payments, fitted with
``datatwin fit payments.csv --entity customer --order time``), its new entities' histories
become the agents' normal card payments: when each payment happens (its day and hour, the gaps
between them) and how much it is, as the twin learnt them; merchants, channels and devices still
follow the world's rules. Each history keeps its time of day and starts on the run's first day.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pandas as pd

from datatwin.errors import ConfigError
from datatwin.scenarios.world import DAY

ROLES = {"amount": "how much each payment is"}
"""What an activity twin's columns must provide (besides its entity and order keys)."""


@dataclasses.dataclass(frozen=True)
class Activity:
    """Drawn normal events, sorted by time: the agent, seconds since the run's start, amount."""

    agent: np.ndarray
    seconds: np.ndarray
    amount: np.ndarray
    days: int

    def on_day(self, day: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The day's events: agents, seconds into the day, amounts."""
        first, last = np.searchsorted(self.seconds, [day * DAY, (day + 1) * DAY])
        return self.agent[first:last], self.seconds[first:last] - day * DAY, self.amount[first:last]

    def count_on(self, day: int) -> int:
        first, last = np.searchsorted(self.seconds, [day * DAY, (day + 1) * DAY])
        return int(last - first)

    def profile(self, agents: int) -> dict[str, Any]:
        """What the realism check compares a run with (see :func:`describe`)."""
        return describe(self.seconds, self.amount, agents=agents, days=self.days)


def activity_from_sequences(
    frame: pd.DataFrame, *, entity: str, order: str, roles: dict[str, str], agents: int, days: int
) -> Activity:
    """Turn drawn sequences into the agents' activity: the ``i``-th entity drawn is agent ``i``.

    Raises
    ------
    ConfigError
        When a role's column is missing or not numeric, or the order is neither a time nor a
        number of days.
    """
    amount_column = roles.get("amount", "amount")
    if amount_column not in frame.columns or not pd.api.types.is_numeric_dtype(frame[amount_column]):
        numeric = [str(c) for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c]) and c != order]
        raise ConfigError(
            f"The activity twin has no numeric column {amount_column!r} for the role 'amount' ({ROLES['amount']}); "
            f"map one with activity.roles.amount: <column> (numeric columns: {', '.join(numeric) or 'none'})."
        )
    codes, _ = pd.factorize(frame[entity])
    keep = codes < agents
    times = frame[order]
    if pd.api.types.is_datetime64_any_dtype(times):
        moments = pd.to_datetime(times).astype("datetime64[ns]").astype("int64").to_numpy() / 1e9
        first_midnight = pd.Series(np.floor(moments / DAY) * DAY).groupby(codes).transform("min").to_numpy()
        seconds = moments - first_midnight
    elif pd.api.types.is_numeric_dtype(times):
        steps = times.to_numpy(dtype="float64")
        seconds = (steps - pd.Series(steps).groupby(codes).transform("min").to_numpy()) * DAY
    else:
        raise ConfigError(f"The activity twin's order column {order!r} must be a time or a number of days.")
    amount = frame[amount_column].to_numpy(dtype="float64")
    keep &= np.isfinite(seconds) & np.isfinite(amount) & (seconds < days * DAY)
    order_index = np.argsort(seconds[keep], kind="stable")
    return Activity(
        agent=codes[keep][order_index].astype(np.int64),
        seconds=seconds[keep][order_index],
        amount=np.maximum(np.round(np.abs(amount[keep][order_index]), 2), 0.01),
        days=days,
    )


def hour_profile(seconds: np.ndarray) -> np.ndarray:
    """The share of events in each hour of the day (seconds since a midnight)."""
    hours = np.bincount(((seconds % DAY) // 3600).astype(int), minlength=24)[:24]
    return hours / max(hours.sum(), 1)


def describe(seconds: np.ndarray, amount: np.ndarray, *, agents: int, days: int) -> dict[str, Any]:
    """Events per agent per day, share of events per hour of day, and the amounts (as 1,000
    evenly spaced quantiles: a sample of the distribution small enough for the manifest)."""
    return {
        "per_agent_day": round(len(seconds) / max(agents, 1) / days, 5),
        "hours": np.round(hour_profile(seconds), 5).tolist(),
        "amounts": np.round(np.quantile(amount, (np.arange(1000) + 0.5) / 1000), 2).tolist() if len(amount) else [],
    }
