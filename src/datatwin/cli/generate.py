"""`datatwin generate`: a test database from a schema alone (SQL DDL or a JSON spec)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from datatwin.cli._console import console, progress_bars, reported_errors
from datatwin.cli._options import DEFAULT_SEED, Seed
from datatwin.errors import ConfigError


def generate_command(
    spec: Annotated[
        Path, typer.Argument(help="SQL DDL (.sql) or a datatwin test-data spec (.json).", show_default=False)
    ],
    output: Annotated[
        str, typer.Option("--output", "-o", help="Database URL or folder to write the tables to.", show_default=False)
    ],
    rows: Annotated[int, typer.Option("--rows", min=0, help="Rows per table (unless --size or the spec says).")] = 1000,
    size: Annotated[list[str] | None, typer.Option("--size", help="Rows of one table, TABLE=N (repeatable).")] = None,
    seed: Seed = DEFAULT_SEED,
    edge_cases: Annotated[
        float, typer.Option("--edge-cases", min=0.0, max=1.0, help="Share of cells given awkward but valid values.")
    ] = 0.0,
    dialect: Annotated[
        str, typer.Option("--dialect", help="The DDL's dialect: postgres, mysql or sqlite.")
    ] = "postgres",
    locale: Annotated[str | None, typer.Option("--locale", help="Faker locale, e.g. fr_FR (default en_US).")] = None,
    table_format: Annotated[str, typer.Option("--format", help="Folder tables as csv or parquet.")] = "csv",
    replace: Annotated[bool, typer.Option("--replace", help="Overwrite a target that already holds data.")] = False,
) -> None:
    """Make a test database from SPEC alone — keys, NOT NULL, UNIQUE and CHECK held, the server
    checking them — and write it to OUTPUT, all or nothing."""
    with reported_errors():
        import datatwin

        sizes = {}
        for item in size or []:
            name, _, count = item.partition("=")
            if not name or not count.strip().isdigit():
                raise ConfigError(f"--size {item!r} must look like TABLE=N, e.g. orders=50000.")
            sizes[name.strip()] = int(count)
        with progress_bars() as progress:
            counts = datatwin.generate(
                spec,
                output,
                rows=rows,
                sizes=sizes,
                seed=seed,
                edge_cases=edge_cases,
                dialect=dialect,
                locale=locale,
                replace=replace,
                table_format=table_format,
                progress=progress,
            )
        summary = Table(title=f"Test data → {output}", title_justify="left")
        summary.add_column("table")
        summary.add_column("rows", justify="right")
        for table, written in counts.items():
            summary.add_row(table, f"{written:,}")
        console.print(summary)
