"""What every command shares: the consoles, error reporting and progress bars."""

from __future__ import annotations

import contextlib
import logging
import warnings
from collections.abc import Iterator

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from datatwin.errors import DatatwinError, DatatwinWarning

console = Console()
errors = Console(stderr=True)
_state = {"debug": False}

log = logging.getLogger("datatwin.cli")


def set_debug(debug: bool) -> None:
    """Show tracebacks (``--debug``) instead of one-line errors."""
    _state["debug"] = debug
    logging.basicConfig(level=logging.DEBUG if debug else logging.WARNING)


@contextlib.contextmanager
def reported_errors() -> Iterator[None]:
    """Turn errors into one red line and exit status 1 (2 for unexpected ones); print datatwin's
    own warnings as yellow lines and send any other (a library's numeric warnings) to the debug log."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("always")
            warnings.showwarning = _show_warning
            yield
    except DatatwinError as exc:
        if _state["debug"]:
            raise
        errors.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None
    except KeyboardInterrupt:
        errors.print("[red]interrupted[/]")
        raise typer.Exit(130) from None
    except (typer.Exit, typer.Abort):
        raise
    except Exception as exc:
        if _state["debug"]:
            raise
        errors.print(
            f"[bold red]internal error:[/] {type(exc).__name__}: {escape(str(exc))} "
            "(run again with --debug for the traceback, and please report it)",
            highlight=False,
            soft_wrap=True,
        )
        raise typer.Exit(2) from None


def _show_warning(message: Warning | str, category: type[Warning], *args: object, **kwargs: object) -> None:
    if issubclass(category, DatatwinWarning):
        errors.print(f"[bold yellow]warning:[/] {escape(str(message))}", highlight=False, soft_wrap=True)
    else:
        log.debug("%s: %s", category.__name__, message)


class ProgressBars:
    """A :class:`datatwin.progress.Progress` callback drawing one rich bar per step."""

    def __init__(self, bars: Progress) -> None:
        self._bars = bars
        self._tasks: dict[str, TaskID] = {}

    def __call__(self, step: str, completed: int, total: int) -> None:
        if step not in self._tasks:
            self._tasks[step] = self._bars.add_task(step, total=total)
        self._bars.update(self._tasks[step], completed=completed, total=total)


@contextlib.contextmanager
def progress_bars() -> Iterator[ProgressBars]:
    """Progress bars on stderr for the duration of the block."""
    bars = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=errors,
        transient=True,
        disable=not errors.is_terminal,
    )
    with bars:
        yield ProgressBars(bars)
