"""The network's everyday noise: what makes an enterprise's logs hard to read.

Service accounts log on between servers around the clock, many by NTLM, and a few run all day
with an expired password, failing every time; users' forgotten devices retry stale passwords
in bursts of failures; people join video calls (UDP, long, heavy both ways) and workstations
pull software updates. Each is realistic background a detector must not mistake for an attack.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from datatwin.scenarios.world import Columns

NetworkWorld = Any
"""The network world (:class:`datatwin.scenarios.network.NetworkWorld`, which imports this module)."""

HOUR = 3600.0
SERVICE_PERIODS = np.array([900.0, 1800.0, 3600.0])
EXPIRED = 0.05
"""Chance a service account runs a whole day with an expired password."""
STALE_TRIES = 20.0
"""Mean failed retries of a device holding a stale password."""
SYNCING = 0.3
"""Share of users whose workstation runs a cloud sync client."""
SYNCS = 6.0
"""Mean uploads a sync client makes on a workday."""
OVERNIGHT = 0.4
"""Share of workstations left on overnight: patched in the night window, their agents calling all night."""


def service_logons(world: NetworkWorld, rng: np.random.Generator) -> Columns:
    """Every service account's scheduled logons of the day (failures all day when expired)."""
    services = np.arange(world.users, world.users + world.services)
    runs = np.floor(86_400.0 / world.service_period).astype(int)
    who = np.repeat(np.arange(len(services)), runs)
    step = np.arange(len(who)) - np.repeat(np.cumsum(runs) - runs, runs)
    time = (world.service_offset[who] + step * world.service_period[who] + rng.normal(0, 20, len(who))) % 86_400.0
    expired = rng.random(len(services)) < EXPIRED
    return world.auth_events(
        size=len(who),
        time=time,
        user=services[who],
        src_host=world.service_host[who],
        dst_host=world.service_target[who],
        auth_type=world.service_ntlm[who].astype(np.int64),
        logon_type=1,
        outcome=expired[who].astype(np.int64),
    )


def expected_service_logons(world: NetworkWorld) -> float:
    return float(np.floor(86_400.0 / world.service_period).sum())


def stale_passwords(
    world: NetworkWorld, active: np.ndarray, begin: np.ndarray, end: np.ndarray, rng: np.random.Generator
) -> Columns:
    """Bursts of failed NTLM logons from users' devices still holding an old password."""
    stale = np.flatnonzero(rng.random(len(active)) < world.settings.stale_rate)
    tries = rng.poisson(STALE_TRIES, len(stale)) + 1
    who = np.repeat(stale, tries)
    gap = rng.exponential(rng.choice([60.0, 300.0, 900.0], len(stale)))
    step = np.arange(len(who)) - np.repeat(np.cumsum(tries) - tries, tries)
    start = begin[stale] + rng.random(len(stale)) * (end - begin)[stale]
    dc = world.dc[rng.integers(0, len(world.dc), len(who))]
    return world.auth_events(
        size=len(who),
        time=np.repeat(start, tries) + step * np.repeat(gap, tries) + rng.random(len(who)) * 5,
        user=active[who],
        src_host=active[who],
        dst_host=dc,
        auth_type=1,
        logon_type=1,
        outcome=1,
    )


def cloud_sync(
    world: NetworkWorld, active: np.ndarray, begin: np.ndarray, end: np.ndarray, rng: np.random.Generator
) -> Columns:
    """Sync clients uploading changed files to cloud storage: megabytes out, several times a day."""
    syncing = active[world.syncs[active]]
    count = rng.poisson(SYNCS, len(syncing))
    who = np.repeat(np.arange(len(syncing)), count)
    spans = (end - begin)[world.syncs[active]]
    starts = begin[world.syncs[active]]
    return world.flow_events(
        size=len(who),
        src=syncing[who],
        dst=world.cloud[syncing[who] % len(world.cloud)],
        port=443,
        time=starts[who] + rng.random(len(who)) * spans[who],
        out=np.round(np.exp(rng.normal(np.log(5e6), 1.3, len(who)))).astype(np.int64),
        into=np.round(np.exp(rng.normal(np.log(2e4), 0.5, len(who)))).astype(np.int64),
        rng=rng,
    )


def calls_and_updates(
    world: NetworkWorld, active: np.ndarray, begin: np.ndarray, end: np.ndarray, rng: np.random.Generator
) -> Columns:
    """Video calls (UDP, long, heavy both ways) and one software update per active workstation
    (in the night window for machines left on, else when the user logs on)."""
    calls = rng.poisson(world.settings.call_rate, len(active))
    who = np.repeat(np.arange(len(active)), calls)
    minutes = rng.uniform(10, 70, len(who))
    heavy = np.exp(rng.normal(np.log(2.5e5), 0.4, len(who))) * minutes * 60 / 60
    call = world.flow_events(
        size=len(who),
        src=active[who],
        dst=world.cloud[rng.integers(0, len(world.cloud), len(who))],
        port=3478,
        time=begin[who] + rng.random(len(who)) * (end - begin)[who],
        out=np.round(heavy * rng.uniform(0.6, 1.4, len(who))).astype(np.int64),
        into=np.round(heavy * rng.uniform(0.8, 2.0, len(who))).astype(np.int64),
        rng=rng,
    )
    call["protocol"][:] = 1
    call["duration"] = np.round(minutes * 60, 3)
    update = world.flow_events(
        size=len(active),
        src=active,
        dst=world.vendors[active % len(world.vendors)],
        port=443,
        time=np.where(rng.random(len(active)) < OVERNIGHT, rng.uniform(1, 4, len(active)) * HOUR, begin)
        + rng.random(len(active)) * 600,
        out=np.round(np.exp(rng.normal(np.log(4e4), 0.5, len(active)))).astype(np.int64),
        into=np.round(np.exp(rng.normal(np.log(8e7), 1.0, len(active)))).astype(np.int64),
        rng=rng,
    )
    return {name: np.concatenate([call[name], update[name]]) for name in call}
