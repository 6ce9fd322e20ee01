"""`datatwin schema`: show the inferred schema and optionally save it for editing."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from datatwin.cli._console import console, reported_errors
from datatwin.cli._options import Overwrite, SourceArgument
from datatwin.cli.database import is_database_source, show_database_schema

if TYPE_CHECKING:
    from datatwin.schema import ColumnSpec, Schema


def schema_command(
    data: SourceArgument,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Save the schema as JSON here.")] = None,
    detect_keys: Annotated[
        bool, typer.Option("--detect-keys/--no-detect-keys", help="Databases: add foreign keys found in the data.")
    ] = True,
    overwrite: Overwrite = False,
) -> None:
    """Infer the schema of DATA (a table, or a database's tables and keys), print it, and save it
    as editable JSON with -o."""
    with reported_errors():
        import datatwin
        from datatwin.io import read_table
        from datatwin.io.writers import check_output_file, write_bytes
        from datatwin.schema import Schema, infer_schema
        from datatwin.sequential import propose_keys

        if output is not None:
            check_output_file(output, overwrite=overwrite)
        if is_database_source(data):
            show_database_schema(data, output, detect_keys)
            return
        source = read_table(Path(data))
        schema = infer_schema(source.data)
        rules = datatwin.find_rules(source, schema=schema)
        schema = dataclasses.replace(schema, rules=tuple(rule.to_dict() for rule in rules))
        console.print(schema_table(schema, title=f"{source.name}: {len(source.data):,} rows"))
        for rule in rules:
            console.print(f"rule: {rule}  (held in {rule.support:,} rows)", markup=False, highlight=False)
        keys = propose_keys(source.data, schema)
        if keys is not None:
            schema = Schema(schema.columns, keys, schema.rules)
            by = (
                f"entity {keys.entity!r} and order {keys.order!r}"
                if keys.entity
                else f"order {keys.order!r} (one series)"
            )
            flags = (f"--entity {keys.entity} " if keys.entity else "") + f"--order {keys.order}"
            console.print(
                f"The rows look like sequences: {by}. Fit them as sequences with `datatwin fit {data} {flags} -o …` "
                "(the saved schema says so too)."
            )
        if output is not None:
            write_bytes(output, schema.to_json().encode("utf-8"))
            console.print(
                f"Schema saved → {output} (edit it and pass it back with --schema; delete a rule there to drop it)"
            )


def schema_table(schema: Schema, *, title: str) -> Table:
    """A readable table of a schema: one row per column."""
    table = Table(title=title, title_justify="left")
    for header in ("column", "kind", "missing", "details"):
        table.add_column(header)
    for spec in schema.columns:
        missing = spec.stats.get("null_rate")
        table.add_row(
            spec.name,
            spec.kind.value,
            "" if missing is None else f"{missing:.1%}",
            _details(spec),
        )
    return table


def _details(spec: ColumnSpec) -> str:
    if spec.categories is not None:
        shown = ", ".join(map(str, spec.categories[:4]))
        more = f", … ({len(spec.categories)} labels)" if len(spec.categories) > 4 else ""
        pooled = spec.stats.get("pooled_labels")
        rare = f"; {pooled} rare label(s) pooled" if pooled else ""
        return f"{shown}{more}{rare}"
    if spec.kind.value == "boolean":
        return f"{spec.true_label} / {spec.false_label}"
    if spec.pii_type:
        return f"{spec.pii_type} (replaced by fake values)"
    parts = []
    if spec.minimum is not None:
        parts.append(f"{spec.minimum} … {spec.maximum}")
    if spec.decimals is not None:
        parts.append(f"{spec.decimals} decimals")
    if spec.format:
        parts.append(f"format {spec.format}")
    if spec.kind.value in ("id", "text"):
        parts.append("generated anew, never copied")
    return "; ".join(parts)
