"""`datatwin evaluate`: the trust report comparing a synthetic table with the real one."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from datatwin.cli._console import console, progress_bars, reported_errors
from datatwin.cli._options import AuditLog, KeyFile, Overwrite, SchemaFile, Seed, twin_passphrase
from datatwin.cli.database import is_database_source
from datatwin.errors import ConfigError, SourceError
from datatwin.monitor.audit import audited

if TYPE_CHECKING:
    from datatwin.evaluate import Report
    from datatwin.monitor.drift import DriftReport, TablesDriftReport

_COLOURS = {"pass": "green", "warn": "yellow", "fail": "red", "skipped": "dim"}

TableOrDatabase = Annotated[
    str | None,
    typer.Option(
        help="CSV (any delimiter, .gz too) or Parquet file; or a database URL or folder for a database report.",
        show_default=False,
    ),
]


def evaluate_command(
    output: Annotated[Path, typer.Option("--output", "-o", help="HTML report to write.")],
    real: TableOrDatabase = None,
    synthetic: TableOrDatabase = None,
    holdout: Annotated[
        Path | None, typer.Option(help="Real rows the generator never saw (needed for most privacy checks).")
    ] = None,
    target: Annotated[str | None, typer.Option(help="Column a model would predict (utility, fairness).")] = None,
    sensitive: Annotated[
        list[str] | None, typer.Option(help="Column to check for bias and attribute inference (repeatable).")
    ] = None,
    schema: SchemaFile = None,
    json_output: Annotated[Path | None, typer.Option("--json", help="Also write the report as JSON.")] = None,
    threshold: Annotated[
        list[str] | None,
        typer.Option(help="Override a metric's limits as KEY=PASS:WARN, e.g. detection=0.65:0.8 (repeatable)."),
    ] = None,
    twin: Annotated[
        Path | None,
        typer.Option(
            help="The twin that made SYNTHETIC: the report shows its lineage (a DP twin's guarantee) and whether "
            "REAL has drifted from what it learnt."
        ),
    ] = None,
    entity: Annotated[str | None, typer.Option(help="Sequences: the column naming each row's entity.")] = None,
    order: Annotated[
        str | None, typer.Option(help="Sequences: the column ordering each entity's rows (adds sequence metrics).")
    ] = None,
    scenario: Annotated[
        Path | None,
        typer.Option(help="A scenario run's folder (from `datatwin simulate`): labels, shortcut audit, rhythms."),
    ] = None,
    fresh: Annotated[
        Path | None,
        typer.Option(help="Scenarios: a second run (another seed and prevalence) to score a detector on."),
    ] = None,
    max_rows: Annotated[
        int | None,
        typer.Option(
            "--max-rows",
            min=1,
            help="Tables: compare a random sample of at most this many rows of each file, read in batches.",
        ),
    ] = None,
    seed: Seed = 0,
    key_file: KeyFile = None,
    audit_log: AuditLog = None,
    overwrite: Overwrite = False,
) -> None:
    """Measure how faithful, useful and private SYNTHETIC is compared with REAL (tables or databases),
    or validate a scenario run (--scenario)."""
    inputs = {"real": real, "synthetic": synthetic, "holdout": holdout, "twin": twin}
    inputs |= {"scenario": scenario, "fresh": fresh}
    settings = {"target": target, "sensitive": sensitive, "seed": seed, "max_rows": max_rows, "threshold": threshold}
    outputs = {"report": output, "json": json_output}
    with reported_errors(), audited(audit_log, "evaluate", inputs=inputs, outputs=outputs, settings=settings):
        import datatwin

        check_report_targets(output, json_output, overwrite=overwrite)
        if scenario is not None:
            _evaluate_scenario(scenario, fresh, twin, real, output, json_output, threshold, seed, key_file)
            return
        if real is None or synthetic is None:
            raise ConfigError("Give --real and --synthetic (or --scenario with a scenario run's folder).")
        if is_database_source(real) or is_database_source(synthetic):
            options = {
                "--holdout": holdout,
                "--target": target,
                "--sensitive": sensitive,
                "--schema": schema,
                "--order": order,
                "--max-rows": max_rows,
            }
            if given := [name for name, value in options.items() if value]:
                raise ConfigError(f"{', '.join(given)} appl(ies) to one table, not to a database report.")
            with progress_bars() as progress:
                report = datatwin.evaluate_database(
                    real, synthetic, thresholds=parse_thresholds(threshold or []), progress=progress
                )
            write_report(report, output, json_output)
            return
        loaded = datatwin.load(twin, encryption_key=twin_passphrase(key_file)) if twin is not None else None
        lineage = None if loaded is None else loaded.lineage
        with progress_bars() as progress:
            drift = None if loaded is None else _drift_of(loaded, real, seed)
            report = datatwin.evaluate(
                Path(real),
                Path(synthetic),
                holdout,
                target=target,
                sensitive=sensitive,
                schema=schema,
                thresholds=parse_thresholds(threshold or []),
                lineage=lineage,
                seed=seed,
                progress=progress,
                entity=entity,
                order=order,
                privacy=getattr(loaded, "privacy", None),  # a DP twin's guarantee, shown in the report
                max_rows=max_rows,
                drift=drift,
            )
        write_report(report, output, json_output)


def _drift_of(twin: object, real: str, seed: int) -> DriftReport | TablesDriftReport | None:
    """The drift of the real rows (one table) from what ``twin`` learnt, for the report's freshness
    section; ``None`` for a twin with nothing to compare them with (a series twin keeps no
    profile; a database twin's are per table)."""
    import datatwin

    if isinstance(twin, datatwin.Twin) or (isinstance(twin, datatwin.SequenceTwin) and twin.fitted.profile):
        return datatwin.drift(twin, real, seed=seed)
    return None


def _evaluate_scenario(
    run: Path,
    fresh: Path | None,
    twin: Path | None,
    real: str | None,
    output: Path,
    json_output: Path | None,
    threshold: list[str] | None,
    seed: int,
    key_file: Path | None,
) -> None:
    """The scenario report; the population is compared with --real rows, or a sample of --twin."""
    import datatwin
    from datatwin.evaluate.scenario import evaluate_scenario
    from datatwin.io import read_table

    reference = None
    if real is not None:
        reference = read_table(real).data
    elif twin is not None:
        population_twin = datatwin.load(twin, encryption_key=twin_passphrase(key_file))
        if not isinstance(population_twin, datatwin.Twin):
            raise ConfigError(f"--twin {str(twin)!r} must be the table twin the population was drawn from.")
        reference = population_twin.sample(5000, seed=seed + 1)
    with progress_bars() as progress:
        report = evaluate_scenario(
            run,
            fresh=fresh,
            reference=reference,
            thresholds=parse_thresholds(threshold or []),
            seed=seed,
            progress=progress,
        )
    write_report(report, output, json_output)


def check_report_targets(output: Path, json_output: Path | None, *, overwrite: bool) -> None:
    """Fail before any work when a report could not be written where asked."""
    from datatwin.io.writers import check_output_file

    for path, suffixes in ((output, (".html", ".htm")), (json_output, (".json",))):
        if path is None:
            continue
        if path.suffix.lower() not in suffixes:
            raise SourceError(f"Report {str(path)!r} needs a name ending in {' or '.join(suffixes)}.")
        check_output_file(path, overwrite=overwrite)


def write_report(report: Report, output: Path, json_output: Path | None) -> None:
    """Save the report and print its summary."""
    from datatwin.report import save_report

    save_report(report, output)
    if json_output is not None:
        save_report(report, json_output)
    table = Table(title=f"Quality score {report.score:.3f} · privacy {report.privacy.value}", title_justify="left")
    for column in ("section", "metric", "value", "status"):
        table.add_column(column)
    for metric in report.metrics:
        colour = _COLOURS[metric.status.value]
        value = "—" if metric.value is None else f"{metric.value:.4g}"
        title = (
            metric.title
            if metric.subject is None or metric.subject in metric.title
            else f"{metric.title} ({metric.subject})"
        )
        table.add_row(metric.section, title, value, f"[{colour}]{metric.status.value}[/]")
    console.print(table)
    written = f"{output}" + (f" and {json_output}" if json_output else "")
    console.print(f"Report → {written}")


def parse_thresholds(items: list[str]) -> dict[str, tuple[float, float]]:
    """``["detection=0.65:0.8"]`` → ``{"detection": (0.65, 0.8)}``."""
    out = {}
    for item in items:
        key, _, limits = item.partition("=")
        passing, _, warning = limits.partition(":")
        try:
            out[key.strip()] = (float(passing), float(warning))
        except ValueError:
            raise ConfigError(f"--threshold {item!r} must look like KEY=PASS:WARN, e.g. detection=0.65:0.8.") from None
    return out
