"""Options shared by several commands."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

Seed = Annotated[int, typer.Option("--seed", min=0, help="Random seed: the same seed gives the same output.")]
SchemaFile = Annotated[
    Path | None,
    typer.Option("--schema", help="Schema JSON (from `datatwin schema`) to use instead of inferring one."),
]
DataPath = Annotated[Path, typer.Argument(help="CSV (any delimiter, .gz too) or Parquet file.", show_default=False)]
SourceArgument = Annotated[
    str,
    typer.Argument(
        help="A CSV or Parquet file; or a database: a URL (sqlite:///shop.db, postgresql://user@host/db) "
        "or a folder of table files.",
        show_default=False,
    ),
]
