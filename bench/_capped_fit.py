"""Fit a twin on a random sample of a large file in a process whose address space is capped.

Called by :mod:`throughput` (``python bench/_capped_fit.py FILE MAX_ROWS MEMORY_GB``); prints one
JSON line: fit seconds (a 300 s budget), the peak resident memory, the rows in the file and in
the sample.
"""

from __future__ import annotations

import json
import resource
import sys
import time

FIT_SECONDS = 300
"""The fit's time budget: the point is the memory a file larger than it takes, not the model."""


def main() -> None:
    path, max_rows, memory_gb = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    cap = int(memory_gb * 2**30)
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    import datatwin  # after the cap: everything it loads counts

    started = time.perf_counter()
    twin = datatwin.fit(path, model="argn", max_rows=max_rows, seed=0, find_rules=False, max_time=FIT_SECONDS)
    fit_s = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rows = twin.sample(10_000, seed=1)
    print(
        json.dumps(
            {
                "fit_s": round(fit_s, 1),
                "peak_mb": round(peak_mb),
                "rows_in_file": twin.lineage.n_rows,
                "rows_learnt": twin.lineage.sampled_rows,
                "sampled_ok": len(rows) == 10_000,
            }
        )
    )


if __name__ == "__main__":
    main()
