"""`datatwin demo`: the whole job on an embedded sample of the Adult census data."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from datatwin.cli._console import console, progress_bars, reported_errors
from datatwin.errors import SourceError


def demo_command(
    out: Annotated[Path, typer.Option("--output", "-o", help="Folder for the twin, rows and summary.")] = Path(
        "datatwin-demo"
    ),
) -> None:
    """Fit a twin of embedded census data and write twin, synthetic rows and a summary."""
    with reported_errors():
        from datatwin.demo import CREDIT, run_demo

        if not out.parent.is_dir():
            raise SourceError(f"Folder {str(out.parent)!r} (for the demo folder {out.name!r}) does not exist.")
        console.print(f"Demo data: {CREDIT}")
        with progress_bars() as progress:
            result = run_demo(out, progress=progress)
        table = Table(title="Real vs synthetic, per column", title_justify="left")
        for header in ("column", "kind", "missing real", "missing synthetic", "shape similarity"):
            table.add_column(header)
        for spec in result.twin.schema.columns:
            score = result.similarity[spec.name]
            table.add_row(
                spec.name,
                spec.kind.value,
                f"{result.real[spec.name].isna().mean():.1%}",
                f"{result.synthetic[spec.name].isna().mean():.1%}",
                "" if score is None else f"{score:.3f}",
            )
        console.print(table)
        for label, path in result.files.items():
            console.print(f"  {label:<10} → {path}")
