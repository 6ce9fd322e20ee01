"""Reference tables: short lists that other tables point to and that name no one (genres,
languages, countries), written out as they are."""

from __future__ import annotations

from datatwin.errors import ConfigError
from datatwin.io.database import Database
from datatwin.relational.columns import children_counts, filled_column_specs, is_binary, value_columns
from datatwin.relational.model import TableModel
from datatwin.relational.order import GenerationPlan
from datatwin.schema import ColumnKind
from datatwin.schema.relational import TableSchema

REFERENCE_MAX_ROWS = 200
"""Largest table taken as a reference list when the user names none."""


def known_references(database: Database, names: list[str]) -> set[str]:
    """The reference tables a user named, each checked to be in the database."""
    if unknown := [n for n in names if n not in database.tables]:
        raise ConfigError(f"Reference table(s) {unknown} are not in {database.source}: {list(database.tables)}.")
    return set(names)


def find_reference_tables(database: Database) -> set[str]:
    """Root tables of at most :data:`REFERENCE_MAX_ROWS` rows that others refer to and that
    have no personal-data column (emails, phones, first or last names, addresses)."""
    referenced = {k.parent for k in database.schema.foreign_keys if not k.is_self_reference}
    found = set()
    for table in database.schema.tables:
        frame = database.tables[table.name]
        if table.name not in referenced or database.schema.parents_of(table.name) or len(frame) > REFERENCE_MAX_ROWS:
            continue
        specs = filled_column_specs(frame[value_columns(database.schema, table, frame)])
        # a bare "name" in a short list names things (genres, playlists, media types), not people
        if not any(c.kind is ColumnKind.PII and c.pii_type != "name" for c in specs):
            found.add(table.name)
    return found


def reference_table_model(database: Database, table: TableSchema, plan: GenerationPlan) -> TableModel:
    """A reference table: its rows kept (pictures left out), with their children counts."""
    frame = database.tables[table.name]
    rows = frame[list(table.columns)].reset_index(drop=True)
    rows = rows[[c for c in rows.columns if not is_binary(rows[c])]].assign(
        **children_counts(database, table.name, plan)
    )
    return TableModel(
        fitted=None,
        value_columns=value_columns(database.schema, table, frame),
        primary=None,
        real_rows=len(frame),
        text_key_length=None,
        key_range=None,
        null_shares={c: float(frame[c].isna().mean()) for c in table.columns},
        mean_children={},
        empty_text=[],
        reference=rows,
    )
