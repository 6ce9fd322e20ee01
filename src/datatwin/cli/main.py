"""The `datatwin` command: one sub-command per module, each calling the public API only."""

from __future__ import annotations

import signal
from typing import Annotated

import typer

from datatwin._version import __version__
from datatwin.cli._console import console, set_debug
from datatwin.cli.audit import audit_app
from datatwin.cli.card import card_command
from datatwin.cli.demo import demo_command
from datatwin.cli.drift import drift_command
from datatwin.cli.evaluate import evaluate_command
from datatwin.cli.fit import fit_command
from datatwin.cli.generate import generate_command
from datatwin.cli.refresh import refresh_command
from datatwin.cli.sample import sample_command
from datatwin.cli.schema import schema_command
from datatwin.cli.simulate import simulate_command

app = typer.Typer(
    name="datatwin",
    help="Synthetic data twins: faithful, useful and private copies of your tables.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.command("fit")(fit_command)
app.command("sample")(sample_command)
app.command("schema")(schema_command)
app.command("evaluate")(evaluate_command)
app.command("demo")(demo_command)
app.command("drift")(drift_command)
app.command("refresh")(refresh_command)
app.command("card")(card_command)
app.command("simulate")(simulate_command)
app.command("generate")(generate_command)
app.add_typer(audit_app, name="audit")


def _print_version(value: bool) -> None:
    if value:
        console.print(f"datatwin {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_print_version, is_eager=True, help="Show the version and exit."),
    ] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show full tracebacks on errors.")] = False,
) -> None:
    """Synthetic data twins: faithful, useful and private copies of your tables."""
    set_debug(debug)


def run() -> None:
    """Entry point of the `datatwin` console script. A termination signal (SIGTERM, SIGHUP) ends
    it like Ctrl-C does, so partial outputs are removed on the way out."""
    for name in ("SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), _interrupt)
    app()


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt
