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
KeyFile = Annotated[
    Path | None,
    typer.Option(
        "--key-file",
        help="File holding the passphrase of an encrypted twin (default: $DATATWIN_ENCRYPTION_KEY).",
    ),
]

AuditLog = Annotated[
    Path | None,
    typer.Option(
        "--audit-log",
        envvar="DATATWIN_AUDIT_LOG",
        help="Append what this command did (who, when, hashes of inputs and outputs, settings) to this "
        "hash-chained log; check it with `datatwin audit verify`.",
    ),
]


def twin_passphrase(key_file: Path | None) -> bytes | None:
    """The passphrase from ``--key-file``, else ``$DATATWIN_ENCRYPTION_KEY``, else none."""
    from datatwin.io.encryption import resolve_passphrase

    return resolve_passphrase(key_file=key_file)


__all__ = [
    "DEFAULT_SEED",
    "AuditLog",
    "KeyFile",
    "Overwrite",
    "SchemaFile",
    "Seed",
    "SourceArgument",
    "twin_passphrase",
]
