"""The enterprise-network world: users with a workstation each, servers, outside hosts, and a
day of authentication and network-flow logs.

Users' attributes come from a table twin (or the world's rules); the ``activity`` role (by
rank) sets how busy each user is on the web. On workdays a user logs on to their workstation in
the morning, reaches their usual servers (administrators more, by SSH and RDP), browses outside
hosts chosen by popularity, lets an agent call its vendor hourly, and now and then uploads a
large file to a cloud service; servers back up to the backup servers at night. Mistyped
passwords fail before they succeed.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from datatwin.scenarios.names import dotted_quad, labelled
from datatwin.scenarios.network_noise import (
    OVERNIGHT,
    SERVICE_PERIODS,
    STALE_TRIES,
    SYNCING,
    SYNCS,
    calls_and_updates,
    cloud_sync,
    expected_service_logons,
    service_logons,
    stale_passwords,
)
from datatwin.scenarios.options import bounds
from datatwin.scenarios.world import Columns, TableLayout, World, pick, scrambled_ids

AUTH_TYPES = ("kerberos", "ntlm", "ssh", "rdp")
LOGON_TYPES = ("interactive", "network", "remote")
OUTCOMES = ("success", "failure")
PROTOCOLS = ("tcp", "udp")
HOUR = 3600.0

SERVER_KINDS = {  # kind: (share of servers, port, median bytes out, median bytes in)
    "dc": (0.06, 88, 2e3, 4e3),
    "file": (0.2, 445, 4e5, 2e6),
    "mail": (0.06, 443, 2e4, 8e4),
    "database": (0.16, 1433, 3e3, 6e4),
    "app": (0.34, 8443, 5e3, 5e4),
    "backup": (0.06, 873, 1e3, 1e3),
    "jump": (0.12, 22, 8e3, 3e4),
}
USUAL = 4


@dataclasses.dataclass(frozen=True)
class NetworkSettings:
    """Options of the network world (``settings:`` in the scenario file)."""

    servers: int = dataclasses.field(default=60, metadata=bounds(7))
    outside_hosts: int = dataclasses.field(default=5000, metadata=bounds(10))
    web_rate: float = dataclasses.field(default=30.0, metadata=bounds(0, 10_000))
    """Flows to outside hosts per active user per workday, on average."""
    server_rate: float = dataclasses.field(default=4.0, metadata=bounds(0, 1000))
    """Logons to servers per active user per workday (administrators four times more)."""
    admin_share: float = dataclasses.field(default=0.05, metadata=bounds(0, 1))
    failure_rate: float = dataclasses.field(default=0.03, metadata=bounds(0, 1))
    upload_rate: float = dataclasses.field(default=0.03, metadata=bounds(0, 1))
    agent_period: float = dataclasses.field(default=3600.0, metadata=bounds(60))
    """Seconds between a workstation agent's calls to its vendor."""
    service_accounts: int = dataclasses.field(default=30, metadata=bounds(0, 100_000))
    stale_rate: float = dataclasses.field(default=0.02, metadata=bounds(0, 1))
    """Share of active users with a device retrying a stale password that day."""
    call_rate: float = dataclasses.field(default=1.5, metadata=bounds(0, 100))
    """Video calls per active user per workday."""


class NetworkWorld(World):
    """Users, workstations, servers, outside hosts, and their logs."""

    name = "network"
    Settings = NetworkSettings
    default_size = 1000
    roles: ClassVar[Mapping[str, str]] = {"activity": "by rank: how busy a user is on the web"}
    tables: ClassVar[Mapping[str, TableLayout]] = {
        "auth": TableLayout(
            columns={
                "user": "int64",
                "src_host": "int64",
                "dst_host": "int64",
                "auth_type": "int8",
                "logon_type": "int8",
                "outcome": "int8",
            },
            size=None,
        ),
        "flows": TableLayout(
            columns={
                "src_host": "int64",
                "dst_host": "int64",
                "dst_port": "int64",
                "protocol": "int8",
                "bytes_out": "int64",
                "bytes_in": "int64",
                "duration": "float64",
            },
            size="bytes_out",
        ),
    }

    def __init__(
        self,
        settings: Any,
        population: pd.DataFrame,
        roles: Mapping[str, str],
        rng: np.random.Generator,
        activity: Any = None,
    ):
        super().__init__(settings, population, roles, rng, activity)
        s = settings
        self.users = n = len(population)
        rank = pd.Series(self.role_values["activity"]).rank(pct=True).to_numpy()
        self.busy = np.exp(0.8 * (rank - 0.5) + rng.normal(0, 0.3, n))
        self.admin = rng.random(n) < s.admin_share
        kinds = list(SERVER_KINDS)
        counts = np.maximum(1, np.round(np.array([v[0] for v in SERVER_KINDS.values()]) * s.servers)).astype(int)
        self.server_kind = np.repeat(np.arange(len(kinds)), counts)
        self.hosts = n + len(self.server_kind)
        self.port = np.array([v[1] for v in SERVER_KINDS.values()])
        self.bytes_out = np.array([v[2] for v in SERVER_KINDS.values()])
        self.bytes_in = np.array([v[3] for v in SERVER_KINDS.values()])
        everyday = np.flatnonzero(
            np.isin(self.server_kind, [kinds.index(k) for k in ("file", "mail", "app", "database")])
        )
        self.usual = n + everyday[rng.integers(0, len(everyday), (n, USUAL))]
        self.admin_servers = n + np.arange(len(self.server_kind))
        self.dc = n + np.flatnonzero(self.server_kind == kinds.index("dc"))
        self.backup = n + np.flatnonzero(self.server_kind == kinds.index("backup"))
        self.popularity = 1.0 / (np.arange(s.outside_hosts) + 1.0) ** 1.1
        self.vendors = self.hosts + np.arange(5)
        self.cloud = self.hosts + np.arange(5, 15)
        self.syncs = rng.random(n) < SYNCING
        self.services = s.service_accounts
        self.service_period = rng.choice(SERVICE_PERIODS, self.services)
        self.service_offset = rng.uniform(0, self.service_period)
        self.service_host = self.admin_servers[rng.integers(0, len(self.admin_servers), self.services)]
        self.service_target = self.admin_servers[rng.integers(0, len(self.admin_servers), self.services)]
        self.service_ntlm = rng.random(self.services) < 0.6
        self.user_ids = scrambled_ids(n + self.services, 6, 3_301)
        self.host_ids = scrambled_ids(self.hosts, 6, 8_807)
        self.outside_ips = scrambled_ids(s.outside_hosts, 9, 123_456_789) + 100_000_000
        self.written = {table: 0 for table in self.tables}

    @classmethod
    def rules_population(cls, size: int, rng: np.random.Generator) -> pd.DataFrame:
        departments = ["engineering", "sales", "finance", "operations", "hr", "it"]
        department = rng.choice(departments, size, p=[0.3, 0.2, 0.12, 0.2, 0.08, 0.1])
        hours = np.clip(np.round(rng.normal(40, 7, size)), 10, 80).astype(np.int64)
        seniority = np.clip(np.round(rng.gamma(2.0, 3.0, size)), 0, 40).astype(np.int64)
        return pd.DataFrame({"department": department, "activity": hours, "seniority": seniority})

    # -- helpers the typologies draw on -------------------------------------------------------

    def outside(self, size: int, rng: np.random.Generator, *, rare: bool = False) -> np.ndarray:
        """Outside hosts by popularity, or from the rarely visited half (``rare``)."""
        count = len(self.popularity)
        if rare:
            return self.hosts + rng.integers(count // 2, count, size)
        return self.hosts + pick(self.popularity, size, rng)

    def work_seconds(self, size: int, rng: np.random.Generator) -> np.ndarray:
        """Seconds into a day within office hours."""
        return rng.normal(13.0, 2.5, size).clip(7.5, 19.0) * HOUR

    def web_bytes(self, size: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """Bytes out and in of ordinary web flows."""
        out = np.round(np.exp(rng.normal(np.log(1500), 1.0, size))).astype(np.int64)
        return out, np.round(np.exp(rng.normal(np.log(4e4), 1.5, size))).astype(np.int64)

    # -- the normal day ------------------------------------------------------------------------

    def expected_on(self, table: str, weekday: int) -> float:
        s = self.settings
        active = self.users * (0.95 if weekday < 5 else 0.08)
        logons = active * (s.server_rate * (1 + 3 * self.admin.mean())) * (1 + s.failure_rate)
        if table == "auth":
            stale = active * s.stale_rate * (STALE_TRIES + 1)
            return float(active * (1 + s.failure_rate) + logons + expected_service_logons(self) + stale)
        agent = active * (((1 - OVERNIGHT) * 8.5 * HOUR + OVERNIGHT * 86_399.0) / s.agent_period + 1)
        web = active * s.web_rate * self.busy.mean()
        calls = active * (s.call_rate + 1) + active * self.syncs.mean() * SYNCS
        servers = len(self.server_kind)
        return float(web + agent + logons / (1 + s.failure_rate) + active * s.upload_rate + servers + calls)

    def background(self, day: int, weekday: int, rng: np.random.Generator) -> dict[str, Columns]:
        s = self.settings
        active = np.flatnonzero(rng.random(self.users) < (0.95 if weekday < 5 else 0.08))
        begin = rng.normal(8.6, 0.8, len(active)).clip(5, 12) * HOUR
        end = begin + rng.normal(8.5, 1.0, len(active)).clip(3, 13) * HOUR
        own = active
        logons = rng.poisson(s.server_rate * np.where(self.admin[active], 4.0, 1.0))
        who = np.repeat(np.arange(len(active)), logons)
        user = active[who]
        admin_hop = self.admin[user] & (rng.random(len(user)) < 0.5)
        server = np.where(
            admin_hop,
            self.admin_servers[rng.integers(0, len(self.admin_servers), len(user))],
            self.usual[user, rng.integers(0, USUAL, len(user))],
        )
        at = begin[who] + rng.random(len(user)) * (end - begin)[who]
        kind = np.where(
            admin_hop, np.where(rng.random(len(user)) < 0.5, 2, 3), np.where(rng.random(len(user)) < 0.15, 1, 0)
        )
        auth = _concat(
            self._logons(user=own, src_host=own, dst_host=own, time=begin, auth_type=0, logon_type=0, rng=rng),
            self._logons(
                user=user,
                src_host=user,
                dst_host=server,
                time=at,
                auth_type=kind,
                logon_type=np.where(kind == 3, 2, 1),
                rng=rng,
            ),
            service_logons(self, rng),
            stale_passwords(self, active, begin, end, rng),
        )
        auth["time"] = np.clip(auth["time"], 0, 86_399.999)
        web = rng.poisson(s.web_rate * self.busy[active])
        web_who = np.repeat(np.arange(len(active)), web)
        web_out, web_in = self.web_bytes(len(web_who), rng)
        left_on = rng.random(len(active)) < OVERNIGHT
        begin_polls = np.where(left_on, rng.uniform(0, s.agent_period, len(active)), begin)
        span = np.where(left_on, 86_399.0, end - begin)
        polls = np.floor(span / s.agent_period).astype(int) + 1
        poll_who = np.repeat(np.arange(len(active)), polls)
        poll_step = np.arange(len(poll_who)) - np.repeat(np.cumsum(polls) - polls, polls)
        uploads = active[rng.random(len(active)) < s.upload_rate]
        servers = self.users + np.arange(len(self.server_kind))
        flows = _concat(
            self._flows(
                src=active[web_who],
                dst=self.outside(len(web_who), rng),
                port=np.where(rng.random(len(web_who)) < 0.9, 443, 80),
                time=begin[web_who] + rng.random(len(web_who)) * (end - begin)[web_who],
                out=web_out,
                into=web_in,
                rng=rng,
            ),
            self._flows(
                src=active[poll_who],
                dst=self.vendors[active[poll_who] % len(self.vendors)],
                port=443,
                time=begin_polls[poll_who]
                + poll_step * s.agent_period
                + rng.normal(0, 30, len(poll_who)).clip(-120, 120),
                out=np.round(np.exp(rng.normal(np.log(600), 0.2, len(poll_who)))).astype(np.int64),
                into=np.round(np.exp(rng.normal(np.log(900), 0.3, len(poll_who)))).astype(np.int64),
                rng=rng,
            ),
            self._flows(
                src=user,
                dst=server,
                port=self.port[self.server_kind[server - self.users]],
                time=at + rng.random(len(user)) * 5,
                out=self._server_bytes(self.bytes_out, server, rng),
                into=self._server_bytes(self.bytes_in, server, rng),
                rng=rng,
            ),
            self._flows(
                src=uploads,
                dst=self.cloud[rng.integers(0, len(self.cloud), len(uploads))],
                port=443,
                time=self.work_seconds(len(uploads), rng),
                out=np.round(np.exp(rng.normal(np.log(3e7), 1.2, len(uploads)))).astype(np.int64),
                into=np.round(np.exp(rng.normal(np.log(2e4), 0.5, len(uploads)))).astype(np.int64),
                rng=rng,
            ),
            self._flows(
                src=servers,
                dst=self.backup[servers % len(self.backup)],
                port=873,
                time=rng.uniform(1, 3, len(servers)) * HOUR,
                out=np.round(np.exp(rng.normal(np.log(2e9), 0.8, len(servers)))).astype(np.int64),
                into=np.round(np.exp(rng.normal(np.log(4e5), 0.5, len(servers)))).astype(np.int64),
                rng=rng,
            ),
        )
        flows = _concat(
            flows, calls_and_updates(self, active, begin, end, rng), cloud_sync(self, active, begin, end, rng)
        )
        flows["time"] = np.clip(flows["time"], 0, 86_399.999)
        return {"auth": auth, "flows": flows}

    def _server_bytes(self, medians: np.ndarray, server: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        median = medians[self.server_kind[server - self.users]]
        return np.round(median * np.exp(rng.normal(0, 1.0, len(server)))).astype(np.int64)

    def _logons(self, *, rng: np.random.Generator, **values: Any) -> Columns:
        """Logons, each preceded by a mistyped attempt with the failure rate."""
        size = len(values["user"])
        columns = self.auth_events(**values, outcome=0, size=size)
        typo = rng.random(size) < self.settings.failure_rate
        failed = {name: column[typo].copy() for name, column in columns.items()}
        failed["outcome"][:] = 1
        failed["time"] -= rng.uniform(3, 40, int(typo.sum()))
        return _concat(columns, failed)

    def auth_events(self, *, size: int, **values: Any) -> Columns:
        """Authentication events with their columns in the table's types (scalars repeated)."""
        return self.events("auth", size, **values)

    def flow_events(
        self, *, src: Any, dst: Any, port: Any, time: Any, out: Any, into: Any, rng: np.random.Generator, size: int
    ) -> Columns:
        """Flows with their columns in the table's types; durations grow with the bytes moved."""
        moved = np.broadcast_to(np.asarray(out), (size,)) + np.broadcast_to(np.asarray(into), (size,))
        values = {
            "src_host": src,
            "dst_host": dst,
            "dst_port": port,
            "protocol": 0,
            "bytes_out": out,
            "bytes_in": into,
            "duration": np.round(self._setup(dst, size, rng) + moved / self._throughput(dst, size, rng), 3),
        }
        return self.events("flows", size, time=time, **values)

    def _setup(self, dst: Any, size: int, rng: np.random.Generator) -> np.ndarray:
        """Seconds a connection stays open besides moving its bytes: round trips and keep-alive,
        short inside the office, seconds to minutes to the internet."""
        outside = np.broadcast_to(np.asarray(dst), (size,)) >= self.hosts
        return np.where(outside, 3.0, 0.05) * np.exp(rng.normal(0, 1.2, size))

    def _throughput(self, dst: Any, size: int, rng: np.random.Generator) -> np.ndarray:
        """Bytes a second: the office network is fast, the internet slower; both vary widely."""
        outside = np.broadcast_to(np.asarray(dst), (size,)) >= self.hosts
        return np.where(outside, 3e6, 2e7) * np.exp(rng.normal(0, 0.8, size))

    def _flows(self, *, src: np.ndarray, rng: np.random.Generator, **values: Any) -> Columns:
        return self.flow_events(src=src, rng=rng, size=len(src), **values)

    # -- output --------------------------------------------------------------------------------

    def decode(self, table: str, columns: Columns) -> dict[str, Any]:
        k = len(columns["time"])
        ids = np.arange(self.written[table], self.written[table] + k)
        self.written[table] += k
        if table == "auth":
            return {
                "auth_id": labelled("L", ids, 11),
                "user": self.user_name(columns["user"]),
                "src_host": self.host_name(columns["src_host"]),
                "dst_host": self.host_name(columns["dst_host"]),
                "auth_type": np.array(AUTH_TYPES, dtype=object)[columns["auth_type"]],
                "logon_type": np.array(LOGON_TYPES, dtype=object)[columns["logon_type"]],
                "outcome": np.array(OUTCOMES, dtype=object)[columns["outcome"]],
            }
        dst = columns["dst_host"]
        inside = dst < self.hosts
        dst_name = self.host_name(np.where(inside, dst, 0))
        dst_name[~inside] = None
        return {
            "flow_id": labelled("F", ids, 11),
            "src_host": self.host_name(columns["src_host"]),
            "src_ip": self.address(columns["src_host"]),
            "dst_host": dst_name,
            "dst_ip": self.address(dst),
            "dst_port": columns["dst_port"],
            "protocol": np.array(PROTOCOLS, dtype=object)[columns["protocol"]],
            "bytes_out": columns["bytes_out"],
            "bytes_in": columns["bytes_in"],
            "duration": columns["duration"],
        }

    def user_name(self, users: np.ndarray) -> np.ndarray:
        """``u`` and six digits for people, ``svc`` and six digits for service accounts."""
        return labelled(np.where(users < self.users, "u", "svc"), self.user_ids[users], 6)

    def host_name(self, hosts: np.ndarray) -> np.ndarray:
        return labelled(
            np.where(hosts < self.users, "WS-", "SRV-"), self.host_ids[np.minimum(hosts, self.hosts - 1)], 6
        )

    def address(self, hosts: np.ndarray) -> np.ndarray:
        """Inside hosts get 10.x.y.z from their number; outside hosts a public-looking address."""
        inside = hosts < self.hosts
        number = np.where(
            inside,
            (10 << 24) + self.host_ids[np.minimum(hosts, self.hosts - 1)] % (1 << 24),
            self.outside_ips[np.clip(hosts - self.hosts, 0, len(self.outside_ips) - 1)] % (223 << 24) + (11 << 24),
        )
        return dotted_quad(number)

    def entities(self) -> dict[str, pd.DataFrame]:
        users = self.population.reset_index(drop=True).copy()
        users.insert(0, "workstation", self.host_name(np.arange(self.users)))
        users.insert(0, "user", self.user_name(np.arange(self.users)))
        users["administrator"] = self.admin
        users["service_account"] = False
        services = pd.DataFrame(
            {
                "user": self.user_name(np.arange(self.users, self.users + self.services)),
                "administrator": False,
                "service_account": True,
            }
        )
        users = pd.concat([users, services], ignore_index=True)
        kinds = list(SERVER_KINDS)
        hosts = pd.DataFrame(
            {
                "host": self.host_name(np.arange(self.hosts)),
                "ip": self.address(np.arange(self.hosts)),
                "kind": ["workstation"] * self.users + [kinds[k] for k in self.server_kind],
            }
        )
        return {"users": users, "hosts": hosts}

    def actor_name(self, kind: str, index: int) -> str:
        if kind == "user":
            return str(self.user_name(np.array([index]))[0])
        if index >= self.hosts:
            return str(self.address(np.array([index]))[0])
        return str(self.host_name(np.array([index]))[0])


def _concat(*parts: Columns) -> Columns:
    return {name: np.concatenate([p[name] for p in parts]) for name in parts[0]}
