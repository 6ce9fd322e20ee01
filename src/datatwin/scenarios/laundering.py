"""Money-laundering typologies of the payments world: structuring below a reporting threshold,
layering cycles and scatter-gather.

Dirty money is placed as cash deposits and moved through ordinary customers' accounts, so the
events are normal in kind (deposits, transfers) and stand out only by their amounts, timing
and the shape of the flow. Roles: ``launderer`` for the account that places the money, ``mule``
for accounts it passes through.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Generator
from typing import Any

import numpy as np

from datatwin.scenarios.options import bounds
from datatwin.scenarios.payments import PaymentsWorld
from datatwin.scenarios.payments_catalogue import BRANCH, TRANSFERS
from datatwin.scenarios.typology import Typology, blend_values, gaps, later_at

HOUR = 3600.0


@dataclasses.dataclass(frozen=True)
class StructuringParams:
    deposits: int = dataclasses.field(default=8, metadata=bounds(1, 1000))
    threshold: float = dataclasses.field(default=10_000.0, metadata=bounds(1))
    margin: float = dataclasses.field(default=0.1, metadata=bounds(0, 1))
    """Deposits fall in [threshold × (1 − margin), threshold)."""
    days: float = dataclasses.field(default=5.0, metadata=bounds(0.01, 365))


class Structuring(Typology):
    """Cash deposited in several amounts just below the reporting threshold over a few days;
    camouflage widens the band below the threshold."""

    name = "structuring"
    world = "payments"
    table = "transactions"
    Params = StructuringParams
    summary = "cash deposits just below a reporting threshold, spread over days"

    def events_per_instance(self) -> float:
        return self.params.deposits

    def run(self, env: Any, world: PaymentsWorld, instance: Any, rng: np.random.Generator) -> Generator[Any, Any, None]:
        p, c = self.params, self.camouflage
        launderer = int(rng.integers(world.size))
        instance.involve("account", launderer)
        k = p.deposits
        days = np.sort(rng.uniform(0, p.days, k)).astype(int)
        times = np.array(
            [
                later_at(env.now + d * 86_400.0, s)
                for d, s in zip(days, world.normal_seconds(BRANCH, k, rng), strict=True)
            ]
        )
        times = np.maximum.accumulate(times)
        low = p.threshold * max(0.0, 1 - p.margin - 0.6 * c)
        amounts = np.round(rng.uniform(low, p.threshold * 0.999, k), -1 if c > 0.5 else 0)
        accounts = np.full(k, launderer)
        instance.emit(
            self.table,
            times,
            "launderer",
            **world.transactions(account=accounts, type=3, channel=np.where(rng.random(k) < 0.6, 7, 6), amount=amounts),
        )
        yield env.timeout(float(times[-1] - env.now))


@dataclasses.dataclass(frozen=True)
class CycleParams:
    length: int = dataclasses.field(default=4, metadata=bounds(2, 50))
    amount: float = dataclasses.field(default=20_000.0, metadata=bounds(1))
    fee: float = dataclasses.field(default=0.03, metadata=bounds(0, 0.9))
    """Share each account keeps before passing the money on."""
    delay_hours: float = dataclasses.field(default=6.0, metadata=bounds(0.01, 24 * 60))


class LayeringCycle(Typology):
    """Money placed in one account travels round a cycle of accounts and back, each hop a
    little smaller; camouflage sizes the money like the launderer's usual transfers and slows
    the hops."""

    name = "layering_cycle"
    world = "payments"
    table = "transactions"
    Params = CycleParams
    summary = "a placed sum sent round a cycle of accounts back to its origin"

    def events_per_instance(self) -> float:
        return self.params.length + 1

    def run(self, env: Any, world: PaymentsWorld, instance: Any, rng: np.random.Generator) -> Generator[Any, Any, None]:
        p, c = self.params, self.camouflage
        ring = world.other_accounts(p.length, rng)
        for account in ring:
            instance.involve("account", int(account))
        origin = ring[:1]
        amount = float(blend_values(c, rng, np.array([p.amount]), world.transfer_amounts(origin, rng) * 8)[0])
        placed_at = later_at(env.now, float(world.normal_seconds(BRANCH, 1, rng)[0]))
        instance.emit(
            self.table,
            placed_at,
            "launderer",
            **world.transactions(account=origin, type=3, channel=7, amount=np.round(amount * 1.02, -1)),
        )
        times = placed_at + np.cumsum(gaps(c, rng, p.length, blatant=p.delay_hours * HOUR, normal=30 * HOUR))
        times = np.array([later_at(t, world.normal_seconds(TRANSFERS, 1, rng)[0]) for t in times])
        times = np.maximum.accumulate(times)
        sizes = np.round(amount * (1 - p.fee) ** np.arange(p.length), 2)
        roles = ["launderer"] + ["mule"] * (p.length - 1)
        for hop in range(p.length):
            sender, receiver = ring[hop], ring[(hop + 1) % p.length]
            instance.emit(
                self.table,
                times[hop],
                roles[hop],
                **world.transactions(
                    account=sender,
                    type=1,
                    channel=4,
                    counterparty=receiver,
                    amount=sizes[hop],
                    device=world.own_devices(np.array([sender]), rng)[0],
                ),
            )
        yield env.timeout(float(times[-1] - env.now))


@dataclasses.dataclass(frozen=True)
class ScatterParams:
    intermediates: int = dataclasses.field(default=5, metadata=bounds(1, 1000))
    amount: float = dataclasses.field(default=30_000.0, metadata=bounds(1))
    fee: float = dataclasses.field(default=0.02, metadata=bounds(0, 0.9))
    delay_hours: float = dataclasses.field(default=12.0, metadata=bounds(0.01, 24 * 60))


class ScatterGather(Typology):
    """A placed sum scattered over several intermediate accounts, which each pass their share
    (less a fee) to one collecting account."""

    name = "scatter_gather"
    world = "payments"
    table = "transactions"
    Params = ScatterParams
    summary = "a placed sum split over intermediaries who all pay one collector"

    def events_per_instance(self) -> float:
        return 1 + 2 * self.params.intermediates

    def run(self, env: Any, world: PaymentsWorld, instance: Any, rng: np.random.Generator) -> Generator[Any, Any, None]:
        p, c = self.params, self.camouflage
        people = world.other_accounts(p.intermediates + 2, rng)
        source, sink, middle = people[0], people[1], people[2:]
        for account in people:
            instance.involve("account", int(account))
        k = len(middle)
        amount = float(
            blend_values(c, rng, np.array([p.amount]), world.transfer_amounts(np.array([source]), rng) * 2 * k)[0]
        )
        placed_at = later_at(env.now, float(world.normal_seconds(BRANCH, 1, rng)[0]))
        instance.emit(
            self.table,
            placed_at,
            "launderer",
            **world.transactions(account=source, type=3, channel=7, amount=np.round(amount * 1.01, -1)),
        )
        shares = np.round(rng.dirichlet(np.full(k, 4.0)) * amount, 2) + 0.01
        scatter = placed_at + np.cumsum(gaps(c, rng, k, blatant=600.0, normal=6 * HOUR))
        sources = np.full(k, source)
        instance.emit(
            self.table,
            scatter,
            "launderer",
            **world.transactions(
                account=sources,
                type=1,
                channel=4,
                counterparty=middle,
                amount=shares,
                device=world.own_devices(sources, rng),
            ),
        )
        gather = scatter + gaps(c, rng, k, blatant=p.delay_hours * HOUR, normal=40 * HOUR)
        instance.emit(
            self.table,
            gather,
            "mule",
            **world.transactions(
                account=middle,
                type=1,
                channel=3,
                counterparty=sink,
                amount=np.round(shares * (1 - p.fee), 2),
                device=world.own_devices(middle, rng),
            ),
        )
        yield env.timeout(float(gather.max() - env.now))
