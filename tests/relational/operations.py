"""A small operational export that declares no keys, with references to missing parents."""

from __future__ import annotations

import numpy as np
import pandas as pd

from datatwin.io.database import Database
from datatwin.schema.relational import RelationalSchema, TableSchema


def operations(seed: int = 0) -> Database:
    """A small operational export with no declarations: station codes, routes between them
    (``from``/``to`` → ``code``, 5 % of them to stations missing from the export), hourly
    readings per station (a composite key) and alerts pointing at a (station, hour) reading,
    plus counters and measurements that fit inside the key ranges by chance."""
    rng = np.random.default_rng(seed)
    letters = list("ABCDEFGHJKLMNPRSTUVW")
    codes = sorted({"".join(rng.choice(letters, 3)) for _ in range(80)} - {"ZZA", "ZZB", "ZZC"})[:40]
    stations = pd.DataFrame({"code": codes, "region": rng.choice(["north", "south", "east"], len(codes))})
    ghosts = ["ZZA", "ZZB", "ZZC"]  # closed stations, not exported
    ends = rng.choice(codes, (300, 2))
    ends[rng.random(300) < 0.05, 1] = rng.choice(ghosts, 1)[0]
    routes = pd.DataFrame(
        {"route_no": np.arange(1, 301), "from": ends[:, 0], "to": ends[:, 1], "stops": rng.integers(1, 12, 300)}
    )
    hours = pd.date_range("2024-03-01", periods=48, freq="h").strftime("%Y-%m-%d %H:00")
    readings = pd.MultiIndex.from_product([codes, hours], names=["station", "hour"]).to_frame(index=False)
    readings["level"] = np.round(rng.gamma(2, 3, len(readings)), 2)
    picked = readings.sample(200, random_state=seed)
    alerts = pd.DataFrame(
        {
            "alert_id": rng.permutation(np.arange(5000, 5200)),
            "station": picked["station"].to_numpy(),
            "hour": picked["hour"].to_numpy(),
            "severity": rng.integers(1, 4, 200),
            "duration_min": rng.integers(1, 300, 200),
        }
    )
    frames = {"stations": stations, "routes": routes, "readings": readings, "alerts": alerts}
    schema = RelationalSchema(tuple(TableSchema(n, tuple(f.columns), ()) for n, f in frames.items()))
    return Database(schema, frames, "operations")
