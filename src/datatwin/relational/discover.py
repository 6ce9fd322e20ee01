"""Finding the keys a database does not declare: primary keys, then foreign keys by containment.

Exports of real databases (CSV folders, SQLite files written by scripts) often declare no key at
all. Keys are found from the values, names only breaking ties:

1. **Primary keys**: a table without one takes a unique, complete column; among several, an
   id- or code-like name, then the first column, then integers win. A unique column with a
   measurement-like name elsewhere in the table is not a key (a unique ``Bytes`` is chance).
2. **Foreign keys, single column**: a column references a parent's key (its primary key, or
   another unique complete column with a key-like name, which then stays unique) when at least
   :data:`MIN_CONTAINMENT` of its filled rows hold parent keys (the rest are *dangling*:
   parents missing from the export), numbers to numbers and texts to texts, and, for numbers, the
   referenced keys spread over the parent's keys rather than crowd at one end (a
   Kolmogorov–Smirnov test of their ranks: small counters such as ``quantity`` or
   ``line_number`` sit at the bottom of every 1 … n key) or fill a dense run inside them (film
   lengths inside actor ids). A column whose name says nothing of the parent needs
   :data:`MIN_DISTINCT_UNNAMED` distinct values (two or three small numbers fit any key) and,
   for numbers, a key-like name (``…_id``, ``…_no``, ``…code``) and complete containment:
   durations and counts spread over a 1 … n range as evenly as references do, so only names
   tell them apart. Text codes need neither (``from``/``to`` → ``code``).
3. **Composite primary keys**: a link table's references when they are unique together; for a
   table still without a key, the smallest unique set of complete key-like columns (dates and
   times included: a station's hourly readings), references first. A table with none stays
   without a key.
4. **Composite foreign keys**: column sets of another table whose value combinations are
   contained in a composite key, each column matching one key column; one that another table's
   key implies (an alert's station, through its reading) replaces the single-column one.

Every found key carries its :class:`~datatwin.schema.relational.KeyEvidence`; ``datatwin
schema`` prints it and writes it to the JSON the user confirms or edits.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from datatwin.io.database import Database
from datatwin.schema.keys import key_text
from datatwin.schema.relational import ForeignKey, KeyEvidence, RelationalSchema, TableSchema

MIN_CONTAINMENT = 0.8
"""Share of a column's filled rows that must hold keys of the parent for a reference to be
proposed; below 1, the others are reported as dangling."""

MIN_DISTINCT_UNNAMED = 10
"""Distinct values a referencing column needs when its name does not point to the parent."""

_RANDOM_P = 1e-3
"""Significance at which referenced keys are tested for crowding at one end of the parent's."""

_CROWDED = 0.5
"""The Kolmogorov–Smirnov distance from evenly spread beyond which references crowd together."""

_DENSE_RUN = 0.9
"""Share of the whole numbers between its ends that a run of values fills."""

_MAX_COMPOSITE = 3
_MAX_COMPOSITE_COLUMNS = 12
_KEY_WORDS = ("id", "code", "key", "no", "nr", "number", "num", "ref", "uuid", "guid")
_MAX_KEY_LENGTH = 64


@dataclass(frozen=True)
class _Column:
    """What key finding needs of one column: its kind and distinct values."""

    table: str
    name: str
    kind: str  # "number" or "text"
    distinct: pd.Index
    counts: np.ndarray  # rows holding each distinct value
    complete: bool
    unique: bool
    time: bool  # dates and times: part of a composite key only (a unique timestamp is chance)


def discover_keys(database: Database) -> Database:
    """``database`` with the primary and foreign keys its schema does not declare, found in the
    data (each with its evidence); declared keys are kept as they are."""
    profiles = {t.name: _profiles(t, database.tables[t.name]) for t in database.schema.tables}
    tables = {t.name: t for t in database.schema.tables}
    empty = {name for name, frame in database.tables.items() if frame.empty}
    for name, table in tables.items():
        if not table.primary_key and (found := _single_primary_key(table, profiles[name], empty)) is not None:
            tables[name] = found
    keys = list(database.schema.foreign_keys)
    keys += _single_foreign_keys(tables, profiles, keys)
    for key in keys:  # a reference to a column other than the primary key: that column stays unique
        parent = tables[key.parent]
        if key.parent_columns != parent.primary_key and key.parent_columns not in parent.unique:
            tables[key.parent] = replace(parent, unique=(*parent.unique, key.parent_columns))
    keys += _foreign_keys_by_name(tables, empty, keys)
    for name in tables:
        if not database.schema.table(name).primary_key:
            tables[name] = _composite_primary_key(database, tables[name], profiles[name], keys)
    keys += _composite_foreign_keys(database, tables, profiles, keys)
    keys = _without_implied(keys)
    schema = RelationalSchema(tuple(tables[t.name] for t in database.schema.tables), tuple(keys), database.schema.rules)
    return database.with_schema(schema)


# -- profiles ---------------------------------------------------------------------------------
def _profiles(table: TableSchema, frame: pd.DataFrame) -> dict[str, _Column]:
    """The columns that could hold keys: whole numbers, short texts and times (not flags, bytes
    or measurements with decimals)."""
    out = {}
    for name in table.columns:
        profile = _profile(table.name, name, frame[name])
        if profile is not None:
            out[name] = profile
    return out


def _profile(table: str, name: str, values: pd.Series) -> _Column | None:
    present = values.dropna()
    if pd.api.types.is_bool_dtype(values.dtype) or len(present) == 0:
        return None
    if isinstance(present.iloc[0], bytes | bytearray | memoryview):
        return None
    time = pd.api.types.is_datetime64_any_dtype(values.dtype)
    numbers = present if pd.api.types.is_numeric_dtype(present.dtype) else pd.to_numeric(present, errors="coerce")
    if not time and numbers.notna().all():
        numbers = numbers.astype(float)
        if not np.isfinite(numbers).all() or (numbers != np.round(numbers)).any():
            return None
        kind, keyed = "number", numbers
    else:
        keyed = present.astype(str)
        if keyed.str.len().max() > _MAX_KEY_LENGTH:
            return None
        kind = "text"
        time = time or bool(keyed.str.match(r"\d{4}-\d\d-\d\d").all())
    counts = keyed.value_counts(sort=False)
    complete, unique = len(present) == len(values), len(counts) == len(values)
    return _Column(table, name, kind, pd.Index(counts.index), counts.to_numpy(), complete, unique, time)


# -- primary keys -----------------------------------------------------------------------------
def _single_primary_key(table: TableSchema, profiles: dict[str, _Column], empty: set[str]) -> TableSchema | None:
    if table.name in empty:  # no values to go by: the column named as the table's own key
        named = sorted(table.columns, key=lambda c: (-_id_like(c, table.name), table.columns.index(c)))
        if not named or _id_like(named[0], table.name) == 0:
            return None  # the table's own key name, else its first id-like column
        return replace(table, primary_key=(named[0],), key_evidence=KeyEvidence(name_match=True))
    candidates = [c for c in profiles.values() if c.unique and c.complete and not c.time and len(c.distinct) >= 2]
    if not candidates:
        return None
    first = table.columns[0]
    best = max(candidates, key=lambda c: (_id_like(c.name, table.name), c.name == first, c.kind == "number"))
    if _id_like(best.name, table.name) == 0 and best.name != first:
        return None  # a unique measurement or name is not a key
    evidence = KeyEvidence(uniqueness=1.0, name_match=_id_like(best.name, table.name) > 0)
    return replace(table, primary_key=(best.name,), key_evidence=evidence)


def _composite_primary_key(
    database: Database, table: TableSchema, profiles: dict[str, _Column], keys: list[ForeignKey]
) -> TableSchema:
    """A link table's key: its references when they are unique together (``film_category``'s
    film and category, even where each film has one category); else, for a table without a
    key, the smallest unique set of complete key-like columns, references first."""
    frame = database.tables[table.name]
    referencing = [c for c in table.columns if any(k.table == table.name and c in k.columns for k in keys)]
    link = len(referencing) >= 2 and (not table.primary_key or set(table.primary_key) < set(referencing))
    if link and not frame[referencing].isna().any(axis=None) and not frame.duplicated(referencing).any():
        evidence = KeyEvidence(uniqueness=1.0 if len(frame) else None, name_match=True)
        return replace(table, primary_key=tuple(referencing), key_evidence=evidence)
    if table.primary_key:
        return table
    eligible = [c for c in table.columns if c in profiles and profiles[c].complete]
    eligible.sort(key=lambda c: (c not in referencing, -_id_like(c, table.name), table.columns.index(c)))
    eligible = eligible[:_MAX_COMPOSITE_COLUMNS]
    for size in range(2, _MAX_COMPOSITE + 1):
        for columns in itertools.combinations(eligible, size):
            if np.prod([len(profiles[c].distinct) for c in columns], dtype=float) < len(frame):
                continue
            if not frame.duplicated(list(columns)).any():
                ordered = tuple(c for c in table.columns if c in columns)
                named = all(c in referencing or _id_like(c, table.name) for c in ordered)
                return replace(table, primary_key=ordered, key_evidence=KeyEvidence(uniqueness=1.0, name_match=named))
    return table


# -- foreign keys -----------------------------------------------------------------------------
def _single_foreign_keys(
    tables: dict[str, TableSchema],
    profiles: dict[str, dict[str, _Column]],
    declared: list[ForeignKey],
) -> list[ForeignKey]:
    taken = {(k.table, c) for k in declared for c in k.columns}
    known = {(k.table, k.columns, k.parent, k.parent_columns) for k in declared}
    primary = {(t.name, t.primary_key[0]) for t in tables.values() if len(t.primary_key) == 1}
    parents = [  # every candidate key: primary keys, and unique complete columns with key-like names
        c
        for t in tables.values()
        for c in profiles[t.name].values()
        if (t.name, c.name) in primary or (c.unique and c.complete and not c.time and _id_like(c.name, t.name))
    ]
    found = []
    for table in tables.values():
        for column in profiles[table.name].values():
            if (table.name, column.name) in taken:
                continue
            scored = []
            for parent in parents:
                evidence = _reference_evidence(column, parent, table.primary_key)
                if evidence is not None:
                    is_primary = (parent.table, parent.name) in primary
                    rank = (evidence.name_match, evidence.containment, is_primary, evidence.coverage or 0.0)
                    scored.append((rank, parent, evidence))
            if scored:
                rank, parent, evidence = max(scored, key=lambda s: s[0])
                key = ForeignKey(table.name, (column.name,), parent.table, (parent.name,), False, evidence)
                if (key.parent, key.parent_columns, key.table, key.columns) not in known:  # not a known key reversed
                    found.append((rank, key))
    return _one_way(found)


def _one_way(found: list[tuple[tuple, ForeignKey]]) -> list[ForeignKey]:
    """Two columns that each look like a reference to the other (the same values, unique in both:
    a one-to-one pair) get one key, not a cycle: the better-evidenced direction, else the one whose
    child comes first by name."""
    by_ends = {(k.table, k.columns, k.parent, k.parent_columns): (rank, k) for rank, k in found}
    kept = []
    for rank, key in found:
        reverse = by_ends.get((key.parent, key.parent_columns, key.table, key.columns))
        if reverse is not None and (reverse[0], key.table) > (rank, key.parent):
            continue
        kept.append(key)
    return kept


def _reference_evidence(child: _Column, parent: _Column, child_key: tuple[str, ...]) -> KeyEvidence | None:
    """The evidence that ``child`` references ``parent`` (a key column), or None."""
    itself = (child.table, child.name) == (parent.table, parent.name)
    if child.kind != parent.kind or child.time or parent.time or itself:
        return None
    if child_key == (child.name,) and (
        _id_like(child.name, parent.table) < 2 or _id_like(child.name, child.table) == 2
    ):
        return None  # a key references another only under that key's own name, not its own (one-to-one)
    found = child.distinct.isin(parent.distinct)
    containment = _row_share(child, found)
    named = _name_score(child.name, parent.table, parent.name) > 0
    roots = child.table == parent.table and not child.complete
    if containment < (MIN_CONTAINMENT if named or child.kind == "text" else 1.0):
        return None  # unnamed numbers fit too many keys by chance to allow dangling values
    if child.table == parent.table and not (named or roots):
        return None  # a hierarchy inside one table has roots: missing values, or a telling name
    if not (named or roots) and len(child.distinct) < MIN_DISTINCT_UNNAMED:
        return None
    if not (named or roots) and child.kind == "number" and not _id_like(child.name, child.table):
        return None  # numbers under a name that says neither the parent nor "id"/"code"/"no" are measurements
    if child.kind == "number" and not _spread_like_a_sample(child.distinct[found], parent.distinct):
        return None
    if child.kind == "number" and not named and _inner_run(child.distinct, parent.distinct):
        return None
    coverage = float(parent.distinct.isin(child.distinct).mean())
    return KeyEvidence(containment=round(containment, 4), coverage=round(coverage, 4), name_match=named)


def _row_share(column: _Column, found: np.ndarray) -> float:
    """The share of a column's filled rows whose value is ``found`` (one flag per distinct value)."""
    return float(column.counts[found].sum() / column.counts.sum())


def _foreign_keys_by_name(tables: dict[str, TableSchema], empty: set[str], known: list[ForeignKey]) -> list[ForeignKey]:
    """An empty table's columns named exactly as another table's key reference it (no values
    contradict the name: Northwind's empty ``CustomerCustomerDemo`` link table)."""
    taken = {(k.table, c) for k in known for c in k.columns}
    found = []
    for name in sorted(empty):
        for column in tables[name].columns:
            parents = [
                t
                for t in tables.values()
                if t.name != name and len(t.primary_key) == 1 and _norm(t.primary_key[0]) == _norm(column)
            ]
            if (name, column) not in taken and len(parents) == 1:
                by_name = KeyEvidence(name_match=True)
                found.append(ForeignKey(name, (column,), parents[0].name, parents[0].primary_key, False, by_name))
    return found


def _spread_like_a_sample(referenced: pd.Index, keys: pd.Index) -> bool:
    """Whether the referenced keys spread over the parent's keys rather than crowd into one end
    of them: a Kolmogorov–Smirnov test of their ranks against the uniform rejects only when it
    is both significant and large (real references lean towards busy parents; counters such as
    ``quantity`` sit wholly at the bottom of a 1 … n key)."""
    from scipy.stats import kstest

    ordered = np.sort(keys.to_numpy(dtype=float))
    positions = (np.searchsorted(ordered, referenced.to_numpy(dtype=float)) + 0.5) / len(ordered)
    test = kstest(positions, "uniform", method="asymp")
    return bool(test.pvalue >= _RANDOM_P or test.statistic <= _CROWDED)


def _without_implied(keys: list[ForeignKey]) -> list[ForeignKey]:
    """The keys less each found single-column one that a found composite key implies: with
    ``alerts(station, hour) → readings(station, hour)`` and ``readings(station) → stations``,
    ``alerts(station) → stations`` says nothing more, and drawing both would disagree."""
    implied = set()
    for composite in (k for k in keys if len(k.columns) > 1):
        for column, parent_column in zip(composite.columns, composite.parent_columns, strict=True):
            for single in keys:
                through = [
                    k
                    for k in keys
                    if k.table == composite.parent and k.columns == (parent_column,) and k.parent == single.parent
                ]
                if single.table == composite.table and single.columns == (column,) and through and not single.declared:
                    implied.add(single)
    return [k for k in keys if k not in implied]


def _inner_run(values: pd.Index, keys: pd.Index) -> bool:
    """Whether ``values`` fill a run of whole numbers strictly inside the keys' range, leaving
    keys out at both ends: a measurement's range (film lengths 46 … 185 inside actor ids
    1 … 200), not a sample of keys."""
    low, high = float(values.min()), float(values.max())
    dense = len(values) / (high - low + 1) >= _DENSE_RUN
    return bool(dense and low > float(keys.min()) and high < float(keys.max()))


def _composite_foreign_keys(
    database: Database,
    tables: dict[str, TableSchema],
    profiles: dict[str, dict[str, _Column]],
    known: list[ForeignKey],
) -> list[ForeignKey]:
    found: list[ForeignKey] = []
    declared = {(k.table, k.parent) for k in known if len(k.columns) > 1}
    for parent in tables.values():
        if len(parent.primary_key) < 2 or not all(c in profiles[parent.name] for c in parent.primary_key):
            continue
        parent_frame = database.tables[parent.name]
        parent_keys = set(key_text(parent_frame, parent.primary_key))
        for child in tables.values():
            mutual = any(k.table == parent.name and k.parent == child.name for k in (*known, *found))
            if child.name == parent.name or (child.name, parent.name) in declared or mutual:
                continue  # two tables keyed alike refer one way: the first found
            options = [
                [
                    c
                    for c in profiles[child.name].values()
                    if c.kind == profiles[parent.name][k].kind
                    and _row_share(c, c.distinct.isin(profiles[parent.name][k].distinct)) >= MIN_CONTAINMENT
                ]
                for k in parent.primary_key
            ]
            best = None
            for combination in itertools.product(*options):
                names = tuple(c.name for c in combination)
                if len(set(names)) < len(names):
                    continue
                frame = database.tables[child.name][list(names)].dropna()
                if frame.empty:
                    continue
                combined = key_text(_as_kind(frame, combination), names)
                if combined.nunique() <= max(frame[n].nunique() for n in names):
                    continue  # a column that adds nothing to the others (a constant) is no part of a key
                contained = float(combined.isin(parent_keys).mean())
                named = sum(_norm(n) == _norm(k) for n, k in zip(names, parent.primary_key, strict=True))
                enough = MIN_CONTAINMENT if named else 1.0
                if contained >= enough and (best is None or (named, contained) > best[:2]):
                    best = (named, contained, names)
            if best is not None:
                named, contained, names = best
                evidence = KeyEvidence(
                    uniqueness=None, containment=round(contained, 4), coverage=None, name_match=named == len(names)
                )
                found.append(ForeignKey(child.name, names, parent.name, parent.primary_key, False, evidence))
    return found


def _as_kind(frame: pd.DataFrame, columns: tuple[_Column, ...]) -> pd.DataFrame:
    return pd.DataFrame({c.name: _normalised(frame[c.name], c.kind) for c in columns})


def _normalised(values: pd.Series, kind: str) -> pd.Series:
    """Values as key finding compares them: whole numbers as floats, texts as texts."""
    if kind == "number":
        return pd.to_numeric(values, errors="coerce").astype(float)
    return values.astype(str)


# -- names ------------------------------------------------------------------------------------
def _id_like(column: str, table: str) -> int:
    """2 for a table's own key name (``id``, ``customer_id``, ``CustomerID``), 1 for a name ending
    in a key word (``code``, ``…_no``), else 0."""
    norm = _norm(column)
    singular = _singular(_norm(table))
    if norm in {"id", "key", "code", singular + "id", _norm(table) + "id", singular + "code", singular + "key"}:
        return 2
    words = re.findall(r"[A-Z]+(?![a-z])|[A-Z][a-z]*|[a-z]+", column)
    last = words[-1].lower() if words else ""
    return int(last in _KEY_WORDS)


def _name_score(column: str, parent: str, key: str) -> int:
    """2 for the key's own spelling, 1 for a name sharing the parent's stem, else 0."""
    if _norm(column) == _norm(key):
        return 2
    stem, singular = _stem(column), _singular(_norm(parent))
    shared = len(_common_prefix(stem, singular))
    return int(shared >= min(4, len(singular)) or (len(singular) >= 3 and stem.endswith(singular)))


def _norm(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def _stem(column: str) -> str:
    norm = _norm(column)
    for word in ("id", "code", "key"):
        if norm.endswith(word) and len(norm) > len(word):
            return norm[: -len(word)]
    return norm


def _singular(name: str) -> str:
    for plural, single in (("ies", "y"), ("sses", "ss"), ("s", "")):
        if name.endswith(plural) and len(name) > len(plural) + 1:
            return name[: -len(plural)] + single
    return name


def _common_prefix(a: str, b: str) -> str:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return a[:n]
