"""Options shared by several commands (defined without importing anything heavy)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from datatwin.seeds import DEFAULT_SEED

Seed = Annotated[int, typer.Option("--seed", min=0, help="Random seed: the same seed gives the same output.")]
SchemaFile = Annotated[
    Path | None,
    typer.Option("--schema", help="Schema JSON (from `datatwin schema`) to use instead of inferring one."),
]
SourceArgument = Annotated[
    str,
    typer.Argument(
        help="A CSV or Parquet file; or a database: a URL (sqlite:///shop.db, postgresql://user@host/db) "
        "or a folder of table files.",
        show_default=False,
    ),
]
Overwrite = Annotated[bool, typer.Option("--overwrite", help="Replace an output file that already exists.")]

__all__ = ["DEFAULT_SEED", "Overwrite", "SchemaFile", "Seed", "SourceArgument"]
