"""The payments world's catalogue: event vocabularies, merchant categories and hour profiles.

Each merchant category has its share of merchants, the share of its card payments made with
the card not present (orders online, by phone or in an app: a grocer delivers, a restaurant
takes orders, a pump is paid at the pump), the median and spread of its amounts (lognormal)
and the hour profile its payments follow; transfers, payroll
runs and branch visits have profiles of their own. These are the declared rules the normal
world draws from, and what camouflaged typologies imitate.
"""

from __future__ import annotations

import dataclasses

import numpy as np

TYPES = ("card", "transfer", "salary", "cash_deposit")
CHANNELS = ("chip", "contactless", "online", "app", "web", "payroll", "branch", "atm")
STATUSES = ("approved", "declined")
WEEKDAY = np.array([0.95, 0.95, 1.0, 1.0, 1.1, 1.15, 0.85])
PAYEES = 4
FAVOURITES = 5


def _profile(*peaks: tuple[float, float, float], floor: float = 0.05) -> np.ndarray:
    hours = np.arange(24) + 0.5
    shape = np.full(24, floor)
    for centre, width, weight in peaks:
        distance = np.minimum(np.abs(hours - centre), 24 - np.abs(hours - centre))
        shape += weight * np.exp(-0.5 * (distance / width) ** 2)
    return shape / shape.sum()


PROFILES = np.stack(
    [
        _profile((11.0, 2.5, 1.0), (17.0, 2.0, 1.0)),  # daytime shopping
        _profile((19.5, 2.0, 1.0), (13.0, 1.2, 0.5)),  # meals and evenings
        _profile((21.0, 2.5, 1.0), (13.0, 2.0, 0.4), floor=0.1),  # online, late
        _profile((10.0, 2.0, 0.8), (19.0, 2.5, 1.0)),  # transfers
        _profile((4.0, 1.0, 1.0), floor=0.0),  # payroll runs
        _profile((12.0, 2.5, 1.0), floor=0.01),  # branch and ATM hours
    ]
)
DAYTIME, EVENING, LATE, TRANSFERS, PAYROLL, BRANCH = range(6)


@dataclasses.dataclass(frozen=True)
class Category:
    """A merchant category: its share of card-not-present payments, its amounts (lognormal)
    and its hours."""

    name: str
    remote: float
    median: float
    spread: float
    profile: int
    share: float


CATEGORIES = (
    Category("grocery", 0.06, 32.0, 0.7, DAYTIME, 0.26),
    Category("fuel", 0.0, 55.0, 0.4, DAYTIME, 0.08),
    Category("restaurant", 0.15, 28.0, 0.6, EVENING, 0.16),
    Category("retail", 0.25, 60.0, 0.9, DAYTIME, 0.12),
    Category("entertainment", 0.45, 30.0, 0.7, EVENING, 0.05),
    Category("online_retail", 1.0, 45.0, 1.0, LATE, 0.17),
    Category("digital_goods", 1.0, 12.0, 0.9, LATE, 0.08),
    Category("travel", 0.85, 240.0, 0.9, DAYTIME, 0.03),
    Category("utilities", 0.9, 80.0, 0.5, DAYTIME, 0.05),
)
REMOTE = np.array([c.remote for c in CATEGORIES])
"""Each category's share of card-not-present payments."""
ONLINE = REMOTE >= 0.5
"""The categories that sell mostly online (customers who buy online lean towards them)."""
