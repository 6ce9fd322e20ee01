"""`datatwin sample`: draw synthetic rows from a saved twin."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from datatwin.cli._console import console, progress_bars, reported_errors
from datatwin.cli._options import DEFAULT_SEED, AuditLog, KeyFile, Overwrite, Seed, twin_passphrase
from datatwin.cli.card import CardFile, write_card
from datatwin.errors import ConfigError
from datatwin.monitor.audit import audited


def sample_command(
    twin: Annotated[Path, typer.Argument(help="A twin saved by `datatwin fit`.", show_default=False)],
    output: Annotated[
        str,
        typer.Option(
            "--output", "-o", help="Output file (.csv or .parquet); for a database twin a database URL or folder."
        ),
    ],
    rows: Annotated[int | None, typer.Option("--rows", "-n", help="Number of rows to draw (table twins).")] = None,
    entities: Annotated[
        int | None, typer.Option("--entities", help="Sequence twins: number of new entities to draw.")
    ] = None,
    horizon: Annotated[
        int | None, typer.Option("--horizon", help="Sequence twins: steps per entity (series: any length).")
    ] = None,
    seed: Seed = DEFAULT_SEED,
    where: Annotated[
        str | None,
        typer.Option("--where", help="Condition every row meets, e.g. \"income == '>50K' and age >= 40\"."),
    ] = None,
    rebalance: Annotated[
        str | None, typer.Option("--rebalance", help="Categorical column whose rare labels to raise.")
    ] = None,
    ratio: Annotated[
        float | None, typer.Option("--ratio", help="Share each rare label is raised to (default: equal shares).")
    ] = None,
    scale: Annotated[
        float, typer.Option("--scale", min=0.001, help="Database twins: size of every table, times the real one.")
    ] = 1.0,
    replace: Annotated[
        bool, typer.Option("--replace", help="Database twins: overwrite a target that already holds data.")
    ] = False,
    table_format: Annotated[
        str, typer.Option("--format", help="Database twins written to a folder: csv or parquet files.")
    ] = "csv",
    engine: Annotated[
        str,
        typer.Option(
            "--engine",
            help="local (this process), processes (a local pool) or dask (a cluster); the last two write "
            "a folder of Parquet partitions (a database twin: one folder per table).",
        ),
    ] = "local",
    workers: Annotated[
        int | None, typer.Option("--workers", help="Processes, or workers of the local Dask cluster (default: cores).")
    ] = None,
    scheduler: Annotated[
        str | None, typer.Option("--scheduler", help="Address of a running Dask scheduler (default: a local cluster).")
    ] = None,
    key_file: KeyFile = None,
    card: CardFile = None,
    audit_log: AuditLog = None,
    overwrite: Overwrite = False,
) -> None:
    """Draw synthetic rows from TWIN into OUTPUT (a whole database for a database twin)."""
    settings = {
        "rows": rows,
        "entities": entities,
        "horizon": horizon,
        "seed": seed,
        "where": where,
        "rebalance": rebalance,
        "ratio": ratio,
        "scale": scale,
        "engine": engine,
        "workers": workers,
    }
    with (
        reported_errors(),
        audited(audit_log, "sample", inputs={"twin": twin}, outputs={"rows": output, "card": card}, settings=settings),
    ):
        import datatwin
        from datatwin.cli.database import sample_database_twin
        from datatwin.conditions import parse_where
        from datatwin.io import check_table_target, write_table
        from datatwin.io.partitioned import check_partition_target, is_folder_target
        from datatwin.io.writers import check_output_file

        loaded = datatwin.load(twin, encryption_key=twin_passphrase(key_file))
        if card is not None:
            check_output_file(card, overwrite=overwrite)
        if isinstance(loaded, datatwin.SequenceTwin) and (engine != "local" or workers or scheduler):
            raise ConfigError("--engine, --workers and --scheduler apply to table and database twins.")
        if isinstance(loaded, datatwin.DatabaseTwin):
            options = {"-n": rows, "--where": where, "--rebalance": rebalance, "--ratio": ratio}
            if given := [name for name, value in options.items() if value is not None]:
                raise ConfigError(f"{', '.join(given)} appl(ies) to table twins; {twin} is a database twin.")
            if engine == "local" and workers is None:
                written = sample_database_twin(
                    loaded, output, scale=scale, seed=seed, replace=replace or overwrite, fmt=table_format
                )
                _sample_card(loaded, card, output, {"rows": written, "scale": scale, "seed": seed})
                return
            check_partition_target(output, overwrite=overwrite)
            with progress_bars() as progress:
                written = loaded.sample_to(
                    output,
                    scale=scale,
                    seed=seed,
                    engine=engine,
                    workers=workers,
                    scheduler=scheduler,
                    progress=progress,
                )
            console.print(f"Wrote {len(loaded.tables)} tables ({written:,} rows) → {output} (Parquet partitions)")
            _sample_card(loaded, card, output, {"rows": written, "scale": scale, "seed": seed})
            return
        sequence_options = {"--entities": entities, "--horizon": horizon}
        if isinstance(loaded, datatwin.SequenceTwin):
            options = {"-n": rows, "--rebalance": rebalance, "--ratio": ratio, "--scale": scale != 1.0 or None}
            if given := [name for name, value in options.items() if value is not None]:
                raise ConfigError(f"{', '.join(given)} appl(ies) to table twins; {twin} holds sequences.")
            check_table_target(output, overwrite=overwrite)
            with progress_bars() as progress:
                conditions = parse_where(where) if where else None
                events = loaded.sample(entities, horizon=horizon, conditions=conditions, seed=seed, progress=progress)
            write_table(events, output)
            keys = loaded.keys
            count = events[keys.entity].nunique() if keys.entity else 1
            console.print(f"Wrote {len(events):,} events of {count:,} entities → {output}")
            drawn = {"events": len(events), "entities": count, "horizon": horizon, "seed": seed, "where": where}
            _sample_card(loaded, card, output, drawn)
            return
        if given := [name for name, value in sequence_options.items() if value is not None]:
            raise ConfigError(f"{', '.join(given)} appl(ies) to sequence twins; {twin} is not one.")
        if scale != 1.0 or replace:
            raise ConfigError("--scale and --replace apply to database twins; use -n for the number of rows.")
        if rows is None or rows <= 0:
            raise ConfigError(f"-n must be a positive number of rows; got {rows}.")
        partitioned = is_folder_target(output)
        if partitioned:
            check_partition_target(output, overwrite=overwrite)
        else:
            check_table_target(output, overwrite=overwrite)
        conditions = parse_where(where) if where else None
        with progress_bars() as progress:
            if rebalance is None:  # streamed: a sample of any size, one batch in memory at a time
                written = loaded.sample_to(
                    output,
                    rows,
                    seed=seed,
                    conditions=conditions,
                    engine=engine,
                    workers=workers,
                    scheduler=scheduler,
                    progress=progress,
                )
            elif partitioned or engine != "local":
                raise ConfigError("--rebalance writes one .csv or .parquet file with the local engine.")
            else:
                table = loaded.sample(
                    rows, seed=seed, conditions=conditions, rebalance=rebalance, ratio=ratio, progress=progress
                )
                write_table(table, output)
                written = len(table)
        where_to = f"{output} (Parquet partitions)" if partitioned else output
        console.print(f"Wrote {written:,} rows × {len(loaded.schema.columns)} columns → {where_to}")
        drawn = {"rows": written, "seed": seed, "where": where, "rebalance": rebalance, "ratio": ratio}
        _sample_card(loaded, card, output, drawn)


def _sample_card(twin: Any, card: Path | None, output: str | Path, drawn: dict[str, Any]) -> None:
    """The card of a sample just written (with what was drawn, the output and its hash); nothing without ``--card``."""
    if card is None:
        return
    from datatwin.io.sql import is_database_url, safe_url
    from datatwin.monitor.audit import file_digest

    shown = safe_url(str(output)) if is_database_url(str(output)) else str(output)
    facts = drawn | {"output": shown, "output_sha256": file_digest(output)}
    write_card(twin, card, sample=facts)
    console.print(f"Data card → {card}")
