"""`datatwin sample`: draw synthetic rows from a saved twin."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

import datatwin
from datatwin.cli._console import console, progress_bars, reported_errors
from datatwin.cli._options import Seed
from datatwin.errors import ConfigError
from datatwin.io import check_table_target, write_table
from datatwin.twin import DEFAULT_SEED


def sample_command(
    twin: Annotated[Path, typer.Argument(help="A twin saved by `datatwin fit`.", show_default=False)],
    rows: Annotated[int, typer.Option("--rows", "-n", help="Number of rows to draw.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Output file, .csv or .parquet.")],
    seed: Seed = DEFAULT_SEED,
) -> None:
    """Draw ROWS synthetic rows from TWIN into OUTPUT."""
    with reported_errors():
        if rows <= 0:
            raise ConfigError(f"-n must be a positive number of rows; got {rows}.")
        check_table_target(output)
        loaded = datatwin.load(twin)
        with progress_bars() as progress:
            table = loaded.sample(rows, seed=seed, progress=progress)
        write_table(table, output)
        console.print(f"Wrote {len(table):,} rows × {table.shape[1]} columns → {output}")
