"""Running benchmark cases one process each (peak memory per case) and writing their table."""

from __future__ import annotations

import json
import multiprocessing
import time
from collections.abc import Callable
from pathlib import Path
from queue import Empty


def run_each(measure: Callable[..., None], runs: list[tuple], time_limit: float | None = None) -> list[dict]:
    """``measure(*run, queue)`` for each run in a process of its own; each puts one result row.

    A run still going after ``time_limit`` seconds is killed and its row says so."""
    results = []
    for run in runs:
        queue: multiprocessing.Queue = multiprocessing.Queue()
        process = multiprocessing.Process(target=measure, args=(*run, queue))
        process.start()
        results.append(_result_of(process, queue, run, time_limit))
        process.join()
        print(json.dumps(results[-1]), flush=True)
    return results


def _result_of(
    process: multiprocessing.Process, queue: multiprocessing.Queue, run: tuple, time_limit: float | None
) -> dict | list:
    """The row the process put, or a row saying it died without one (a crash, memory, the time limit)."""
    deadline = None if time_limit is None else time.monotonic() + time_limit
    while True:
        try:
            return queue.get(timeout=5)
        except Empty:
            if not process.is_alive() and queue.empty():
                return {"run": " ".join(map(str, run)), "error": f"died with exit code {process.exitcode}"}
            if deadline is not None and time.monotonic() > deadline:
                process.kill()
                return {"run": " ".join(map(str, run)), "error": f"did not finish in {time_limit:.0f} s"}


def write_table(results: list[dict], name: str) -> None:
    """Print the rows as one table and write them to ``bench/results/<name>.json``."""
    header = list(dict.fromkeys(h for row in results for h in row))
    print(" | ".join(header))
    for row in results:
        print(" | ".join(str(row.get(h, "")) for h in header))
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    (out / f"{name}.json").write_text(json.dumps(results, indent=2) + "\n")
