"""Finding foreign keys a database does not declare, by column names and value containment.

A column ``c`` of table ``T`` is taken to reference table ``P``'s single-column primary key
``p`` when every non-missing value of ``c`` is a value of ``p`` (both numbers or both text)
and the names agree:

- ``c`` is spelled like ``p`` (``Orders.CustomerID`` → ``Customers.CustomerID``), or
- ``c`` without a trailing "id" shares its first four or more letters with ``P``'s singular
  name, or ends with it, and reaches at least half of ``P``'s keys (``Orders.ShipVia`` →
  ``Shippers``; not ``film.rental_duration`` → ``rental``), or
- ``P`` is ``T`` itself and ``c`` has missing values (the roots of a hierarchy:
  ``Employees.ReportsTo`` → ``Employees.EmployeeID``).

Containment alone is not enough: small integer columns are contained in many keys.
"""

from __future__ import annotations

import re

import pandas as pd

from datatwin.io.database import Database
from datatwin.relational.keys import key_text
from datatwin.schema.relational import ForeignKey

_MIN_PREFIX = 4
_MIN_COVERAGE = 0.5


def detect_foreign_keys(database: Database) -> list[ForeignKey]:
    """Foreign keys found in the data that the schema does not already declare (``declared=False``)."""
    schema = database.schema
    declared = {(k.table, k.columns) for k in schema.foreign_keys}
    keys = [t for t in schema.tables if len(t.primary_key) == 1]
    found = []
    for table in schema.tables:
        frame = database.tables[table.name]
        for column in table.columns:
            if (table.name, (column,)) in declared or table.primary_key == (column,):
                continue
            candidates = [
                parent
                for parent in keys
                if _evidence(
                    table.name,
                    column,
                    frame[column],
                    parent.name,
                    parent.primary_key[0],
                    database.tables[parent.name][parent.primary_key[0]],
                )
            ]
            if candidates:
                parent = max(candidates, key=lambda p: _name_score(column, p.name, p.primary_key[0]))
                found.append(ForeignKey(table.name, (column,), parent.name, parent.primary_key, declared=False))
    return found


def _evidence(table: str, column: str, values: pd.Series, parent: str, key: str, keys: pd.Series) -> bool:
    """Whether names and values together say ``column`` references ``parent.key``."""
    score = _name_score(column, parent, key)
    if score == 2:  # the key's own name: containment is enough (even in an empty table)
        return _contained(values, keys)
    present = values.dropna()
    if len(present) == 0 or not _contained(values, keys):
        return False
    if parent == table:  # a hierarchy inside one table has roots: missing values
        return bool(values.isna().any())
    covered = present.nunique() / max(keys.nunique(), 1)
    return score == 1 and covered >= _MIN_COVERAGE


def _name_score(column: str, parent: str, key: str) -> int:
    """2 for the key's own spelling, 1 for a name sharing the parent's stem, else 0."""
    if _norm(column) == _norm(key):
        return 2
    stem, singular = _stem(column), _singular(_norm(parent))
    shared = len(_common_prefix(stem, singular))
    return int(shared >= min(_MIN_PREFIX, len(singular)) or (len(singular) >= 3 and stem.endswith(singular)))


def _contained(child: pd.Series, parent: pd.Series) -> bool:
    """Every present child value is a parent value (numbers and texts never match each other)."""
    values = child.dropna().to_frame()
    return bool(key_text(values, [child.name]).isin(set(key_text(parent.dropna().to_frame(), [parent.name]))).all())


def _norm(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def _stem(column: str) -> str:
    norm = _norm(column)
    return norm[:-2] if norm.endswith("id") and len(norm) > 2 else norm


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
