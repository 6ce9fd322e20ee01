"""The payments world: customers with one account each, merchants, and a day of card
payments, transfers, cash deposits and salaries for every customer.

Customers' attributes come from a table twin (or the world's rules); two roles drive their
behaviour: ``wealth`` (by rank: how much they spend, earn and hold) and ``age`` (how much they
buy online). Every normal event follows declared rules: a customer's daily rate (heterogeneous,
lognormal), a weekday rhythm, merchants chosen among their favourites or by popularity, the card
present or not by the category's share of card-not-present payments, amounts lognormal per
merchant category, hours from each category's profile, transfers mostly to known
payees, and running balances that every event — normal or labelled — keeps exactly
(``balance_after = balance_before − amount`` for an approved payment).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from datatwin.scenarios.activity import Activity
from datatwin.scenarios.names import labelled
from datatwin.scenarios.options import bounds
from datatwin.scenarios.payments_catalogue import (
    BRANCH,
    CATEGORIES,
    CHANNELS,
    FAVOURITES,
    ONLINE,
    PAYEES,
    PAYROLL,
    PROFILES,
    REMOTE,
    STATUSES,
    TRANSFERS,
    TYPES,
    WEEKDAY,
)
from datatwin.scenarios.world import Columns, TableLayout, World, draw_hours, pick, scramble, scrambled_ids


@dataclasses.dataclass(frozen=True)
class PaymentsSettings:
    """Options of the payments world (``settings:`` in the scenario file)."""

    merchants: int = dataclasses.field(default=1500, metadata=bounds(10))
    card_rate: float = dataclasses.field(default=1.2, metadata=bounds(0, 50))
    """Card payments per customer per day, on average."""
    transfer_rate: float = dataclasses.field(default=0.15, metadata=bounds(0, 50))
    deposit_rate: float = dataclasses.field(default=0.03, metadata=bounds(0, 10))
    decline_rate: float = dataclasses.field(default=0.015, metadata=bounds(0, 1))
    new_device_rate: float = dataclasses.field(default=0.01, metadata=bounds(0, 1))
    new_payee_rate: float = dataclasses.field(default=0.08, metadata=bounds(0, 1))
    transfer_median: float = dataclasses.field(default=120.0, metadata=bounds(0.01))
    deposit_median: float = dataclasses.field(default=300.0, metadata=bounds(0.01))


class PaymentsWorld(World):
    """Customers, their accounts and cards, merchants, and a day of payments."""

    name = "payments"
    Settings = PaymentsSettings
    default_size = 5000
    roles: ClassVar[Mapping[str, str]] = {
        "wealth": "by rank: spending, salary and starting balance",
        "age": "share of payments made online",
    }
    tables: ClassVar[Mapping[str, TableLayout]] = {
        "transactions": TableLayout(
            columns={
                "account": "int64",
                "type": "int8",
                "channel": "int8",
                "merchant": "int64",
                "counterparty": "int64",
                "amount": "float64",
                "device": "int64",
                "status": "int8",
                "balance_before": "float64",
                "balance_after": "float64",
            },
            size="amount",
        )
    }

    takes_activity = True

    def __init__(
        self,
        settings: Any,
        population: pd.DataFrame,
        roles: Mapping[str, str],
        rng: np.random.Generator,
        activity: Activity | None = None,
    ):
        super().__init__(settings, population, roles, rng, activity)
        n, s = len(population), settings
        self.size = n
        wealth = pd.Series(self.role_values["wealth"]).rank(pct=True).to_numpy()
        age = self.role_values["age"]
        self.spend = np.exp(0.9 * (wealth - 0.5) + rng.normal(0, 0.25, n))
        self.pace = np.exp(rng.normal(-0.125, 0.5, n)) * (0.8 + 0.4 * wealth)
        self.online = np.clip(1.25 - np.clip(age, 16, 95) / 60 + rng.normal(0, 0.1, n), 0.05, 0.95)
        self.app_user = rng.random(n) < 0.7
        self.merchant_category = pick(np.array([c.share for c in CATEGORIES]), s.merchants, rng)
        self.popularity = rng.pareto(1.2, s.merchants) + 1.0
        self.favourites = np.stack(
            [self._merchants_like(rng.integers(0, len(CATEGORIES), n), rng) for _ in range(FAVOURITES)], axis=1
        )
        self.payees = (np.arange(n)[:, None] + rng.integers(1, n, (n, PAYEES))) % n
        self.devices = np.stack([np.arange(n), n + np.arange(n)], axis=1)
        self.next_device = 2 * n
        self.account_ids = scrambled_ids(n, 10, 4_113)
        self.customer_ids = scrambled_ids(n, 9, 71_909)
        self.merchant_ids = scrambled_ids(s.merchants, 7, 5_227)
        typical_card = np.exp(np.log([c.median for c in CATEGORIES]).mean() + 0.4)
        cards = (
            30 * self.pace * s.card_rate * typical_card * self.spend
            if activity is None
            else np.bincount(activity.agent, activity.amount, minlength=n)[:n] / activity.days * 30
        )
        monthly = cards + 30 * self.pace * s.transfer_rate * s.transfer_median * self.spend * 1.8
        self.salary = np.round(monthly * 1.03, 2)
        self.payday = rng.choice([0, 24, 27], n)
        self.balance = np.round(monthly * (0.3 + 2.5 * wealth) * np.exp(rng.normal(0, 0.3, n)), 2)
        self.opening_balance = self.balance.copy()
        self.written = 0

    @classmethod
    def rules_population(cls, size: int, rng: np.random.Generator) -> pd.DataFrame:
        age = np.clip(np.round(rng.normal(44, 15, size)), 18, 92).astype(np.int64)
        wealth = np.round(np.exp(rng.normal(7.2, 1.3, size)) * (0.6 + age / 80), 2)
        segment = np.where(wealth > np.quantile(wealth, 0.9), "premium", np.where(age < 26, "young", "standard"))
        region = rng.choice(["north", "south", "east", "west", "capital"], size, p=[0.2, 0.2, 0.15, 0.15, 0.3])
        return pd.DataFrame({"age": age, "wealth": wealth, "segment": segment, "region": region})

    # -- helpers the typologies draw on -------------------------------------------------------

    def _merchants_like(self, categories: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """A popular merchant of each given category."""
        out = np.empty(len(categories), dtype=np.int64)
        for code in np.unique(categories):
            members = np.flatnonzero(self.merchant_category == code)
            if len(members) == 0:
                members = np.arange(len(self.merchant_category))
            chosen = categories == code
            out[chosen] = members[pick(self.popularity[members], int(chosen.sum()), rng)]
        return out

    def merchants_in(self, category: str, size: int, rng: np.random.Generator) -> np.ndarray:
        """``size`` merchants of a named category, by popularity."""
        code = [c.name for c in CATEGORIES].index(category)
        return self._merchants_like(np.full(size, code), rng)

    def remote_merchants(self, size: int, rng: np.random.Generator) -> np.ndarray:
        """Merchants as card-not-present payments reach them: by popularity, weighted by each
        one's category's share of such payments (a card number can be tried anywhere that
        takes cards online)."""
        return pick(self.popularity * REMOTE[self.merchant_category], size, rng)

    def usual_channels(self, accounts: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """The channel each customer usually transfers from (app or web)."""
        return np.where(self.app_user[accounts] ^ (rng.random(len(accounts)) < 0.1), 3, 4)

    def card_amounts(self, accounts: np.ndarray, merchants: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Amounts these customers normally pay at these merchants."""
        median = np.array([c.median for c in CATEGORIES])[self.merchant_category[merchants]]
        spread = np.array([c.spread for c in CATEGORIES])[self.merchant_category[merchants]]
        return np.round(median * self.spend[accounts] * np.exp(rng.normal(0, 1, len(accounts)) * spread), 2) + 0.01

    def transfer_amounts(self, accounts: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Amounts these customers normally transfer."""
        raw = self.settings.transfer_median * self.spend[accounts] * np.exp(rng.normal(0, 1.0, len(accounts)))
        return np.round(raw, 2) + 0.01

    def deposit_amounts(self, accounts: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Cash these customers normally deposit."""
        raw = self.settings.deposit_median * self.spend[accounts] * np.exp(rng.normal(0, 1.0, len(accounts)))
        return np.round(raw, -1) + 10.0

    def normal_seconds(self, profile: int, size: int, rng: np.random.Generator) -> np.ndarray:
        """Seconds into a day at the hours of a normal profile."""
        return draw_hours(PROFILES, np.full(size, profile), rng)

    def new_devices(self, size: int) -> np.ndarray:
        """Devices never seen before (a customer's new phone, or an attacker's)."""
        out = np.arange(self.next_device, self.next_device + size)
        self.next_device += size
        return out

    def own_devices(self, accounts: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Each customer's usual device (one of their two)."""
        return self.devices[accounts, rng.integers(0, 2, len(accounts))]

    def other_accounts(self, size: int, rng: np.random.Generator, avoid: np.ndarray | None = None) -> np.ndarray:
        """Distinct random accounts, none of ``avoid`` (drawn a few at a time: the cost does not
        grow with the number of customers)."""
        avoid = np.empty(0, dtype=np.int64) if avoid is None else np.asarray(avoid)
        size = min(size, self.size - len(np.unique(avoid)))
        chosen: list[int] = []
        while len(chosen) < size:
            for account in rng.integers(0, self.size, 2 * (size - len(chosen)) + 4):
                if account not in avoid and account not in chosen:
                    chosen.append(int(account))
                    if len(chosen) == size:
                        break
        return np.array(chosen, dtype=np.int64)

    def transactions(self, **columns: Any) -> dict[str, Any]:
        """Complete a typology's transaction columns with the defaults (no merchant, no
        counterparty, no device, approved); balances are settled later."""
        defaults = {
            "merchant": -1,
            "counterparty": -1,
            "device": -1,
            "status": 0,
            "balance_before": 0.0,
            "balance_after": 0.0,
        }
        return {**defaults, **columns}

    # -- the normal day ------------------------------------------------------------------------

    def expected_on(self, table: str, weekday: int) -> float:
        s = self.settings
        cards = (
            self.pace.sum() * s.card_rate * WEEKDAY[weekday]
            if self.activity is None
            else len(self.activity.seconds) / self.activity.days
        )
        return float(cards + self.pace.sum() * s.transfer_rate * WEEKDAY[weekday]) + self.size * (
            s.deposit_rate + 1 / 30
        )

    def background(self, day: int, weekday: int, rng: np.random.Generator) -> dict[str, Columns]:
        s, n = self.settings, self.size
        if self.activity is None:
            cards = self._cards(
                np.repeat(np.arange(n), rng.poisson(self.pace * s.card_rate * WEEKDAY[weekday])), rng=rng
            )
        else:
            cards = self._cards(*self.activity.on_day(day), rng=rng)
        parts = [
            cards,
            self._transfers(rng.poisson(self.pace * s.transfer_rate * WEEKDAY[weekday]), rng),
            self._deposits(np.flatnonzero(rng.random(n) < s.deposit_rate), rng),
            self._salaries(day, rng),
        ]
        return {"transactions": {name: np.concatenate([p[name] for p in parts]) for name in parts[0]}}

    def _cards(
        self,
        accounts: np.ndarray,
        seconds: np.ndarray | None = None,
        amounts: np.ndarray | None = None,
        *,
        rng: np.random.Generator,
    ) -> Columns:
        """Card payments of these accounts: by the rules, or at the times and amounts an activity
        twin drew (merchants then chosen by how likely each category makes such an amount)."""
        k = len(accounts)
        if amounts is None:
            favourite = self.favourites[accounts, rng.integers(0, FAVOURITES, k)]
            merchants = np.where(rng.random(k) < 0.7, favourite, pick(self.popularity, k, rng))
            online = ONLINE[self.merchant_category[merchants]]
            # Customers who buy online often pick online merchants: swap some offline picks.
            swap = ~online & (rng.random(k) < 0.5 * self.online[accounts])
            merchants[swap] = self._merchants_like(np.full(swap.sum(), 5 + rng.integers(0, 4, swap.sum())), rng)
        else:
            merchants = self._merchants_like(self._categories_for(accounts, amounts, rng), rng)
        remote = rng.random(k) < REMOTE[self.merchant_category[merchants]]
        profile = np.array([c.profile for c in CATEGORIES])[self.merchant_category[merchants]]
        channel = np.where(remote, 2, np.where(rng.random(k) < 0.62, 1, 0))
        device = np.where(remote, self._devices(accounts, rng), -1)
        return self._columns(
            accounts,
            time=draw_hours(PROFILES, profile, rng) if seconds is None else seconds,
            type=0,
            channel=channel,
            merchant=merchants,
            amount=self.card_amounts(accounts, merchants, rng) if amounts is None else amounts,
            device=device,
            status=(rng.random(k) < self.settings.decline_rate).astype(np.int8),
        )

    def _categories_for(self, accounts: np.ndarray, amounts: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """A merchant category per payment, drawn in proportion to its share times how likely its
        amounts (lognormal, scaled by the customer's spending) make this one; the customer's
        online habit tilts towards categories paid for online."""
        median = np.log([c.median for c in CATEGORIES])[None, :] + np.log(self.spend[accounts])[:, None]
        spread = np.array([c.spread for c in CATEGORIES])[None, :]
        z = (np.log(amounts)[:, None] - median) / spread
        habit = self.online[accounts, None]
        tilt = REMOTE[None, :] * habit + (1 - REMOTE[None, :]) * (1 - habit)
        weight = np.log([c.share for c in CATEGORIES])[None, :] - 0.5 * z**2 - np.log(spread) + np.log(tilt)
        return np.argmax(weight + rng.gumbel(size=weight.shape), axis=1)

    def _transfers(self, counts: np.ndarray, rng: np.random.Generator) -> Columns:
        accounts = np.repeat(np.arange(self.size), counts)
        k = len(accounts)
        payee = self.payees[accounts, rng.integers(0, PAYEES, k)]
        fresh = rng.random(k) < self.settings.new_payee_rate
        payee[fresh] = (accounts[fresh] + rng.integers(1, self.size, fresh.sum())) % self.size
        channel = self.usual_channels(accounts, rng)
        return self._columns(
            accounts,
            time=self.normal_seconds(TRANSFERS, k, rng),
            type=1,
            channel=channel,
            counterparty=payee,
            amount=self.transfer_amounts(accounts, rng),
            device=self._devices(accounts, rng),
            status=(rng.random(k) < self.settings.decline_rate / 3).astype(np.int8),
        )

    def _deposits(self, accounts: np.ndarray, rng: np.random.Generator) -> Columns:
        k = len(accounts)
        return self._columns(
            accounts,
            time=self.normal_seconds(BRANCH, k, rng),
            type=3,
            channel=np.where(rng.random(k) < 0.6, 7, 6),
            amount=self.deposit_amounts(accounts, rng),
        )

    def _salaries(self, day: int, rng: np.random.Generator) -> Columns:
        accounts = np.flatnonzero(self.payday == day % 30)
        return self._columns(
            accounts,
            time=self.normal_seconds(PAYROLL, len(accounts), rng),
            type=2,
            channel=5,
            amount=self.salary[accounts],
        )

    def _devices(self, accounts: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        devices = self.own_devices(accounts, rng)
        fresh = rng.random(len(accounts)) < self.settings.new_device_rate
        devices[fresh] = self.new_devices(int(fresh.sum()))
        return devices

    def _columns(self, accounts: np.ndarray, **values: Any) -> Columns:
        return self.events("transactions", len(accounts), **self.transactions(account=accounts, **values))

    # -- order-dependent columns and output ----------------------------------------------------

    def settle(self, table: str, columns: Columns) -> None:
        """Running balances: every approved payment leaves its account and, for a transfer,
        arrives in its payee's, in time order."""
        approved = columns["status"] == 0
        amount = np.where(approved, columns["amount"], 0.0)
        credit = np.isin(columns["type"], (2, 3))
        owner_delta = np.where(credit, amount, -amount)
        paid = (columns["type"] == 1) & approved & (columns["counterparty"] >= 0)
        rows = np.arange(len(amount))
        account = np.concatenate([columns["account"], columns["counterparty"][paid]])
        delta = np.concatenate([owner_delta, amount[paid]])
        row = np.concatenate([rows, rows[paid]])
        order = np.lexsort((row, account))
        account, delta, row = account[order], delta[order], row[order]
        running = np.cumsum(delta)
        starts = np.flatnonzero(np.r_[True, account[1:] != account[:-1]])
        offset = np.repeat(running[starts] - delta[starts], np.diff(np.r_[starts, len(account)]))
        after = np.round(self.balance[account] + running - offset, 2)
        owner = row < len(amount)
        is_owner_entry = np.zeros(len(account), dtype=bool)
        is_owner_entry[: len(rows)] = True
        is_owner_entry = is_owner_entry[order] & owner
        columns["balance_after"][row[is_owner_entry]] = after[is_owner_entry]
        columns["balance_before"][:] = np.round(columns["balance_after"] - owner_delta, 2)
        ends = np.r_[starts[1:], len(account)] - 1
        self.balance[account[ends]] = after[ends]

    def decode(self, table: str, columns: Columns) -> dict[str, Any]:
        k = len(columns["time"])
        ids = np.arange(self.written, self.written + k)
        self.written += k
        merchant, counterparty, device = columns["merchant"], columns["counterparty"], columns["device"]
        return {
            "transaction_id": labelled("T", ids, 11),
            "account_id": labelled("A", self.account_ids[columns["account"]], 10),
            "type": np.array(TYPES, dtype=object)[columns["type"]],
            "channel": np.array(CHANNELS, dtype=object)[columns["channel"]],
            "merchant_id": labelled("M", self.merchant_ids[np.maximum(merchant, 0)], 7, missing=merchant < 0),
            "merchant_category": np.where(
                merchant < 0,
                None,
                np.array([c.name for c in CATEGORIES], dtype=object)[self.merchant_category[np.maximum(merchant, 0)]],
            ),
            "counterparty_id": labelled(
                "A", self.account_ids[np.maximum(counterparty, 0)], 10, missing=counterparty < 0
            ),
            "amount": columns["amount"],
            "device_id": labelled("D", scrambled_device(device), 10, missing=device < 0),
            "status": np.array(STATUSES, dtype=object)[columns["status"]],
            "balance_before": columns["balance_before"],
            "balance_after": columns["balance_after"],
        }

    def entities(self) -> dict[str, pd.DataFrame]:
        customers = self.population.reset_index(drop=True).copy()
        customers.insert(0, "account_id", labelled("A", self.account_ids, 10))
        customers.insert(0, "customer_id", labelled("C", self.customer_ids, 9))
        customers["opening_balance"] = self.opening_balance
        merchants = pd.DataFrame(
            {
                "merchant_id": labelled("M", self.merchant_ids, 7),
                "category": [CATEGORIES[c].name for c in self.merchant_category],
                "card_not_present_share": REMOTE[self.merchant_category],
            }
        )
        return {"customers": customers, "merchants": merchants}

    def actor_name(self, kind: str, index: int) -> str:
        return str(labelled("A", self.account_ids[[index]], 10)[0])


def scrambled_device(device: np.ndarray) -> np.ndarray:
    """Device numbers spread over ten digits, so a new device's number tells neither its age nor its owner."""
    return scramble(np.maximum(device, 0), 10, 6_151)
