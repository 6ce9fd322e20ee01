"""Payment fraud typologies of the payments world: card testing, account takeover, mule
networks (fan-in / fan-out) and authorised push-payment scams.

Each writes transactions labelled with its name, the instance and the role of the event's
account (``victim`` or ``mule``). Camouflage draws each telling trait — amount, hour, pacing,
merchant, device — from the account's normal behaviour with that probability.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Generator
from typing import Any

import numpy as np

from datatwin.scenarios.options import bounds
from datatwin.scenarios.payments import PaymentsWorld
from datatwin.scenarios.payments_catalogue import LATE, TRANSFERS
from datatwin.scenarios.typology import Typology, blend_values, gaps, later_at, start_hour

HOUR = 3600.0


@dataclasses.dataclass(frozen=True)
class CardTestingParams:
    attempts: int = dataclasses.field(default=20, metadata=bounds(1, 10_000))
    """Small authorisations tried on the stolen card."""
    merchants: int = dataclasses.field(default=2, metadata=bounds(1, 100))
    decline_rate: float = dataclasses.field(default=0.6, metadata=bounds(0, 1))
    cash_out: int = dataclasses.field(default=2, metadata=bounds(0, 100))
    """Large purchases once the card is known to work."""


class CardTesting(Typology):
    """A stolen card number tried with a burst of small online payments at a few digital-goods
    shops (camouflaged: at merchants anywhere that take cards online, as customers' own online
    payments reach them), many declined, then cashed out with large purchases, from the
    fraudster's device."""

    name = "card_testing"
    world = "payments"
    table = "transactions"
    Params = CardTestingParams
    summary = "bursts of small online card payments on a stolen card, then large purchases"

    def events_per_instance(self) -> float:
        return self.params.attempts + self.params.cash_out

    def run(self, env: Any, world: PaymentsWorld, instance: Any, rng: np.random.Generator) -> Generator[Any, Any, None]:
        p, c = self.params, self.camouflage
        victim = int(rng.integers(world.size))
        instance.involve("account", victim)
        begin = later_at(env.now, start_hour(c, rng, float(world.normal_seconds(LATE, 1, rng)[0])))
        k = p.attempts + p.cash_out
        times = begin + np.cumsum(gaps(c, rng, k, blatant=25.0, normal=4 * HOUR))
        shops = world.merchants_in("digital_goods", p.merchants, rng)
        merchants = shops[rng.integers(0, len(shops), k)]
        merchants = blend_values(c, rng, merchants, world.remote_merchants(k, rng))
        merchants[p.attempts :] = world.merchants_in("online_retail", p.cash_out, rng)
        victims = np.full(k, victim)
        normal_amounts = world.card_amounts(victims, merchants, rng)
        small = np.round(rng.uniform(0.5, 4.0, k), 2)
        amounts = blend_values(c, rng, small, normal_amounts)
        amounts[p.attempts :] = np.round(normal_amounts[p.attempts :] * rng.uniform(4, 12, p.cash_out), 2)
        declined = rng.random(k) < np.where(rng.random(k) < c, world.settings.decline_rate, p.decline_rate)
        declined[p.attempts :] = False
        device = world.new_devices(1)[0]
        instance.emit(
            self.table,
            times,
            "victim",
            **world.transactions(
                account=victims,
                type=0,
                channel=2,
                merchant=merchants,
                amount=amounts,
                device=device,
                status=declined.astype(np.int8),
            ),
        )
        yield env.timeout(float(times[-1] - env.now))


@dataclasses.dataclass(frozen=True)
class TakeoverParams:
    transfers: int = dataclasses.field(default=2, metadata=bounds(1, 100))
    drain: float = dataclasses.field(default=0.8, metadata=bounds(0, 1))
    """Share of the balance the fraudster moves out, in all."""


class AccountTakeover(Typology):
    """A fraudster logs in from a new device and sends most of the balance to new payees."""

    name = "account_takeover"
    world = "payments"
    table = "transactions"
    Params = TakeoverParams
    summary = "a new device drains an account through transfers to new payees"

    def events_per_instance(self) -> float:
        return self.params.transfers

    def run(self, env: Any, world: PaymentsWorld, instance: Any, rng: np.random.Generator) -> Generator[Any, Any, None]:
        p, c = self.params, self.camouflage
        victim = int(rng.integers(world.size))
        payees = world.other_accounts(p.transfers, rng, avoid=np.r_[victim, world.payees[victim]])
        instance.involve("account", victim)
        for payee in payees:
            instance.involve("account", int(payee))
        begin = later_at(env.now, start_hour(c, rng, float(world.normal_seconds(TRANSFERS, 1, rng)[0])))
        k = len(payees)
        times = begin + np.cumsum(gaps(c, rng, k, blatant=240.0, normal=8 * HOUR))
        victims = np.full(k, victim)
        drained = np.round(max(world.balance[victim], 50.0) * p.drain / k * rng.uniform(0.9, 1.1, k), 2)
        amounts = blend_values(c, rng, drained, world.transfer_amounts(victims, rng))
        device = world.new_devices(1)[0]
        devices = blend_values(c / 2, rng, np.full(k, device), world.own_devices(victims, rng))
        instance.emit(
            self.table,
            times,
            "victim",
            **world.transactions(
                account=victims,
                type=1,
                channel=blend_values(c, rng, 4 - (rng.random(k) < 0.5), world.usual_channels(victims, rng)),
                counterparty=payees,
                amount=amounts,
                device=devices,
            ),
        )
        yield env.timeout(float(times[-1] - env.now))


@dataclasses.dataclass(frozen=True)
class MuleParams:
    victims: int = dataclasses.field(default=6, metadata=bounds(1, 1000))
    cash_out: int = dataclasses.field(default=3, metadata=bounds(1, 100))
    keep: float = dataclasses.field(default=0.1, metadata=bounds(0, 1))
    """Share of the collected money the mule keeps."""
    collect_days: float = dataclasses.field(default=2.0, metadata=bounds(0.01, 60))


class MuleNetwork(Typology):
    """Fan-in / fan-out: several victims pay one mule account, which forwards what it collected
    (less its cut) to a few cash-out accounts."""

    name = "mule_network"
    world = "payments"
    table = "transactions"
    Params = MuleParams
    summary = "victims pay one mule (fan-in), who forwards the money to cash-out accounts (fan-out)"

    def events_per_instance(self) -> float:
        return self.params.victims + self.params.cash_out

    def run(self, env: Any, world: PaymentsWorld, instance: Any, rng: np.random.Generator) -> Generator[Any, Any, None]:
        p, c = self.params, self.camouflage
        people = world.other_accounts(1 + p.victims + p.cash_out, rng)
        mule, victims, outs = int(people[0]), people[1 : 1 + p.victims], people[1 + p.victims :]
        for account in people:
            instance.involve("account", int(account))
        spread = p.collect_days * 86_400.0
        times = env.now + np.sort(rng.uniform(0, spread, len(victims)))
        times = np.array([later_at(t, world.normal_seconds(TRANSFERS, 1, rng)[0]) for t in times])
        large = np.round(np.exp(rng.normal(np.log(900.0), 0.5, len(victims))), 2)
        amounts = blend_values(c, rng, large, world.transfer_amounts(victims, rng))
        instance.emit(
            self.table,
            times,
            "victim",
            **world.transactions(
                account=victims,
                type=1,
                channel=3,
                counterparty=mule,
                amount=amounts,
                device=world.own_devices(victims, rng),
            ),
        )
        yield env.timeout(float(times.max() - env.now))
        forward = amounts.sum() * (1 - p.keep)
        shares = rng.dirichlet(np.ones(len(outs))) * forward
        mules = np.full(len(outs), mule)
        out_times = env.now + np.cumsum(gaps(c, rng, len(outs), blatant=900.0, normal=10 * HOUR))
        instance.emit(
            self.table,
            out_times,
            "mule",
            **world.transactions(
                account=mules,
                type=1,
                channel=3,
                counterparty=outs,
                amount=np.round(shares, 2) + 0.01,
                device=world.own_devices(mules, rng),
            ),
        )
        yield env.timeout(float(out_times[-1] - env.now))


@dataclasses.dataclass(frozen=True)
class ScamParams:
    payments: int = dataclasses.field(default=2, metadata=bounds(1, 100))
    size: float = dataclasses.field(default=6.0, metadata=bounds(0.1, 1000))
    """Each payment, as a multiple of the victim's typical transfer."""


class PushPaymentScam(Typology):
    """An authorised push-payment scam: the victim, persuaded, pays a new payee (a mule) from
    their own device at ordinary hours — only the payee and the size stand out."""

    name = "app_scam"
    world = "payments"
    table = "transactions"
    Params = ScamParams
    summary = "a persuaded customer pays large sums to a new payee from their own device"

    def events_per_instance(self) -> float:
        return self.params.payments

    def run(self, env: Any, world: PaymentsWorld, instance: Any, rng: np.random.Generator) -> Generator[Any, Any, None]:
        p, c = self.params, self.camouflage
        victim = int(rng.integers(world.size))
        scammer = int(world.other_accounts(1, rng, avoid=np.r_[victim, world.payees[victim]])[0])
        instance.involve("account", victim)
        instance.involve("account", scammer)
        k = p.payments
        begin = later_at(env.now, float(world.normal_seconds(TRANSFERS, 1, rng)[0]))
        times = begin + np.cumsum(gaps(c, rng, k, blatant=1800.0, normal=20 * HOUR))
        victims = np.full(k, victim)
        typical = world.transfer_amounts(victims, rng)
        amounts = blend_values(c, rng, np.round(typical * p.size, 2), typical)
        instance.emit(
            self.table,
            times,
            "victim",
            **world.transactions(
                account=victims,
                type=1,
                channel=np.where(world.app_user[victim], 3, 4),
                counterparty=scammer,
                amount=amounts,
                device=world.own_devices(victims, rng),
            ),
        )
        yield env.timeout(float(times[-1] - env.now))
