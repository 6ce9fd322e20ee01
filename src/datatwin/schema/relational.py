"""The relational schema of a database: tables, primary keys, foreign keys, constraints.

Readable and editable JSON (format ``datatwin.relational_schema`` version 1), so that keys
detected from the data can be checked and corrected by hand, then passed back.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from datatwin.errors import SchemaError

RELATIONAL_FORMAT = "datatwin.relational_schema"
RELATIONAL_VERSION = 1

DANGLING_POLICIES = {
    "keep": "the twin refers to parents missing from its data in the same share, by new unknown keys",
    "null": "references to missing parents are learnt and drawn as missing values",
    "drop": "rows referring to missing parents are left out of learning (and the number said)",
    "error": "references to missing parents are refused",
}
"""What a foreign key's ``dangling`` policy may say, and what each does."""


@dataclass(frozen=True)
class KeyEvidence:
    """Why a key the database does not declare was proposed.

    ``uniqueness``: for a primary key, the share of rows with a distinct value (1.0).
    ``containment``: for a foreign key, the share of filled references whose parent exists (the
    rest dangle). ``coverage``: the share of the parent's keys referenced. ``name_match``: whether
    the names point to the key (a name alone never makes a key).
    """

    uniqueness: float | None = None
    containment: float | None = None
    coverage: float | None = None
    name_match: bool = False

    def describe(self) -> str:
        parts = []
        if self.uniqueness is not None:
            parts.append(f"unique {self.uniqueness:.0%}")
        if self.containment is not None:
            parts.append(f"{self.containment:.1%} contained")
        if self.coverage is not None:
            parts.append(f"covers {self.coverage:.0%} of keys")
        parts.append("names match" if self.name_match else "names differ")
        return ", ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}

    @classmethod
    def from_dict(cls, data: Any) -> KeyEvidence | None:
        if data is None:
            return None
        if not isinstance(data, dict):
            raise SchemaError(f"A key's 'found' evidence must be an object; got {data!r}.")
        return cls(**{k: data[k] for k in ("uniqueness", "containment", "coverage", "name_match") if k in data})


@dataclass(frozen=True)
class ForeignKey:
    """``table(columns) → parent(parent_columns)``; composite when there are several columns.

    ``declared`` is false for a key found in the data rather than read from the database;
    ``evidence`` then says why it was proposed. ``dangling`` says what becomes of references
    to parents missing from the data (see :data:`DANGLING_POLICIES`).
    """

    table: str
    columns: tuple[str, ...]
    parent: str
    parent_columns: tuple[str, ...]
    declared: bool = True
    evidence: KeyEvidence | None = None
    dangling: str = "keep"

    @property
    def is_self_reference(self) -> bool:
        return self.table == self.parent

    def describe(self) -> str:
        return f"{self.table}({', '.join(self.columns)}) → {self.parent}({', '.join(self.parent_columns)})"

    def to_dict(self) -> dict[str, Any]:
        return {
            "table": self.table,
            "columns": list(self.columns),
            "parent": self.parent,
            "parent_columns": list(self.parent_columns),
            "declared": self.declared,
            "dangling": self.dangling,
        } | ({"found": self.evidence.to_dict()} if self.evidence is not None else {})

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ForeignKey:
        try:
            return cls(
                str(data["table"]),
                tuple(data["columns"]),
                str(data["parent"]),
                tuple(data["parent_columns"]),
                bool(data.get("declared", True)),
                KeyEvidence.from_dict(data.get("found")),
                str(data.get("dangling", "keep")),
            )
        except (KeyError, TypeError) as exc:
            raise SchemaError(f"A foreign key needs table, columns, parent and parent_columns; got {data!r}.") from exc


@dataclass(frozen=True)
class TableSchema:
    """One table: its columns in order, primary key, NOT NULL columns and unique column sets;
    ``key_evidence`` when the primary key was found in the data rather than declared."""

    name: str
    columns: tuple[str, ...]
    primary_key: tuple[str, ...]
    not_null: tuple[str, ...] = ()
    unique: tuple[tuple[str, ...], ...] = ()
    key_evidence: KeyEvidence | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "columns": list(self.columns),
            "primary_key": list(self.primary_key),
            "not_null": list(self.not_null),
            "unique": [list(u) for u in self.unique],
        } | ({"primary_key_found": self.key_evidence.to_dict()} if self.key_evidence is not None else {})

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TableSchema:
        try:
            return cls(
                str(data["name"]),
                tuple(data["columns"]),
                tuple(data.get("primary_key", ())),
                tuple(data.get("not_null", ())),
                tuple(tuple(u) for u in data.get("unique", ())),
                KeyEvidence.from_dict(data.get("primary_key_found")),
            )
        except (KeyError, TypeError) as exc:
            raise SchemaError(f"A table needs a name and a columns list; got {data!r}.") from exc


@dataclass(frozen=True)
class RelationalSchema:
    """Tables and the foreign keys between them, checked for consistency on construction;
    ``rules`` — across tables, and tables' own — in their JSON form (see
    :mod:`datatwin.constraints.cross`); ``None`` when not stated (a twin then finds them)."""

    tables: tuple[TableSchema, ...]
    foreign_keys: tuple[ForeignKey, ...] = field(default=())
    rules: tuple[dict[str, Any], ...] | None = field(default=None)

    def __post_init__(self) -> None:
        problems = []
        names = [t.name for t in self.tables]
        if duplicated := sorted({n for n in names if names.count(n) > 1}):
            problems.append(f"table name(s) used twice: {duplicated}")
        by_name = {t.name: t for t in self.tables}
        for table in self.tables:
            if missing := [c for c in table.primary_key if c not in table.columns]:
                problems.append(f"table {table.name!r}: primary key column(s) {missing} are not among its columns")
        for key in self.foreign_keys:
            problems += _foreign_key_problems(key, by_name)
        if problems:
            raise SchemaError("Relational schema: " + "; ".join(problems) + ".")

    def table(self, name: str) -> TableSchema:
        for table in self.tables:
            if table.name == name:
                return table
        raise SchemaError(f"No table {name!r}; tables: {[t.name for t in self.tables]}.")

    def parents_of(self, name: str) -> list[ForeignKey]:
        """The foreign keys of table ``name``."""
        return [k for k in self.foreign_keys if k.table == name]

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": RELATIONAL_FORMAT,
            "version": RELATIONAL_VERSION,
            "tables": [t.to_dict() for t in self.tables],
            "foreign_keys": [k.to_dict() for k in self.foreign_keys],
        } | ({} if self.rules is None else {"rules": [dict(r) for r in self.rules]})

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n"

    @classmethod
    def from_dict(cls, data: Any) -> RelationalSchema:
        """A schema from :meth:`to_dict`'s form, checking its format and version."""
        if not isinstance(data, dict) or data.get("format") != RELATIONAL_FORMAT:
            raise SchemaError(f'Not a datatwin relational schema: expected "format": "{RELATIONAL_FORMAT}".')
        if data.get("version") != RELATIONAL_VERSION:
            raise SchemaError(f"Relational schema version {data.get('version')!r} is not supported.")
        rules = data.get("rules")
        if not (rules is None or (isinstance(rules, list) and all(isinstance(r, dict) for r in rules))):
            raise SchemaError('"rules" must be a list of rule objects, e.g. {"type": "child_sum", ...}.')
        return cls(
            tuple(TableSchema.from_dict(t) for t in data.get("tables", [])),
            tuple(ForeignKey.from_dict(k) for k in data.get("foreign_keys", [])),
            None if rules is None else tuple(rules),
        )

    @classmethod
    def from_json(cls, source: str | Path) -> RelationalSchema:
        """Read a relational schema file."""
        path = Path(source)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise SchemaError(f"Relational schema file {str(path)!r} does not exist.") from None
        except json.JSONDecodeError as exc:
            raise SchemaError(f"Relational schema file {str(path)!r} is not valid JSON: {exc}.") from None
        return cls.from_dict(data)


def _foreign_key_problems(key: ForeignKey, tables: dict[str, TableSchema]) -> list[str]:
    where = f"foreign key {key.describe()}"
    if key.table not in tables or key.parent not in tables:
        unknown = [t for t in (key.table, key.parent) if t not in tables]
        return [f"{where}: unknown table(s) {unknown}"]
    problems = []
    if key.dangling not in DANGLING_POLICIES:
        problems.append(f"{where}: dangling must be one of {sorted(DANGLING_POLICIES)}, not {key.dangling!r}")
    elif key.dangling == "null" and (
        fixed := [c for c in key.columns if c in (*tables[key.table].primary_key, *tables[key.table].not_null)]
    ):
        problems.append(f"{where}: dangling 'null' cannot empty primary key or NOT NULL column(s) {fixed}")
    if len(key.columns) != len(key.parent_columns) or not key.columns:
        problems.append(f"{where}: needs as many columns on each side (at least one)")
    if missing := [c for c in key.columns if c not in tables[key.table].columns]:
        problems.append(f"{where}: {key.table!r} has no column(s) {missing}")
    if missing := [c for c in key.parent_columns if c not in tables[key.parent].columns]:
        problems.append(f"{where}: {key.parent!r} has no column(s) {missing}")
    return problems
