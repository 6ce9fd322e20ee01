"""`datatwin refresh TWIN NEW_DATA -o NEW_TWIN`: fit the twin again on new data, its schema carried over."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from datatwin.cli._console import console, progress_bars, reported_errors
from datatwin.cli._options import AuditLog, KeyFile, Overwrite, twin_passphrase
from datatwin.cli.fit import encryption_passphrase
from datatwin.monitor.audit import audited


def refresh_command(
    twin: Annotated[
        Path, typer.Argument(help="The twin to refresh (of a table, sequences or a database).", show_default=False)
    ],
    data: Annotated[
        str,
        typer.Argument(
            help="New real rows: a CSV or Parquet file (events for a sequence twin; a database URL or folder for "
            "a database twin).",
            show_default=False,
        ),
    ],
    output: Annotated[Path, typer.Option("--output", "-o", help="Where to save the refreshed twin.")],
    seed: Annotated[
        int | None, typer.Option("--seed", min=0, help="Seed of the new fit (default: the old twin's).")
    ] = None,
    max_time: Annotated[
        float | None, typer.Option("--max-time", min=0.1, help="Time budget of the fit in seconds.")
    ] = None,
    encrypt: Annotated[
        bool, typer.Option("--encrypt", help="Encrypt the new twin with the passphrase (--key-file or environment).")
    ] = False,
    key_file: KeyFile = None,
    audit_log: AuditLog = None,
    overwrite: Overwrite = False,
) -> None:
    """Fit TWIN's schema, model and settings again on DATA (the schema widened where DATA goes beyond it) and
    save the new twin, linked to the old one in its lineage."""
    settings = {"seed": seed, "max_time": max_time, "encrypted": encrypt}
    with (
        reported_errors(),
        audited(audit_log, "refresh", inputs={"twin": twin, "data": data}, outputs={"twin": output}, settings=settings),
    ):
        import datatwin
        from datatwin.io.writers import check_output_file

        check_output_file(output, overwrite=overwrite)
        passphrase = twin_passphrase(key_file)  # opens an encrypted old twin
        sealing = encryption_passphrase(encrypt, key_file) if encrypt else None
        started = time.perf_counter()
        from datatwin.cli.database import is_database_source

        source = data if is_database_source(data) else Path(data)
        with progress_bars() as progress:
            refreshed, changes = datatwin.refresh(
                twin, source, seed=seed, max_time=max_time, progress=progress, encryption_key=passphrase
            )
            refreshed.save(output, encryption_key=sealing)
        console.print(f"Refreshed {twin} on {data} in {time.perf_counter() - started:.1f} s → {output}")
        per_table = changes if isinstance(changes, dict) else {"": changes}
        lines = [f"{name}: {line}" if name else line for name, c in per_table.items() for line in c.lines()]
        for line in lines or ["the schema did not change"]:
            console.print(f"  schema: {line}", markup=False, highlight=False)
