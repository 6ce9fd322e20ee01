"""Column and table schemas: readable, editable JSON that a user can pass back.

A schema holds only what fitting needs to know without looking at the data (kind, bounds,
category domain, formats). Figures seen in the data (missing rate, distinct count) sit in
``stats`` and are for reading only; loading a schema ignores them.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from datatwin.errors import ConfigError, SchemaError
from datatwin.schema.kinds import PII_TYPES, ColumnKind

SCHEMA_FORMAT = "datatwin.schema"
SCHEMA_VERSION = 1

JsonScalar = str | int | float | bool

_FIELDS_BY_KIND: dict[ColumnKind, frozenset[str]] = {
    ColumnKind.NUMERIC: frozenset({"minimum", "maximum", "decimals"}),
    ColumnKind.INTEGER: frozenset({"minimum", "maximum"}),
    ColumnKind.CATEGORICAL: frozenset({"categories", "other_label"}),
    ColumnKind.BOOLEAN: frozenset({"true_label", "false_label"}),
    ColumnKind.DATETIME: frozenset({"minimum", "maximum", "format", "timezone"}),
    ColumnKind.ID: frozenset(),
    ColumnKind.TEXT: frozenset(),
    ColumnKind.PII: frozenset({"pii_type"}),
}
_OPTIONAL_FIELDS = frozenset().union(*_FIELDS_BY_KIND.values())


MAX_DECIMALS = 15
"""Most decimals a numeric column is rounded to; beyond them a float64 carries no more digits."""


@dataclass(frozen=True)
class ColumnSpec:
    """What datatwin knows about one column.

    Parameters
    ----------
    name
        The column's name in the data.
    kind
        The column's kind.
    minimum, maximum
        Bounds of numeric, integer and datetime columns (datetimes as ISO strings).
    decimals
        Number of decimals numeric values are rounded to.
    categories
        The labels a categorical column may take. Values outside it (rare ones) are pooled.
    other_label
        A label written for pooled rare values; when ``None`` they are redrawn from
        ``categories`` so no label is invented.
    true_label, false_label
        How a boolean column spells true and false.
    format
        ``strftime`` format of a datetime column stored as strings; ``None`` for datetime dtypes.
    timezone
        Time zone of a zone-aware datetime column.
    pii_type
        The kind of personal identifier, one of ``PII_TYPES``.
    stats
        Figures seen in the data, for reading only.
    """

    name: str
    kind: ColumnKind
    minimum: JsonScalar | None = None
    maximum: JsonScalar | None = None
    decimals: int | None = None
    categories: tuple[JsonScalar, ...] | None = None
    other_label: JsonScalar | None = None
    true_label: JsonScalar | None = None
    false_label: JsonScalar | None = None
    format: str | None = None
    timezone: str | None = None
    pii_type: str | None = None
    stats: dict[str, Any] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        _check_column(self)

    def to_dict(self) -> dict[str, Any]:
        """The column as a JSON-able dict, leaving out unset fields."""
        out: dict[str, Any] = {"name": self.name, "kind": self.kind.value}
        for key, value in asdict(self).items():
            if key in ("name", "kind", "stats") or value is None:
                continue
            out[key] = list(value) if isinstance(value, tuple) else value
        if self.stats:
            out["stats"] = self.stats
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ColumnSpec:
        """Build a column from its dict form, naming any field that is wrong."""
        if not isinstance(data, dict) or "name" not in data or "kind" not in data:
            raise SchemaError(f"Each column needs a 'name' and a 'kind'; got {data!r}.")
        name = data["name"]
        try:
            kind = ColumnKind(data["kind"])
        except ValueError:
            allowed = ", ".join(k.value for k in ColumnKind)
            raise SchemaError(f"Column {name!r}: unknown kind {data['kind']!r}; use one of: {allowed}.") from None
        unknown = set(data) - {"name", "kind", "stats"} - _OPTIONAL_FIELDS
        if unknown:
            raise SchemaError(f"Column {name!r}: unknown field(s) {sorted(unknown)}.")
        values = {k: v for k, v in data.items() if k not in ("name", "kind")}
        if values.get("categories") is not None:
            values["categories"] = tuple(values["categories"])
        return cls(name=name, kind=kind, **values)

    def without_bounds(self) -> ColumnSpec:
        """A copy without minimum and maximum (for values that may lie outside the learnt range)."""
        if self.minimum is None and self.maximum is None:
            return self
        return replace(self, minimum=None, maximum=None)

    def with_stats(self, **stats: Any) -> ColumnSpec:
        """A copy with more figures in ``stats``."""
        return replace(self, stats={**self.stats, **stats})


def _check_column(col: ColumnSpec) -> None:
    where = f"Column {col.name!r} ({col.kind.value})"
    if not isinstance(col.name, str) or not col.name:
        raise SchemaError(f"Column names must be non-empty strings; got {col.name!r}.")
    if not isinstance(col.kind, ColumnKind):
        object.__setattr__(col, "kind", ColumnKind(col.kind))
    allowed = _FIELDS_BY_KIND[col.kind]
    for key in _OPTIONAL_FIELDS - allowed:
        if getattr(col, key) is not None:
            raise SchemaError(f"{where}: field {key!r} does not apply to this kind.")
    if col.kind in (ColumnKind.NUMERIC, ColumnKind.INTEGER):
        for key in ("minimum", "maximum"):
            value = getattr(col, key)
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value)
            ):
                raise SchemaError(f"{where}: {key} must be a number; got {value!r}.")
    low, high = col.minimum, col.maximum  # both numbers, or both ISO times (checked above)
    if low is not None and high is not None and type(low) is type(high) and low > high:  # type: ignore[operator]
        raise SchemaError(f"{where}: minimum {col.minimum!r} is above maximum {col.maximum!r}.")
    if col.decimals is not None and not (isinstance(col.decimals, int) and 0 <= col.decimals <= MAX_DECIMALS):
        raise SchemaError(f"{where}: decimals must be an integer from 0 to {MAX_DECIMALS}, or null for full precision.")
    if col.kind is ColumnKind.CATEGORICAL:
        if col.categories is None:
            raise SchemaError(f"{where}: needs a 'categories' list (it may be empty).")
        if len(set(col.categories)) != len(col.categories):
            raise SchemaError(f"{where}: 'categories' lists a label twice.")
    if col.kind is ColumnKind.BOOLEAN and (col.true_label is None or col.false_label is None):
        raise SchemaError(f"{where}: needs 'true_label' and 'false_label'.")
    if col.kind is ColumnKind.PII and col.pii_type not in PII_TYPES:
        raise SchemaError(f"{where}: pii_type must be one of {', '.join(PII_TYPES)}.")


@dataclass(frozen=True)
class SequenceKeys:
    """The columns that make a table a set of sequences.

    Parameters
    ----------
    order
        The column events are ordered by: a timestamp or a whole-number step.
    entity
        The column naming whose sequence a row belongs to (``None``: one sequence).
    static
        Columns constant within each entity (its attributes); ``None``: found in the data.
    """

    order: str
    entity: str | None = None
    static: tuple[str, ...] | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form."""
        data: dict[str, Any] = {"entity": self.entity, "order": self.order}
        if self.static is not None:
            data["static"] = list(self.static)
        return data

    @classmethod
    def from_dict(cls, data: Any) -> SequenceKeys:
        """Inverse of :meth:`to_dict`, checking its fields."""
        if not isinstance(data, dict) or not isinstance(data.get("order"), str):
            raise SchemaError('"sequence" must be an object with an "order" column name (and optionally "entity").')
        unknown = sorted(set(data) - {"entity", "order", "static"})
        if unknown:
            raise SchemaError(f'"sequence": unknown field(s) {unknown}; its fields are entity, order and static.')
        entity, static = data.get("entity"), data.get("static")
        if entity is not None and not isinstance(entity, str):
            raise SchemaError('"sequence": "entity" must be a column name or null.')
        if static is not None and (not isinstance(static, list) or not all(isinstance(c, str) for c in static)):
            raise SchemaError('"sequence": "static" must be a list of column names.')
        return cls(data["order"], entity, None if static is None else tuple(static))

    def columns(self) -> list[str]:
        """Every column the keys name."""
        return [c for c in (self.entity, self.order, *(self.static or ())) if c is not None]

    @classmethod
    def named(cls, entity: str | None, order: str | None, static: list[str] | None = None) -> SequenceKeys | None:
        """The keys a caller named (``None`` when it named none).

        Raises
        ------
        ConfigError
            When an entity or static columns are named without the order column.
        """
        if order is None:
            if entity is not None or static is not None:
                raise ConfigError("Name the order column (order=...) that sorts each entity's rows.")
            return None
        return cls(order, entity, None if static is None else tuple(static))


@dataclass(frozen=True)
class Schema:
    """The schema of one table: its columns in order.

    Parameters
    ----------
    columns
        One spec per column, in the table's column order.
    sequence
        Entity and order columns when the table holds sequences (``None``: independent rows).
    rules
        Rules across columns in their JSON form (see :mod:`datatwin.constraints`); ``None``
        when the schema does not state them (fitting then looks for them in the data), an
        empty tuple when it states there are none.
    """

    columns: tuple[ColumnSpec, ...]
    sequence: SequenceKeys | None = None
    rules: tuple[dict[str, Any], ...] | None = None

    def __post_init__(self) -> None:
        names = [c.name for c in self.columns]
        duplicated = sorted({n for n in names if names.count(n) > 1})
        if duplicated:
            raise SchemaError(f"Column name(s) used twice: {duplicated}.")
        if self.sequence is not None:
            unknown = [c for c in self.sequence.columns() if c not in names]
            if unknown:
                raise SchemaError(f'"sequence" names column(s) {unknown} that the schema does not have.')

    @property
    def names(self) -> list[str]:
        """The column names in order."""
        return [c.name for c in self.columns]

    def __getitem__(self, name: str) -> ColumnSpec:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)

    def to_dict(self) -> dict[str, Any]:
        """The schema as a JSON-able dict."""
        data: dict[str, Any] = {"format": SCHEMA_FORMAT, "version": SCHEMA_VERSION}
        if self.sequence is not None:
            data["sequence"] = self.sequence.to_dict()
        data["columns"] = [c.to_dict() for c in self.columns]
        if self.rules is not None:
            data["rules"] = [dict(r) for r in self.rules]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Schema:
        """Build a schema from its dict form, checking format and version."""
        if not isinstance(data, dict) or data.get("format") != SCHEMA_FORMAT:
            raise SchemaError(f'Not a datatwin schema: expected "format": "{SCHEMA_FORMAT}".')
        if data.get("version") != SCHEMA_VERSION:
            raise SchemaError(
                f"Schema version {data.get('version')!r} is not supported "
                f"(this datatwin reads version {SCHEMA_VERSION})."
            )
        columns = data.get("columns")
        if not isinstance(columns, list) or not columns:
            raise SchemaError("A schema needs a non-empty 'columns' list.")
        sequence = None if data.get("sequence") is None else SequenceKeys.from_dict(data["sequence"])
        rules = data.get("rules")
        if rules is not None and not (isinstance(rules, list) and all(isinstance(r, dict) for r in rules)):
            raise SchemaError('"rules" must be a list of rule objects, e.g. {"type": "order", "columns": ["a", "b"]}.')
        return cls(tuple(ColumnSpec.from_dict(c) for c in columns), sequence, None if rules is None else tuple(rules))

    def to_json(self) -> str:
        """The schema as indented JSON text."""
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n"

    @classmethod
    def from_json(cls, source: str | Path) -> Schema:
        """Read a schema from a JSON file path."""
        path = Path(source)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise SchemaError(f"Schema file {str(path)!r} does not exist.") from None
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise SchemaError(f"Schema file {str(path)!r} is not valid JSON (line {exc.lineno}: {exc.msg}).") from None
        return cls.from_dict(data)
