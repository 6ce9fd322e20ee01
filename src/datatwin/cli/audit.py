"""`datatwin audit verify LOG`: check that no entry of an audit log was edited or deleted."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from datatwin.cli._console import console, errors, reported_errors

audit_app = typer.Typer(help="Audit logs written with --audit-log or $DATATWIN_AUDIT_LOG.", no_args_is_help=True)


@audit_app.command("verify")
def verify_command(
    log: Annotated[Path, typer.Argument(help="The audit log (JSON lines).", show_default=False)],
    head: Annotated[
        str | None,
        typer.Option("--head", help="The last entry's hash as recorded elsewhere (catches a truncated log)."),
    ] = None,
) -> None:
    """Check every entry's hash, its link to the one before, the numbering and the head; exit
    status 1 when anything was edited or deleted."""
    with reported_errors():
        from datatwin.monitor.audit import verify_log

        found = verify_log(log, head=head)
        if found.intact:
            console.print(f"{log}: intact, {found.entries:,} entries; head {found.head}")
            return
        for problem in found.problems:
            errors.print(f"[bold red]broken:[/] {problem}", highlight=False, soft_wrap=True)
        errors.print(f"{log}: {len(found.problems)} problem(s) in {found.entries:,} entries")
        raise typer.Exit(1)
