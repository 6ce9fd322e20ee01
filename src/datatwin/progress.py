"""Progress reporting without printing: library code calls a callback, the CLI draws bars."""

from __future__ import annotations

from typing import Protocol


class Progress(Protocol):
    """Receives progress of a long step.

    Called with the step's description, the units done so far and the total units.
    """

    def __call__(self, step: str, completed: int, total: int) -> None: ...


def advance(progress: Progress | None, step: str, completed: int, total: int) -> None:
    """Forward to ``progress`` when one was given."""
    if progress is not None:
        progress(step, completed, total)
