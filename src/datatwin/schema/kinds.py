"""The kinds of column datatwin understands."""

from __future__ import annotations

from enum import StrEnum


class ColumnKind(StrEnum):
    """What a column holds, which decides how it is encoded and generated."""

    NUMERIC = "numeric"
    """Continuous numbers, kept to the source's number of decimals."""
    INTEGER = "integer"
    """Whole numbers."""
    CATEGORICAL = "categorical"
    """A finite set of labels; rare labels are pooled so they never leak."""
    BOOLEAN = "boolean"
    """Two labels meaning true and false (``True``/``False``, ``yes``/``no``, ``1``/``0``)."""
    DATETIME = "datetime"
    """Dates or timestamps, as a datetime dtype or as strings in one format."""
    ID = "id"
    """A unique key; generated anew in the same format, never copied."""
    TEXT = "text"
    """Free text of several words; generated from common words only."""
    PII = "pii"
    """Personal identifiers (email, phone, names, addresses); replaced by fake values."""


PII_TYPES = ("email", "phone", "name", "first_name", "last_name", "address")
"""The kinds of personal identifier that are recognised and faked."""
