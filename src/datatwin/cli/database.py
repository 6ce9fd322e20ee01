"""The database side of `fit`, `sample`, `schema` and `evaluate`: whole databases in and out."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

from rich.table import Table

from datatwin.cli._console import console, progress_bars
from datatwin.cli.card import write_card
from datatwin.errors import ConfigError
from datatwin.io.sql import is_database_url, safe_url

if TYPE_CHECKING:
    from datatwin.api import DatabaseTwin
    from datatwin.io.database import Database
    from datatwin.schema.relational import KeyEvidence


def is_database_source(source: str) -> bool:
    """Whether a command's source names a database (a URL or a folder) rather than one table."""
    return is_database_url(source) or Path(source).is_dir()


def where(source: str) -> str:
    """A source as shown to people: URLs without their password."""
    return safe_url(source) if is_database_url(source) else source


def fit_database_source(
    source: str,
    output: Path,
    *,
    seed: int,
    schema: Path | None,
    max_time: float | None,
    detect_keys: bool,
    reference: list[str] | None,
    refused: dict[str, bool],
    find_rules: bool = True,
    encryption_key: bytes | None = None,
    card: Path | None = None,
) -> None:
    """`datatwin fit DATABASE -o TWIN` (and its ``--card``)."""
    import datatwin

    if given := [option for option, used in refused.items() if used]:
        raise ConfigError(f"{', '.join(given)} appl(ies) to one table, not to a database like {where(source)}.")
    started = time.perf_counter()
    with progress_bars() as progress:
        twin = datatwin.fit_database(
            source,
            schema=schema,
            detect_keys=detect_keys,
            reference_tables=reference,
            seed=seed,
            max_time=max_time,
            progress=progress,
            find_rules=find_rules,
        )
        twin.save(output, encryption_key=encryption_key)
    if card is not None:
        write_card(twin, card)
        console.print(f"Data card → {card}")
    primary = [f"{t.name}({', '.join(t.primary_key)})" for t in twin.schema.tables if t.key_evidence is not None]
    if primary:
        console.print(f"Primary keys found in the data (check them with `datatwin schema`): {', '.join(primary)}")
    if keyless := [t.name for t in twin.schema.tables if not t.primary_key]:
        console.print(
            f"Learnt without a primary key (no column or small set of columns identifies their rows, and no "
            f"table refers to them): {', '.join(keyless)}"
        )
    detected = [k.describe() for k in twin.schema.foreign_keys if not k.declared]
    if detected:
        console.print(f"Foreign keys found in the data (check them with `datatwin schema`): {', '.join(detected)}")
    for rule in twin.rules:
        console.print(f"Rule held across tables: {rule}", markup=False, highlight=False)
    for key, done in twin.fitted.lineage.get("dangling", {}).items():
        share = f" ({done['share']:.1%} of its references)" if "share" in done else ""
        console.print(f"{key}: {done['rows']:,} row(s) refer to missing parents{share}; policy '{done['policy']}'.")
    rows = sum(m.real_rows for m in twin.tables.values())
    console.print(
        f"Fitted {len(twin.tables)} tables ({rows:,} rows) of {where(source)} "
        f"in {time.perf_counter() - started:.1f} s → {output}"
    )


def sample_database_twin(twin: DatabaseTwin, output: str, *, scale: float, seed: int, replace: bool, fmt: str) -> int:
    """`datatwin sample DB.twin -o TARGET [--scale F]`: the target is checked before any work; the rows written."""
    from datatwin.io.database_writer import check_database_target

    check_database_target(output, replace=replace)
    with progress_bars():
        database = twin.sample(scale=scale, seed=seed)
    unconstrained = database.save(output, replace=replace, table_format=f".{fmt.lstrip('.')}")
    rows = sum(len(t) for t in database.tables.values())
    console.print(f"Wrote {len(database.tables)} tables ({rows:,} rows) → {where(output)}")
    for key in unconstrained:
        console.print(
            f"Foreign key {key.describe()} has no constraint in the target: some of its references point to "
            "parents missing from the data, as in the real data (its dangling policy is 'keep')."
        )
    return rows


def show_database_schema(source: str, output: Path | None, detect_keys: bool) -> None:
    """`datatwin schema DATABASE [-o schema.json]`: tables, keys (declared and found)."""
    from datatwin.io.database import read_database
    from datatwin.io.writers import write_bytes
    from datatwin.relational import discover_keys, generation_plan
    from datatwin.relational.rules import with_rules

    database = read_database(source)
    if detect_keys:
        database = discover_keys(database)
    database, found = with_rules(database, (), find=True, plan=generation_plan(database.schema), seed=0)
    console.print(_schema_table(database))
    for rule in found:
        console.print(f"rule: {rule}  (held in {rule.support:,} rows)", markup=False, highlight=False)
    if output is not None:
        write_bytes(output, database.schema.to_json().encode("utf-8"))
        console.print(
            f"Relational schema saved → {output} (correct it and pass it back with --schema; delete a rule there "
            "to drop it)"
        )


def _schema_table(database: Database) -> Table:
    table = Table(title=f"{database.source}: {len(database.tables)} tables", title_justify="left")
    for header in ("table", "rows", "primary key", "foreign keys"):
        table.add_column(header)
    for spec in database.schema.tables:
        parents = database.schema.parents_of(spec.name)
        keys = [f"{', '.join(k.columns)} → {k.parent}{_found(k.evidence)}" for k in parents]
        primary = (", ".join(spec.primary_key) or "none") + _found(spec.key_evidence)
        table.add_row(spec.name, f"{len(database.tables[spec.name]):,}", primary, "\n".join(keys))
    return table


def _found(evidence: KeyEvidence | None) -> str:
    """How a key found in the data (not declared) is shown: its evidence."""
    return "" if evidence is None else f" [dim](found: {evidence.describe()})[/dim]"
