"""`datatwin drift TWIN NEW_DATA`: has the real data moved away from what the twin learnt?"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from datatwin.cli._console import console, progress_bars, reported_errors
from datatwin.cli._options import AuditLog, KeyFile, Overwrite, twin_passphrase
from datatwin.monitor.audit import audited

if TYPE_CHECKING:
    from datatwin.monitor.drift import DriftReport

EXIT_CODES = {"fresh": 0, "drifting": 3, "refresh recommended": 4}
"""Exit status by verdict, for scheduled jobs (1 and 2 are errors)."""


def drift_command(
    twin: Annotated[
        Path,
        typer.Argument(help="A twin saved by `datatwin fit`: of a table, a database or sequences.", show_default=False),
    ],
    data: Annotated[
        str,
        typer.Argument(
            help="New real rows: a CSV or Parquet file (a database for a database twin; events with the entity and "
            "order columns for a sequence twin).",
            show_default=False,
        ),
    ],
    json_output: Annotated[
        Path | None, typer.Option("--json", help="Write the result (with its `verdict`) as JSON.")
    ] = None,
    html: Annotated[Path | None, typer.Option("--html", help="Write the result as an HTML page.")] = None,
    seed: Annotated[int, typer.Option("--seed", min=0, help="Seed of the twin's rows drawn for the checks.")] = 0,
    key_file: KeyFile = None,
    audit_log: AuditLog = None,
    overwrite: Overwrite = False,
) -> None:
    """Measure how far DATA has drifted from TWIN, column by column, pair by pair and as a whole.
    Exit status: 0 fresh, 3 drifting, 4 refresh recommended (1 and 2: errors)."""
    outputs = {"json": json_output, "html": html}
    with (
        reported_errors(),
        audited(audit_log, "drift", inputs={"twin": twin, "data": data}, outputs=outputs, settings={"seed": seed}),
    ):
        import datatwin
        from datatwin.io.writers import check_output_file, write_bytes
        from datatwin.monitor.drift import TablesDriftReport

        for target in (json_output, html):
            if target is not None:
                check_output_file(target, overwrite=overwrite)
        with progress_bars() as progress:
            report = datatwin.drift(twin, data, seed=seed, progress=progress, encryption_key=twin_passphrase(key_file))
        if json_output is not None:
            write_bytes(json_output, json.dumps(report.to_dict(), indent=1).encode("utf-8"))
        if html is not None:
            from datatwin.report import render_drift_html

            write_bytes(html, render_drift_html(report.to_dict()).encode("utf-8"))
        if isinstance(report, TablesDriftReport):
            console.print(f"Overall: [bold]{report.verdict}[/]")
            for reason in report.reasons[:1]:
                console.print(f"  {reason}", markup=False, highlight=False)
            for name, table in report.tables.items():
                console.print(f"[bold]{name}[/]:", end=" ")
                _print(table)
        else:
            _print(report)
    raise typer.Exit(EXIT_CODES[report.verdict])


def _print(report: DriftReport) -> None:
    console.print(f"{report.rows:,} new rows against the {report.reference}: [bold]{report.verdict}[/]")
    for reason in report.reasons:
        console.print(f"  {reason}", markup=False, highlight=False)
    for column in sorted(report.columns, key=lambda c: -c.distance):
        if column.drifted:
            moved = ", ".join(f"{m['cell']} {m['before']:.1%} → {m['now']:.1%}" for m in column.moved)
            console.print(
                f"  column {column.column}: distance {column.distance:.3f} (threshold {column.threshold:.3f}); {moved}",
                markup=False,
                highlight=False,
            )
    for pair in report.pairs:
        if pair.drifted:
            console.print(
                f"  relation {pair.columns[0]} ~ {pair.columns[1]}: Cramér's V {pair.association_before:.3f} → "
                f"{pair.association_now:.3f} (threshold {pair.threshold:.3f})",
                markup=False,
                highlight=False,
            )
    if report.multivariate is not None:
        m = report.multivariate
        console.print(
            f"  classifier AUC, new rows vs the twin's: {m['auc']:.3f} (at fit: {m['baseline_auc']:.3f}; "
            f"threshold +{m['threshold']:.3f})",
            markup=False,
            highlight=False,
        )
