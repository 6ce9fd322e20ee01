"""A made-up hotel bookings table that obeys rules across columns (a test fixture)."""

from __future__ import annotations

import numpy as np
import pandas as pd

PLACES = [
    ("Lyon", "Auvergne-Rhone-Alpes", "France"),
    ("Paris", "Ile-de-France", "France"),
    ("Nice", "Provence", "France"),
    ("Austin", "Texas", "USA"),
    ("Dallas", "Texas", "USA"),
    ("Boston", "Massachusetts", "USA"),
    ("Porto", "Norte", "Portugal"),
    ("Lisbon", "Lisboa", "Portugal"),
]


def bookings(n: int = 1500, seed: int = 0) -> pd.DataFrame:
    """Bookings: a check-out after its check-in, a total that is nights × rate, a cancellation
    date only for cancelled bookings, cities in their state and country, unique references."""
    rng = np.random.default_rng(seed)
    place = rng.choice(len(PLACES), n, p=np.linspace(2, 1, len(PLACES)) / np.linspace(2, 1, len(PLACES)).sum())
    check_in = pd.Timestamp("2025-01-01") + pd.to_timedelta(rng.integers(0, 365, n), unit="D")
    nights = rng.geometric(0.35, n).clip(1, 21)
    rate = np.round(np.exp(rng.normal(np.log(110), 0.35, n)) * np.where(place < 3, 1.2, 1.0), 2)
    cancelled = rng.random(n) < 0.18
    booked = check_in - pd.to_timedelta(rng.integers(1, 120, n), unit="D")
    cancelled_at = booked + pd.to_timedelta(rng.integers(0, 20, n), unit="D")
    return pd.DataFrame(
        {
            "reference": [f"BK-{i:06d}" for i in rng.permutation(900_000)[:n] + 100_000],
            "city": [PLACES[p][0] for p in place],
            "state": [PLACES[p][1] for p in place],
            "country": [PLACES[p][2] for p in place],
            "booked_at": booked.strftime("%Y-%m-%d"),
            "check_in": check_in.strftime("%Y-%m-%d"),
            "check_out": (check_in + pd.to_timedelta(nights, unit="D")).strftime("%Y-%m-%d"),
            "nights": nights,
            "rate": rate,
            "total": np.round(nights * rate, 2),
            "status": np.where(cancelled, "cancelled", "confirmed"),
            "cancelled_at": np.where(cancelled, cancelled_at.strftime("%Y-%m-%d"), None),
        }
    )
