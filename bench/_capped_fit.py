"""Fit a twin on a random sample of a large file in a process whose memory is capped.

Called by :mod:`throughput` (``python bench/_capped_fit.py FILE MAX_ROWS MEMORY_GB [whole]``):
the process moves itself into a memory cgroup (v1, ``memory.limit_in_bytes``; the kernel kills
it past the cap) when it may create one, else caps its address space (``RLIMIT_AS``, which also
counts memory only reserved); then it fits from a ``MAX_ROWS`` sample — or, with ``whole``, reads
the file whole the ordinary way, to show that the same cap does not hold it. Prints one JSON line.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time
from pathlib import Path

FIT_SECONDS = 300
"""The fit's time budget: the point is the memory a file larger than it takes, not the model."""
CGROUP = Path("/sys/fs/cgroup/memory")


def cap_memory(limit: int) -> str:
    """Cap this process's memory at ``limit`` bytes; say how."""
    group = CGROUP / f"datatwin-bench-{os.getpid()}"
    try:
        group.mkdir()
        (group / "memory.limit_in_bytes").write_text(str(limit))
        (group / "cgroup.procs").write_text(str(os.getpid()))
        return "cgroup memory.limit_in_bytes"
    except OSError:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        return "RLIMIT_AS (address space)"


def main() -> None:
    path, max_rows, memory_gb = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    whole = len(sys.argv) > 4 and sys.argv[4] == "whole"
    how = cap_memory(int(memory_gb * 2**30))
    import datatwin  # after the cap: everything it loads counts
    from datatwin.io import read_table

    started = time.perf_counter()
    if whole:
        rows = len(read_table(path).data)
        print(json.dumps({"cap": how, "read_whole_rows": rows, "seconds": round(time.perf_counter() - started, 1)}))
        return
    twin = datatwin.fit(path, model="argn", max_rows=max_rows, seed=0, find_rules=False, max_time=FIT_SECONDS)
    fit_s = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    drawn = twin.sample(10_000, seed=1)
    print(
        json.dumps(
            {
                "cap": how,
                "fit_s": round(fit_s, 1),
                "peak_mb": round(peak_mb),
                "rows_in_file": twin.lineage.n_rows,
                "rows_learnt": twin.lineage.sampled_rows,
                "sampled_ok": len(drawn) == 10_000,
            }
        )
    )


if __name__ == "__main__":
    main()
