"""How much memory is free, and whether a file read whole would fit in it."""

from __future__ import annotations

from pathlib import Path

from datatwin.errors import ConfigError

MEMORY_SHARE = 0.5
"""Share of the machine's available memory one table held in memory may take."""
EXPANSION = {"parquet": 30, "csv": 6, "gzip": 30}
"""Bytes in memory per byte of file, read whole: the file's bytes, its text and the frame,
which is a few times a CSV and an order of magnitude more than a compressed file."""


def available_memory() -> int | None:
    """Bytes of memory available to new allocations (Linux ``MemAvailable``), if known."""
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def check_file_fits_in_memory(path: Path) -> None:
    """Refuse, before reading it, a file that read whole would not fit in memory.

    Raises
    ------
    ConfigError
        Saying what it would need and to learn from a sample (``max_rows``) instead.
    """
    if not path.is_file():
        return  # the reader says what is wrong with it
    with path.open("rb") as handle:
        magic = handle.read(4)
    kind = "parquet" if magic == b"PAR1" else "gzip" if magic[:2] == b"\x1f\x8b" else "csv"
    check_memory_for(
        path.stat().st_size * EXPANSION[kind],
        f"File {str(path)!r} read whole",
        "learn from a random sample of its rows, read in batches (max_rows=1_000_000, or "
        "`datatwin fit --max-rows 1000000`)",
    )


def check_memory_for(needed: float, what: str, instead: str) -> None:
    """Refuse work that needs more than :data:`MEMORY_SHARE` of the free memory, saying what to do instead.

    Raises
    ------
    ConfigError
        ``"<what> would need about N GiB, more than this machine has free (M GiB): <instead>."``
    """
    available = available_memory()
    if available is not None and needed > MEMORY_SHARE * available:
        raise ConfigError(
            f"{what} would need about {needed / 2**30:,.1f} GiB, more than this machine has free "
            f"({available / 2**30:,.1f} GiB): {instead}."
        )
