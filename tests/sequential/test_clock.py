"""Time as a sequence twin learns it: gaps in active days for events in bursts, exact round
trips, and drawn times that never go back."""

from __future__ import annotations

import numpy as np
import pandas as pd

import datatwin
from datatwin.sequential.clock import DAY, Clock


def _rentals(customers: int = 120, seed: int = 0) -> pd.DataFrame:
    """Rentals in two busy periods three months apart (a shop whose data covers two seasons):
    each customer rents every day or two within a period, at daytime hours."""
    rng = np.random.default_rng(seed)
    periods = [pd.Timestamp("2024-03-01"), pd.Timestamp("2024-06-01")]
    rows = []
    for c in range(customers):
        for begin in periods:
            day = int(rng.integers(0, 5))
            while day < 21:
                at = begin + pd.Timedelta(days=day, hours=int(rng.integers(9, 20)), minutes=int(rng.integers(0, 60)))
                rows.append((f"C{c:03d}", at, round(float(rng.gamma(2, 2)), 2)))
                day += int(rng.integers(1, 3))
    return pd.DataFrame(rows, columns=["customer", "rented_at", "price"])


def _seconds(times: pd.Series) -> np.ndarray:
    return (pd.to_datetime(times) - pd.Timestamp("1970-01-01")).dt.total_seconds().to_numpy()


def test_events_in_bursts_count_active_days_and_round_trip():
    rentals = _rentals().sort_values(["customer", "rented_at"])
    time = _seconds(rentals["rented_at"])
    customer = rentals["customer"].to_numpy()
    first = np.r_[True, customer[1:] != customer[:-1]]
    clock = Clock.learn(time, first, timestamps=True)
    assert clock.split and clock.active is not None
    assert len(clock.active) <= 42  # two periods of 21 days; the weeks between do not count
    drawn = clock.values(time, first)
    assert drawn["__days__"][~first].max() <= 21  # the jump between the periods is a day or two
    previous = clock.since(time, first)
    np.testing.assert_array_equal(clock.advance(previous, drawn)[~first], time[~first])
    assert Clock.from_dict(clock.to_dict()) == clock
    beyond = clock.advance(np.array([clock.active[-1] * DAY]), {"__days__": np.array([3.0]), "__time_of_day__": [0.0]})
    assert beyond[0] == (clock.active[-1] + 3) * DAY  # past the real days, every day counts


def test_drawn_rentals_stay_in_the_busy_periods_and_never_go_back():
    rentals = _rentals()
    twin = datatwin.fit(
        rentals, entity="customer", order="rented_at", model="argn", model_options={"max_epochs": 15}, seed=0
    )
    drawn = twin.sample(120, seed=1)
    at = pd.to_datetime(drawn["rented_at"])
    quiet = (at >= pd.Timestamp("2024-03-27")) & (at < pd.Timestamp("2024-06-01"))
    assert quiet.mean() < 0.05  # real: none in the weeks between the periods
    gaps = at.groupby(drawn["customer"]).diff().dropna()
    assert (gaps >= pd.Timedelta(0)).all()
    assert (gaps == pd.Timedelta(0)).mean() < 0.02  # an earlier time of day on the same day is drawn again
