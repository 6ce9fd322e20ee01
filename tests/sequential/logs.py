"""Realistic sequence data made here: customers' card payments and stations' hourly readings."""

from __future__ import annotations

import numpy as np
import pandas as pd


def payments(customers: int = 300, seed: int = 0) -> pd.DataFrame:
    """Each customer's payments: a segment (static), a rhythm (daytime, fewer at weekends), an
    amount that follows the customer's habit, a channel that tends to repeat."""
    rng = np.random.default_rng(seed)
    rows = []
    start = pd.Timestamp("2024-01-01").value // 10**9
    for c in range(customers):
        segment = rng.choice(["retail", "business"], p=[0.7, 0.3])
        n = int(rng.poisson(8 if segment == "retail" else 25)) + 1
        habit = rng.lognormal(3.0 if segment == "retail" else 5.0, 0.4)
        t = start + rng.integers(0, 30 * 86_400)
        channel = rng.choice(["card", "online", "transfer"])
        for _ in range(n):
            t += int(rng.exponential(3 * 86_400 if segment == "retail" else 86_400))
            hour = (t // 3600) % 24
            if hour < 7:  # nights are quiet: move to the morning
                t += (7 - hour) * 3600
            habit = 0.8 * habit + 0.2 * rng.lognormal(np.log(habit), 0.3)
            if rng.random() > 0.7:
                channel = rng.choice(["card", "online", "transfer"])
            rows.append((f"C{c:04d}", segment, pd.Timestamp(t, unit="s"), round(float(habit), 2), channel))
    frame = pd.DataFrame(rows, columns=["customer_id", "segment", "ts", "amount", "channel"])
    return frame.sample(frac=1.0, random_state=seed).reset_index(drop=True)  # unsorted, as logs come


def readings(stations: int = 3, hours: int = 24 * 60, seed: int = 0) -> pd.DataFrame:
    """Hourly readings of a few stations: a daily cycle, persistence, a level per station, a
    few missing readings."""
    rng = np.random.default_rng(seed)
    frames = []
    for s in range(stations):
        time = pd.date_range("2024-03-01", periods=hours, freq="h")
        hour = time.hour.to_numpy()
        noise = np.zeros(hours)
        for i in range(1, hours):
            noise[i] = 0.9 * noise[i - 1] + rng.normal(0, 1.0)
        temp = 10 + 3 * s + 6 * np.sin((hour - 9) / 24 * 2 * np.pi) + noise
        pm = np.exp(3 + 0.1 * noise + rng.normal(0, 0.1, hours))
        frame = pd.DataFrame({"station": f"S{s}", "time": time, "temp": temp.round(1), "pm": pm.round(0)})
        frame.loc[rng.random(hours) < 0.02, "pm"] = np.nan
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)
