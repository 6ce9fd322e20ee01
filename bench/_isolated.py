"""Running benchmark cases one process each (peak memory per case) and writing their table."""

from __future__ import annotations

import json
import multiprocessing
from collections.abc import Callable
from pathlib import Path
from queue import Empty


def run_each(measure: Callable[..., None], runs: list[tuple]) -> list[dict]:
    """``measure(*run, queue)`` for each run in a process of its own; each puts one result row."""
    results = []
    for run in runs:
        queue: multiprocessing.Queue = multiprocessing.Queue()
        process = multiprocessing.Process(target=measure, args=(*run, queue))
        process.start()
        results.append(_result_of(process, queue, run))
        process.join()
        print(json.dumps(results[-1]), flush=True)
    return results


def _result_of(process: multiprocessing.Process, queue: multiprocessing.Queue, run: tuple) -> dict | list:
    """The row the process put, or a row saying it died without one (a crash, memory)."""
    while True:
        try:
            return queue.get(timeout=5)
        except Empty:
            if not process.is_alive() and queue.empty():
                return {"run": " ".join(map(str, run)), "error": f"died with exit code {process.exitcode}"}


def write_table(results: list[dict], name: str) -> None:
    """Print the rows as one table and write them to ``bench/results/<name>.json``."""
    header = list(dict.fromkeys(h for row in results for h in row))
    print(" | ".join(header))
    for row in results:
        print(" | ".join(str(row.get(h, "")) for h in header))
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    (out / f"{name}.json").write_text(json.dumps(results, indent=2) + "\n")
