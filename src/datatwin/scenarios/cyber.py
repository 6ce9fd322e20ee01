"""Attack typologies of the network world: password spraying and brute force in the
authentication log, lateral movement across both logs, beaconing and exfiltration in the flows.

Roles: ``attacker`` for events the intruder drives with stolen or guessed credentials,
``compromised_host`` for a workstation's malware calling out. Camouflage draws each telling
trait — pace, hour, protocol, destination, bytes — from normal activity with that probability.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Generator
from typing import Any

import numpy as np

from datatwin.scenarios.network import HOUR, NetworkWorld
from datatwin.scenarios.options import bounds
from datatwin.scenarios.typology import Typology, blend_values, gaps, later_at, office_hours, start_hour

LOW_AND_SLOW = 100
"""At full camouflage, exfiltration splits its volume into this many more chunks."""


@dataclasses.dataclass(frozen=True)
class SprayingParams:
    targets: int = dataclasses.field(default=30, metadata=bounds(1, 100_000))
    passwords: int = dataclasses.field(default=2, metadata=bounds(1, 10_000))
    """Passwords tried per targeted user."""
    success_rate: float = dataclasses.field(default=0.05, metadata=bounds(0, 1))
    use: int = dataclasses.field(default=5, metadata=bounds(0, 10_000))
    """Logons the intruder then makes with each cracked account, to that user's usual servers."""


@dataclasses.dataclass(frozen=True)
class BruteForceParams:
    targets: int = dataclasses.field(default=1, metadata=bounds(1, 100_000))
    passwords: int = dataclasses.field(default=40, metadata=bounds(1, 10_000))
    success_rate: float = dataclasses.field(default=0.3, metadata=bounds(0, 1))
    use: int = dataclasses.field(default=5, metadata=bounds(0, 10_000))
    """Logons the intruder then makes with each cracked account, to that user's usual servers."""


class PasswordSpraying(Typology):
    """From one compromised workstation, a few common passwords tried against many users at the
    domain controller; a few guesses succeed, and the intruder then logs on with each cracked
    account to its user's usual servers."""

    name = "password_spraying"
    world = "network"
    table = "auth"
    Params = SprayingParams
    summary = "few passwords tried against many users from one host"

    def events_per_instance(self) -> float:
        p = self.params
        return p.targets * (p.passwords + p.success_rate * p.use)

    def run(self, env: Any, world: NetworkWorld, instance: Any, rng: np.random.Generator) -> Generator[Any, Any, None]:
        p, c = self.params, self.camouflage
        source = int(rng.integers(world.users))
        targets = rng.choice(world.users, size=min(p.targets, world.users), replace=False)
        instance.involve("host", source)
        for user in targets:
            instance.involve("user", int(user))
        k = len(targets) * p.passwords
        users = np.tile(targets, p.passwords)
        begin = later_at(env.now, start_hour(c, rng, float(world.work_seconds(1, rng)[0])))
        times = office_hours(c, rng, begin + np.cumsum(gaps(c, rng, k, blatant=3.0, normal=0.5 * HOUR)))
        outcome = np.ones(k, dtype=np.int8)
        last_round = np.arange(k) >= k - len(targets)
        outcome[last_round & (rng.random(k) < p.success_rate)] = 0
        dc = world.dc[rng.integers(0, len(world.dc), k)]
        auth_type = blend_values(c, rng, np.ones(k, dtype=np.int64), np.where(rng.random(k) < 0.15, 1, 0))
        self._logons(world, instance, times, users, source, dc, auth_type, outcome)
        cracked = users[last_round & (outcome == 0)]
        if len(cracked) and p.use:
            times = np.r_[times, self._use(world, source, cracked, float(times.max()), instance, rng)]
        yield env.timeout(float(times.max() - env.now))

    def _use(
        self,
        world: NetworkWorld,
        source: int,
        cracked: np.ndarray,
        after: float,
        instance: Any,
        rng: np.random.Generator,
    ) -> np.ndarray:
        """The cracked accounts put to use: logons from the spraying host to each user's usual
        servers (mail, files, applications), spread over the following hours."""
        c, k = self.camouflage, len(cracked) * self.params.use
        users = np.repeat(cracked, self.params.use)
        times = office_hours(c, rng, after + np.cumsum(gaps(c, rng, k, blatant=120.0, normal=HOUR)))
        servers = world.usual[users, rng.integers(0, world.usual.shape[1], k)]
        self._logons(world, instance, times, users, source, servers, np.where(rng.random(k) < 0.15, 1, 0), 0)
        return times

    def _logons(
        self,
        world: NetworkWorld,
        instance: Any,
        times: np.ndarray,
        users: np.ndarray,
        source: int,
        targets: np.ndarray,
        auth_type: np.ndarray,
        outcome: Any,
    ) -> None:
        """The intruder's network logons from the spraying host, labelled ``attacker``."""
        instance.emit(
            self.table,
            times,
            "attacker",
            **world.auth_events(
                size=len(times),
                time=times,
                user=users,
                src_host=source,
                dst_host=targets,
                auth_type=auth_type,
                logon_type=1,
                outcome=outcome,
            ),
        )


class BruteForce(PasswordSpraying):
    """Many passwords tried against one user (or a few) from one compromised workstation."""

    name = "brute_force"
    Params = BruteForceParams  # type: ignore[assignment]
    summary = "many passwords tried against one user from one host"


@dataclasses.dataclass(frozen=True)
class LateralParams:
    hops: int = dataclasses.field(default=4, metadata=bounds(1, 1000))
    service_share: float = dataclasses.field(default=0.3, metadata=bounds(0, 1))
    """Chance the stolen account is a service account (Kerberoasting) rather than a person's."""


class LateralMovement(Typology):
    """A stolen account hops from its workstation to host after host by remote logons (RDP,
    SMB, remote management), each hop logged in both the authentication and the flow logs."""

    name = "lateral_movement"
    world = "network"
    table = "auth"
    Params = LateralParams
    summary = "a stolen account hopping from host to host by remote logons"

    def events_per_instance(self) -> float:
        return self.params.hops

    def run(self, env: Any, world: NetworkWorld, instance: Any, rng: np.random.Generator) -> Generator[Any, Any, None]:
        p, c = self.params, self.camouflage
        if world.services and rng.random() < p.service_share:
            service = int(rng.integers(world.services))
            user, start = world.users + service, int(world.service_host[service])
            usual = np.full(p.hops, world.service_target[service])
        else:
            user = start = int(rng.integers(world.users))
            usual = world.usual[user, rng.integers(0, world.usual.shape[1], p.hops)]
        instance.involve("user", user)
        strange = rng.choice(np.r_[world.admin_servers, rng.integers(0, world.users, 20)], size=p.hops)
        path = blend_values(c, rng, strange, usual)
        begin = later_at(env.now, start_hour(c, rng, float(world.work_seconds(1, rng)[0])))
        times = office_hours(c, rng, begin + np.cumsum(gaps(c, rng, p.hops, blatant=600.0, normal=5 * HOUR)))
        sources = np.r_[start, path[:-1]]
        remote = np.array([3, 1, 1])[rng.integers(0, 3, p.hops)]  # RDP, or NTLM over SMB / remote management
        auth_type = blend_values(c, rng, remote, np.where(rng.random(p.hops) < 0.15, 1, 0))
        for host in path:
            instance.involve("host", int(host))
        instance.emit(
            "auth",
            times,
            "attacker",
            **world.auth_events(
                size=p.hops,
                time=times,
                user=user,
                src_host=sources,
                dst_host=path,
                auth_type=auth_type,
                logon_type=np.where(auth_type == 3, 2, 1),
                outcome=0,
            ),
        )
        normal_port = np.where(
            path >= world.users, world.port[world.server_kind[np.clip(path - world.users, 0, None)]], 445
        )
        ports = blend_values(c, rng, np.array([3389, 445, 5985])[rng.integers(0, 3, p.hops)], normal_port)
        out, into = world.web_bytes(p.hops, rng)
        out = blend_values(c, rng, out * 20, out)
        instance.emit(
            "flows",
            times + 1.0,
            "attacker",
            **world.flow_events(
                size=p.hops, src=sources, dst=path, port=ports, time=times + 1.0, out=out, into=into, rng=rng
            ),
        )
        yield env.timeout(float(times.max() + 1.0 - env.now))


@dataclasses.dataclass(frozen=True)
class BeaconParams:
    period: float = dataclasses.field(default=600.0, metadata=bounds(1))
    """Seconds between calls."""
    jitter: float = dataclasses.field(default=0.05, metadata=bounds(0, 1))
    days: float = dataclasses.field(default=2.0, metadata=bounds(0.01, 365))


class BeaconingTypology(Typology):
    """Malware on a workstation calls its command server at a steady period (with jitter),
    day and night; camouflage makes it sleep outside office hours and talk like web traffic."""

    name = "beaconing"
    world = "network"
    table = "flows"
    Params = BeaconParams
    summary = "malware calling its command server at a steady period"

    def events_per_instance(self) -> float:
        p = self.params
        return p.days * 86_400.0 / p.period * (1 - self.camouflage * 14 / 24)

    def run(self, env: Any, world: NetworkWorld, instance: Any, rng: np.random.Generator) -> Generator[Any, Any, None]:
        p, c = self.params, self.camouflage
        host = int(rng.integers(world.users))
        server = int(world.outside(1, rng, rare=rng.random() >= c)[0])
        instance.involve("host", host)
        instance.involve("external", server)
        count = int(p.days * 86_400.0 / p.period)
        jitter = p.jitter + c * (1 - p.jitter) * 0.5
        times = env.now + np.cumsum(p.period * (1 + rng.uniform(-jitter, jitter, count)))
        if rng.random() < c:
            hour = (times % 86_400.0) / HOUR
            times = times[(hour >= 8) & (hour < 18)]
        k = len(times)
        web_out, web_in = world.web_bytes(k, rng)
        out = blend_values(c, rng, np.round(rng.normal(420, 8, k)).astype(np.int64), web_out)
        into = blend_values(c, rng, np.round(rng.normal(300, 8, k)).astype(np.int64), web_in)
        if k:
            instance.emit(
                self.table,
                times,
                "compromised_host",
                **world.flow_events(size=k, src=host, dst=server, port=443, time=times, out=out, into=into, rng=rng),
            )
            yield env.timeout(float(times[-1] - env.now))


@dataclasses.dataclass(frozen=True)
class ExfiltrationParams:
    megabytes: float = dataclasses.field(default=4000.0, metadata=bounds(0.001))
    chunks: int = dataclasses.field(default=8, metadata=bounds(1, 100_000))


class Exfiltration(Typology):
    """A compromised workstation sends a large volume to an outside host in chunks, at night
    over an unusual port; camouflage goes low and slow — many more, smaller chunks (up to 101
    times as many) over HTTPS to a cloud storage service during office hours."""

    name = "exfiltration"
    world = "network"
    table = "flows"
    Params = ExfiltrationParams
    summary = "a large volume sent out in chunks to an outside host"

    def events_per_instance(self) -> float:
        return self.params.chunks * (1 + round(LOW_AND_SLOW * self.camouflage))

    def run(self, env: Any, world: NetworkWorld, instance: Any, rng: np.random.Generator) -> Generator[Any, Any, None]:
        p, c = self.params, self.camouflage
        host = int(rng.integers(world.users))
        rare = int(world.outside(1, rng, rare=True)[0])
        target = int(world.cloud[rng.integers(len(world.cloud))]) if rng.random() < c else rare
        instance.involve("host", host)
        instance.involve("external", target)
        k = int(self.events_per_instance())
        begin = later_at(env.now, start_hour(c, rng, float(world.work_seconds(1, rng)[0])))
        times = office_hours(c, rng, begin + np.cumsum(gaps(c, rng, k, blatant=120.0, normal=600.0)))
        out = np.round(p.megabytes * 1e6 / k * rng.uniform(0.5, 1.5, k)).astype(np.int64)
        ports = blend_values(c, rng, np.array([22, 21, 8080, 53])[rng.integers(0, 4, k)], np.full(k, 443))
        answers = np.round(np.exp(rng.normal(np.log(2e4), 0.5, k))).astype(np.int64)
        into = blend_values(c, rng, world.web_bytes(k, rng)[1] // 10, answers)
        instance.emit(
            self.table,
            times,
            "compromised_host",
            **world.flow_events(size=k, src=host, dst=target, port=ports, time=times, out=out, into=into, rng=rng),
        )
        yield env.timeout(float(times.max() - env.now))
