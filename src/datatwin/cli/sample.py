"""`datatwin sample`: draw synthetic rows from a saved twin."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

import datatwin
from datatwin.cli._console import console, progress_bars, reported_errors
from datatwin.cli._options import Seed
from datatwin.conditions import parse_where
from datatwin.errors import ConfigError
from datatwin.io import check_table_target, write_table
from datatwin.twin import DEFAULT_SEED


def sample_command(
    twin: Annotated[Path, typer.Argument(help="A twin saved by `datatwin fit`.", show_default=False)],
    rows: Annotated[int, typer.Option("--rows", "-n", help="Number of rows to draw.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Output file, .csv or .parquet.")],
    seed: Seed = DEFAULT_SEED,
    where: Annotated[
        str | None,
        typer.Option("--where", help="Condition every row meets, e.g. \"income == '>50K' and age >= 40\"."),
    ] = None,
    rebalance: Annotated[
        str | None, typer.Option("--rebalance", help="Categorical column whose rare labels to raise.")
    ] = None,
    ratio: Annotated[
        float | None, typer.Option("--ratio", help="Share each rare label is raised to (default: equal shares).")
    ] = None,
) -> None:
    """Draw ROWS synthetic rows from TWIN into OUTPUT."""
    with reported_errors():
        if rows <= 0:
            raise ConfigError(f"-n must be a positive number of rows; got {rows}.")
        check_table_target(output)
        loaded = datatwin.load(twin)
        with progress_bars() as progress:
            conditions = parse_where(where) if where else None
            table = loaded.sample(
                rows, seed=seed, conditions=conditions, rebalance=rebalance, ratio=ratio, progress=progress
            )
        write_table(table, output)
        console.print(f"Wrote {len(table):,} rows × {table.shape[1]} columns → {output}")
