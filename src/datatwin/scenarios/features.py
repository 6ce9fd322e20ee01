"""What a detector — or a shortcut — can see in each event table, as numeric features.

``feature_groups`` splits an event table into the groups the shortcut audit tries one at a
time: each single column (the amount, the time of day, the type, the port …), the *formats* of identifiers (their
shapes, digits written as 9 — PaySim's name prefixes; not the identifiers themselves),
and simple identities (a balance that does not add up, an account emptied). ``behaviour`` adds
what a real detector would compute per actor:
recent velocity, the size of an event against the actor's usual, first-seen counterparties and
devices. Categories become integer codes (gradient-boosted trees split on them directly).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from datatwin.scenarios.registry import WORLDS

IDENTIFIERS = {
    "transactions": ("transaction_id", "account_id", "merchant_id", "counterparty_id", "device_id"),
    "auth": ("auth_id", "user", "src_host", "dst_host"),
    "flows": ("flow_id", "src_host", "dst_host"),  # an IPv4 address's format is fixed: no identifier of ours
}
ACTORS = {"transactions": "account_id", "auth": "user", "flows": "src_host"}
COUNTERPARTS = {
    "transactions": ("counterparty_id", "merchant_id", "device_id"),
    "auth": ("dst_host", "src_host"),
    "flows": ("dst_ip", "dst_port"),
}
SIZE = {table: layout.size for world in WORLDS.values() for table, layout in world.tables.items() if layout.size}


SINGLE = {
    "transactions": ("amount", "type", "channel", "status", "merchant_category"),
    "auth": ("auth_type", "logon_type", "outcome"),
    "flows": ("dst_port", "protocol", "bytes_out", "bytes_in", "duration"),
}
"""The columns the audit tries one at a time (besides the time, split into hour and weekday)."""


def feature_groups(table: str, frame: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The feature groups of an event table, for the shortcut audit (indexed 0, 1, …): each
    single column, the identifiers' formats, and the table's simple identities."""
    frame = frame.reset_index(drop=True)
    time = pd.to_datetime(frame["time"])
    groups = {"time": pd.DataFrame({"hour": time.dt.hour + time.dt.minute / 60, "weekday": time.dt.day_of_week})}
    for column in SINGLE[table]:
        values = frame[column]
        numeric = pd.api.types.is_numeric_dtype(values)
        groups[column] = pd.DataFrame({column: values}) if numeric else _codes(frame[[column]])
    groups["identifier formats"] = _formats(frame[[c for c in IDENTIFIERS[table] if c in frame]])
    if table == "transactions":
        before, after, amount = frame["balance_before"], frame["balance_after"], frame["amount"]
        groups["balance identities"] = pd.DataFrame(
            {
                "before": before,
                "after": after,
                "unexplained": (before - after).abs() - amount.where(frame["status"] == "approved", 0.0),
                "emptied": (after <= 0).astype(int),
                "share_of_balance": amount / before.abs().clip(lower=1.0),
            }
        )
    elif table == "auth":
        groups["host identities"] = pd.DataFrame(
            {
                "own_host": (frame["src_host"] == frame["dst_host"]).astype(int),
                "from_server": frame["src_host"].str.startswith("SRV").astype(int),
                "to_server": frame["dst_host"].str.startswith("SRV").astype(int),
            }
        )
    else:
        groups["flow identities"] = pd.DataFrame(
            {
                "outside": frame["dst_host"].isna().astype(int),
                "out_per_in": frame["bytes_out"] / (frame["bytes_in"] + 1),
                "bytes_per_second": (frame["bytes_out"] + frame["bytes_in"]) / frame["duration"].clip(lower=1e-3),
            }
        )
    return groups


def behaviour(table: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Per-actor features a detector computes from the event stream (the frame in time order)."""
    frame = frame.reset_index(drop=True)
    actor = frame[ACTORS[table]].to_numpy()
    seconds = pd.to_datetime(frame["time"]).astype("int64").to_numpy() / 1e9
    out = pd.DataFrame(index=frame.index)
    actors = pd.factorize(actor)[0]
    order = np.lexsort((seconds, actors))
    codes = actors[order]
    t = seconds[order]
    same = np.r_[False, codes[1:] == codes[:-1]]
    gap = np.where(same, np.diff(t, prepend=t[0]), 1e7)
    out.loc[frame.index[order], "since_previous"] = gap
    for window, name in ((3600.0, "last_hour"), (86_400.0, "last_day")):
        out.loc[frame.index[order], name] = _count_within(codes, t, window)
    if table in SIZE:
        size = frame[SIZE[table]].astype(float)
        usual = size.groupby(frame[ACTORS[table]]).transform("median")
        out["size_vs_usual"] = size / usual.clip(lower=1e-9)
    for column in COUNTERPARTS[table]:
        pair = frame[ACTORS[table]].astype(str) + "|" + frame[column].astype(str)
        first = ~pair.iloc[order].duplicated().to_numpy()
        out.loc[frame.index[order], f"new_{column}"] = first.astype(int)
        out[f"distinct_{column}"] = frame.groupby(ACTORS[table])[column].transform("nunique")
    return out


def detector_features(table: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Every group of :func:`feature_groups` side by side, with :func:`behaviour`."""
    parts = [group.add_prefix(f"{name}:") for name, group in feature_groups(table, frame).items()]
    return pd.concat([*parts, behaviour(table, frame)], axis=1)


def _count_within(codes: np.ndarray, t: np.ndarray, window: float) -> np.ndarray:
    """For events sorted by (actor, time): how many of the actor's events fall in the window before."""
    key = codes * 1e10 + t
    earlier = np.searchsorted(key, key - window, side="left")
    return np.arange(len(t)) - earlier


def _formats(identifiers: pd.DataFrame) -> pd.DataFrame:
    """Each identifier's *shape* — every digit written as 9 (``A9999999999``, ``WS-999999``) —
    as a code; a missing one (a card payment has no payee) takes the shape of a present one
    drawn at random, so that the *presence* of an identifier — the event's kind, audited as a
    column of its own — does not pass for a format. The digits themselves are left out: they
    name one account or merchant, which is not a format."""
    out = {}
    for column, values in identifiers.items():
        text = values.astype("string")
        missing = text.isna().to_numpy()
        if missing.any() and not missing.all():
            text[missing] = text[~missing].sample(int(missing.sum()), replace=True, random_state=0).to_numpy()
        shape = text.fillna("").str.replace(r"\d", "9", regex=True)
        out[f"{column}:shape"] = pd.factorize(shape, sort=True)[0]
    return pd.DataFrame(out)


def _codes(frame: pd.DataFrame) -> pd.DataFrame:
    """Integer codes of categories; a missing value stays missing."""
    out = {}
    for column, values in frame.items():
        codes = pd.factorize(values, sort=True)[0].astype("float64")
        codes[codes < 0] = np.nan
        out[column] = codes
    return pd.DataFrame(out)
