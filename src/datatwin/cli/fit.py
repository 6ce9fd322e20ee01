"""`datatwin fit`: learn a twin from a table and save it (and, asked, a trust report)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from datatwin.cli._console import console, progress_bars, reported_errors
from datatwin.cli._options import (
    DEFAULT_SEED,
    AuditLog,
    KeyFile,
    Overwrite,
    SchemaFile,
    Seed,
    SourceArgument,
    twin_passphrase,
)
from datatwin.cli.card import CardFile, write_card
from datatwin.cli.database import fit_database_source, is_database_source
from datatwin.cli.evaluate import check_report_targets, write_report
from datatwin.cli.privacy import describe_privacy
from datatwin.cli.sequences import describe_sequences, report_sequences
from datatwin.errors import ConfigError, DataError
from datatwin.monitor.audit import audited

if TYPE_CHECKING:
    from datatwin.api.table import Twin

AUTO = "auto"


def fit_command(
    data: SourceArgument,
    output: Annotated[Path, typer.Option("--output", "-o", help="Where to save the twin.")],
    model: Annotated[str, typer.Option("--model", help="Model name, or 'auto'.")] = AUTO,
    seed: Seed = DEFAULT_SEED,
    schema: SchemaFile = None,
    max_time: Annotated[
        float | None, typer.Option("--max-time", min=0.1, help="Time budget of the whole fit in seconds.")
    ] = None,
    max_rows: Annotated[
        int | None,
        typer.Option(
            "--max-rows",
            min=1,
            help="Tables: learn from a random sample of at most this many rows, reading the file in batches "
            "(for files larger than memory).",
        ),
    ] = None,
    report: Annotated[
        Path | None,
        typer.Option(
            "--report",
            help="Hold real rows out, fit on the rest and write a trust report (.html) of the twin against them.",
        ),
    ] = None,
    holdout_share: Annotated[float, typer.Option("--holdout-share", help="Share of rows held out for --report.")] = 0.2,
    target: Annotated[str | None, typer.Option("--target", help="Column a model would predict, for --report.")] = None,
    detect_keys: Annotated[
        bool, typer.Option("--detect-keys/--no-detect-keys", help="Databases: add foreign keys found in the data.")
    ] = True,
    reference: Annotated[
        list[str] | None,
        typer.Option("--reference", help="Databases: a table to keep as it is, e.g. a list of genres (repeatable)."),
    ] = None,
    entity: Annotated[
        str | None, typer.Option("--entity", help="Sequences: the column naming whose events each row is.")
    ] = None,
    order: Annotated[
        str | None,
        typer.Option("--order", help="Sequences: the column ordering each entity's events (a time or a step)."),
    ] = None,
    static: Annotated[
        list[str] | None,
        typer.Option("--static", help="Sequences: a column constant per entity (repeatable; default: found)."),
    ] = None,
    entity_table: Annotated[
        Path | None,
        typer.Option("--entity-table", help="Sequences: a file with one row per entity (its attributes)."),
    ] = None,
    find_rules: Annotated[
        bool,
        typer.Option(
            "--find-rules/--no-find-rules",
            help="Tables: hold rules found in every row (orders, formulas, combinations) unless --schema has rules.",
        ),
    ] = True,
    epsilon: Annotated[
        float | None,
        typer.Option("--epsilon", help="Fit under (ε, δ)-differential privacy with this ε (one row is the unit)."),
    ] = None,
    delta: Annotated[
        float | None, typer.Option("--delta", help="With --epsilon: the δ of the guarantee (default 1e-6).")
    ] = None,
    dp_model: Annotated[
        str, typer.Option("--dp-model", help="With --epsilon: the DP model ('aim'), or 'auto'.")
    ] = AUTO,
    dp_bounds: Annotated[
        bool,
        typer.Option(
            "--dp-bounds/--no-dp-bounds",
            help="With --epsilon: buy bounds the schema leaves open from the budget, or refuse such columns.",
        ),
    ] = True,
    encrypt: Annotated[
        bool,
        typer.Option(
            "--encrypt",
            help="Encrypt the twin file (AES-256-GCM) with the passphrase in --key-file or $DATATWIN_ENCRYPTION_KEY.",
        ),
    ] = False,
    key_file: KeyFile = None,
    card: CardFile = None,
    audit_log: AuditLog = None,
    overwrite: Overwrite = False,
) -> None:
    """Learn a twin of DATA (a table, its sequences, or a whole database) and save it to OUTPUT."""
    settings = {
        "model": model if epsilon is None else dp_model,
        "seed": seed,
        "max_time": max_time,
        "max_rows": max_rows,
        "epsilon": epsilon,
        "delta": delta,
        "dp_bounds": dp_bounds,
        "find_rules": find_rules,
        "entity": entity,
        "order": order,
        "encrypted": encrypt,
    }
    inputs = {"data": data, "schema": schema, "entity_table": entity_table}
    with (
        reported_errors(),
        audited(
            audit_log, "fit", inputs=inputs, outputs={"twin": output, "report": report, "card": card}, settings=settings
        ),
    ):
        import datatwin
        from datatwin.evaluate.holdout import split_holdout
        from datatwin.io.streamed import read_table_rows
        from datatwin.io.writers import check_output_file

        check_output_file(output, overwrite=overwrite)
        passphrase = encryption_passphrase(encrypt, key_file)
        if card is not None:
            check_output_file(card, overwrite=overwrite)
        private = {"--delta": delta is not None, "--dp-model": dp_model != AUTO, "--no-dp-bounds": not dp_bounds}
        if epsilon is None and any(private.values()):
            raise ConfigError(f"{', '.join(k for k, v in private.items() if v)} apply to a DP fit: add --epsilon.")
        if epsilon is not None and model != AUTO:
            raise ConfigError("Under --epsilon the model is chosen with --dp-model, not --model.")
        if is_database_source(data):
            refused = {
                "--model": model != AUTO,
                "--report": report is not None,
                "--target": target is not None,
                "--order": order is not None,
                "--max-rows": max_rows is not None,
            }
            if epsilon is not None:
                raise ConfigError(
                    "Database twins cannot be fitted under differential privacy yet (the unit of privacy would be "
                    "one entity with all its rows in every table): fit without --epsilon, or export a table and fit it."
                )
            fit_database_source(
                data,
                output,
                seed=seed,
                schema=schema,
                max_time=max_time,
                detect_keys=detect_keys,
                reference=reference,
                refused=refused,
                find_rules=find_rules,
                encryption_key=passphrase,
                card=card,
            )
            return
        if report is not None:
            check_report_targets(report, None, overwrite=overwrite)
        started = time.perf_counter()
        source = read_table_rows(Path(data), max_rows, seed=seed)
        holdout = None
        if target is not None and target not in source.data.columns:
            raise DataError([f"--target column {target!r} is not in {source.name}: {list(source.data.columns)}"])
        if report is not None:
            source, holdout = split_holdout(source, holdout_share, seed=seed, entity=entity)
        with progress_bars() as progress:
            left = None if max_time is None else max(max_time - (time.perf_counter() - started), 0.1)  # reading counts
            twin = datatwin.fit(
                source,
                model=model if epsilon is None else dp_model,
                seed=seed,
                schema=schema,
                max_time=left,
                progress=progress,
                entity=entity,
                order=order,
                static=static,
                entity_table=entity_table,
                find_rules=find_rules,
                epsilon=epsilon,
                delta=delta,
                dp_bounds=dp_bounds,
                max_rows=max_rows,
            )
            twin.save(output, encryption_key=passphrase)
        lineage = twin.lineage
        sampled = "" if lineage.sampled_rows is None else f"a random sample of {lineage.sampled_rows:,} of "
        console.print(
            f"Fitted [bold]{lineage.model}[/] on {sampled}{lineage.n_rows:,} rows × {lineage.n_columns} "
            f"columns of {lineage.source} in {time.perf_counter() - started:.1f} s → {output}"
        )
        if isinstance(twin, datatwin.Twin):
            describe_rules(twin)
            if twin.privacy is not None:
                describe_privacy(twin.privacy)
        if isinstance(twin, datatwin.SequenceTwin):
            describe_sequences(twin)
            evaluation = None
            if report is not None and holdout is not None:
                evaluation = report_sequences(twin, source.data, holdout.data, report, seed=seed)
            if card is not None:
                write_card(twin, card, evaluation=evaluation)
                console.print(f"Data card → {card}")
            return
        if report is not None and holdout is not None:
            with progress_bars() as progress:
                synthetic = twin.sample(len(source.data), seed=seed, progress=progress)
                result = datatwin.evaluate(
                    source.data,
                    synthetic,
                    holdout.data,
                    target=target,
                    schema=twin.schema,
                    lineage=lineage,
                    seed=seed,
                    progress=progress,
                    privacy=twin.privacy,
                )
            write_report(result, report, None)
        if card is not None:
            write_card(twin, card, evaluation=None if report is None else result.to_dict())
            console.print(f"Data card → {card}")


def encryption_passphrase(encrypt: bool, key_file: Path | None) -> bytes | None:
    """The passphrase ``--encrypt`` asks for, found before any work is done; ``None`` without it."""
    if not encrypt:
        if key_file is not None:
            raise ConfigError("--key-file applies with --encrypt: add --encrypt to encrypt the twin file.")
        return None
    passphrase = twin_passphrase(key_file)
    if passphrase is None:
        raise ConfigError(
            "--encrypt needs a passphrase: give --key-file FILE, or set $DATATWIN_ENCRYPTION_KEY (keep it apart "
            "from the twin: without it the twin cannot be opened)."
        )
    return passphrase


def describe_rules(twin: Twin) -> None:
    """Print the rules the twin holds, and the training rows that broke any."""
    if not twin.rules:
        return
    console.print(f"Rules held in every drawn row ({len(twin.rules)}):", markup=False)
    for rule in twin.rules:
        support = "" if rule.support is None else f"  (found: held in {rule.support:,} rows)"
        console.print(f"  {rule}{support}", markup=False, highlight=False)
    for described, rows in twin.fitted.broken_in_data.items():
        console.print(
            f"  note: {rows:,} row(s) of the data break '{described}'; the twin holds it anyway", markup=False
        )
