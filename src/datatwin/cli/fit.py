"""`datatwin fit`: learn a twin from a table and save it."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

import datatwin
from datatwin.cli._console import console, progress_bars, reported_errors
from datatwin.cli._options import DataPath, SchemaFile, Seed
from datatwin.errors import SourceError
from datatwin.models import AUTO
from datatwin.twin import DEFAULT_SEED


def fit_command(
    data: DataPath,
    output: Annotated[Path, typer.Option("--output", "-o", help="Where to save the twin.")],
    model: Annotated[str, typer.Option("--model", help="Model name, or 'auto'.")] = AUTO,
    seed: Seed = DEFAULT_SEED,
    schema: SchemaFile = None,
    max_time: Annotated[
        float | None, typer.Option("--max-time", min=0.1, help="Training time budget in seconds.")
    ] = None,
) -> None:
    """Learn a twin of DATA and save it to OUTPUT."""
    with reported_errors():
        if not output.parent.is_dir():
            raise SourceError(f"Folder {str(output.parent)!r} for output {output.name!r} does not exist.")
        started = time.perf_counter()
        with progress_bars() as progress:
            twin = datatwin.fit(data, model=model, seed=seed, schema=schema, max_time=max_time, progress=progress)
            twin.save(output)
        lineage = twin.lineage
        console.print(
            f"Fitted [bold]{lineage.model}[/] on {lineage.n_rows:,} rows × {lineage.n_columns} "
            f"columns of {lineage.source} in {time.perf_counter() - started:.1f} s → {output}"
        )
