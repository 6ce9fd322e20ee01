"""`datatwin simulate`: run a scenario and write its labelled world."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from datatwin.cli._console import console, progress_bars, reported_errors
from datatwin.errors import ConfigError


def simulate_command(
    scenario: Annotated[
        str,
        typer.Argument(
            help="Scenario file (YAML or JSON), or a shipped example: payments, network.", show_default=False
        ),
    ],
    output: Annotated[
        str, typer.Option("--output", "-o", help="Folder (or database URL) for the world.", show_default=False)
    ],
    twin: Annotated[
        Path | None, typer.Option("--twin", help="Table twin whose sample becomes the population (the agents).")
    ] = None,
    role: Annotated[
        list[str] | None,
        typer.Option("--role", help="Which twin column plays a role, ROLE=COLUMN, e.g. wealth=balance (repeatable)."),
    ] = None,
    activity_twin: Annotated[
        Path | None,
        typer.Option("--activity-twin", help="Sequence twin of real payments whose histories become normal activity."),
    ] = None,
    days: Annotated[
        int | None, typer.Option("--days", min=1, help="Days to simulate (default: the scenario's).")
    ] = None,
    seed: Annotated[
        int | None, typer.Option("--seed", min=0, help="Random seed (default: the scenario's); same seed, same world.")
    ] = None,
    table_format: Annotated[str, typer.Option("--format", help="Folder tables as parquet or csv.")] = "parquet",
    replace: Annotated[bool, typer.Option("--replace", help="Overwrite an output that already holds data.")] = False,
) -> None:
    """Simulate SCENARIO: agents drawn from a twin or rules, normal activity, and labelled rare
    events (fraud, laundering, attacks) with a ground-truth table."""
    with reported_errors():
        import datatwin

        if table_format not in ("parquet", "csv"):
            raise ConfigError(f"--format must be parquet or csv; got {table_format!r}.")
        roles = {}
        for item in role or []:
            name, _, column = item.partition("=")
            if not name or not column:
                raise ConfigError(f"--role {item!r} must look like ROLE=COLUMN, e.g. wealth=balance.")
            roles[name.strip()] = column.strip()
        with progress_bars() as progress:
            run = datatwin.simulate(
                scenario,
                output,
                twin=twin,
                roles=roles or None,
                activity_twin=activity_twin,
                days=days,
                seed=seed,
                table_format=f".{table_format}",
                replace=replace,
                progress=progress,
            )
        summary = Table(title=f"World → {run.target}", title_justify="left")
        for column in ("table", "events", "labelled", "share"):
            summary.add_column(column, justify="right" if column != "table" else "left")
        for table, rows in run.rows.items():
            share = run.labelled[table] / max(rows, 1)
            summary.add_row(table, f"{rows:,}", f"{run.labelled[table]:,}", f"{share:.3%}")
        console.print(summary)
        typologies = ", ".join(f"{name} {share:.3%}" for name, share in run.prevalence.items()) or "none"
        events = sum(run.rows.values())
        console.print(
            f"{run.instances:,} instances injected ({typologies}); "
            f"{events:,} events in {run.seconds:.1f} s ({events / max(run.seconds, 1e-9) * 60:,.0f} a minute)."
        )
