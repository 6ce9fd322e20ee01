"""`datatwin card TWIN -o card.html`: the data card of a twin; and the --card option of fit and sample."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from datatwin.cli._console import console, reported_errors
from datatwin.cli._options import AuditLog, KeyFile, Overwrite, twin_passphrase
from datatwin.monitor.audit import audited

CardFile = Annotated[
    Path | None,
    typer.Option("--card", help="Also write a data card of the result: HTML, or JSON when the name ends in .json."),
]


def card_command(
    twin: Annotated[Path, typer.Argument(help="A table twin saved by `datatwin fit`.", show_default=False)],
    output: Annotated[Path, typer.Option("--output", "-o", help="The card: HTML, or JSON for a .json name.")],
    evaluation: Annotated[
        Path | None, typer.Option("--evaluation", help="An evaluation report's JSON (datatwin evaluate --json).")
    ] = None,
    intended_use: Annotated[str | None, typer.Option("--intended-use", help="What the synthetic data is for.")] = None,
    limit: Annotated[
        list[str] | None, typer.Option("--limit", help="A known limit, in your words (repeatable).")
    ] = None,
    key_file: KeyFile = None,
    audit_log: AuditLog = None,
    overwrite: Overwrite = False,
) -> None:
    """Write the data card of TWIN: its sources, preparation, model, evaluation and privacy, along the headings
    of the EU AI Act's Article 10 and of datasheets for datasets."""
    inputs = {"twin": twin, "evaluation": evaluation}
    with reported_errors(), audited(audit_log, "card", inputs=inputs, outputs={"card": output}):
        import datatwin
        from datatwin.io.writers import check_output_file

        check_output_file(output, overwrite=overwrite)
        card = datatwin.data_card(
            twin,
            evaluation=evaluation,
            intended_use=intended_use,
            limits=limit,
            encryption_key=twin_passphrase(key_file),
        )
        datatwin.save_card(card, output)
        console.print(f"Data card of {twin} → {output}")


def write_card(
    twin: Any, path: Path, *, evaluation: dict[str, Any] | None = None, sample: dict[str, Any] | None = None
) -> None:
    """The card of a twin just fitted (with its evaluation) or sampled (with the sample's facts)."""
    import datatwin

    datatwin.save_card(datatwin.data_card(twin, evaluation=evaluation, sample=sample), path)
