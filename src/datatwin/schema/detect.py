"""Recognisers for the value patterns inference looks for in string columns."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

BOOLEAN_PAIRS: tuple[tuple[str, str], ...] = (
    ("true", "false"),
    ("yes", "no"),
    ("y", "n"),
    ("t", "f"),
)
"""Lower-cased spellings of (true, false) recognised in string columns."""

DATETIME_FORMATS: tuple[str, ...] = (
    "%Y-%m-%d",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%d %H:%M:%S.%f",
    "%Y-%m-%dT%H:%M:%S.%f",
    "%Y-%m-%dT%H:%M:%SZ",
    "%Y/%m/%d",
    "%Y/%m/%d %H:%M:%S",
    "%m/%d/%Y",
    "%d/%m/%Y",
    "%m/%d/%Y %H:%M",
    "%d/%m/%Y %H:%M",
    "%m/%d/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M:%S",
    "%d.%m.%Y",
    "%d-%b-%Y",
    "%d %b %Y",
    "%b %d, %Y",
    "%d %B %Y",
    "%B %d, %Y",
)
"""String formats recognised as dates or timestamps, tried in this order."""

_EMAIL = re.compile(r"^[\w.+'-]+@[\w-]+(\.[\w-]+)+$")
_PHONE = re.compile(r"^\+?[\d\s().\-/]{7,24}$")
_ID_NAME = re.compile(r"(^|[_\s-])(id|key|uuid|guid)$|[a-z](Id|ID|Key)$|^(id|key)[_\s-]", re.I)
_PII_NAMES: dict[str, re.Pattern[str]] = {
    "email": re.compile(r"e-?mail", re.I),
    "phone": re.compile(r"phone|mobile|fax|tel(ephone)?$", re.I),
    "first_name": re.compile(r"^(first|given|fore)[_\s-]?name$", re.I),
    "last_name": re.compile(r"^(last|family|sur)[_\s-]?name$|^surname$", re.I),
    "name": re.compile(
        r"^(full[_\s-]?name|name|person|(customer|employee|contact|patient|passenger)"
        r"[_\s-]?name)$",
        re.I,
    ),
    "address": re.compile(r"^(street[_\s-]?)?address\d?$|^street$", re.I),
}
_NAME_VALUE = re.compile(r"^[^\W\d_][\w'.,()\"\s-]*$")


def boolean_labels(values: pd.Series) -> tuple[str, str] | None:
    """The (true, false) spellings if the distinct string values are a boolean pair."""
    distinct = set(values.unique())
    if not 1 <= len(distinct) <= 2:
        return None
    lowered = {v.lower(): v for v in distinct}
    for true, false in BOOLEAN_PAIRS:
        if set(lowered) <= {true, false}:
            spelled = next(iter(distinct))
            return (_respell(true, spelled), _respell(false, spelled))
    return None


def _respell(word: str, like: str) -> str:
    """Spell ``word`` in the letter case of ``like`` (``TRUE``, ``True`` or ``true``)."""
    if like.isupper():
        return word.upper()
    if like[:1].isupper():
        return word.capitalize()
    return word


FORMAT_SEPARATOR = "|"
"""Separates the formats of a column that mixes them (``"%Y-%m-%d|%m/%d/%Y"``)."""

_MAX_MIXED_FORMATS = 3
_MIN_FORMAT_SHARE = 0.01


def datetime_format(values: pd.Series) -> str | None:
    """The first known format that parses every distinct value; else the fewest formats (up to
    three, each the first to parse at least 1 % of the values) that together parse every value,
    joined by :data:`FORMAT_SEPARATOR`; else ``None``."""
    distinct = pd.Series(values.unique())
    if not distinct.str.contains(r"\d", regex=True).all():
        return None
    probe = distinct.iloc[:200]
    for fmt in DATETIME_FORMATS:
        if pd.to_datetime(probe, format=fmt, errors="coerce").notna().all() and (
            pd.to_datetime(distinct, format=fmt, errors="coerce").notna().all()
        ):
            return fmt
    return _mixed_formats(distinct)


def _mixed_formats(distinct: pd.Series) -> str | None:
    parsed = {fmt: pd.to_datetime(distinct, format=fmt, errors="coerce").notna().to_numpy() for fmt in DATETIME_FORMATS}
    left, chosen = np.ones(len(distinct), dtype=bool), list[str]()
    while left.any() and len(chosen) < _MAX_MIXED_FORMATS:
        fmt = max(parsed, key=lambda f: (parsed[f] & left).sum())  # ties: the earlier, better-known format
        if (parsed[fmt] & left).sum() < max(1, _MIN_FORMAT_SHARE * len(distinct)):
            return None
        chosen.append(fmt)
        left &= ~parsed[fmt]
    return FORMAT_SEPARATOR.join(chosen) if not left.any() and len(chosen) > 1 else None


def parse_datetimes(values: pd.Series, fmt: str) -> pd.Series:
    """Timestamps of ``values`` in format ``fmt`` (or any of the formats it joins; the first that
    parses a value wins); missing where none parses."""
    stamps = pd.to_datetime(values.astype(object), format=fmt.split(FORMAT_SEPARATOR)[0], errors="coerce")
    for other in fmt.split(FORMAT_SEPARATOR)[1:]:
        left = stamps.isna() & values.notna()
        if left.any():
            stamps[left] = pd.to_datetime(values[left].astype(object), format=other, errors="coerce")
    return stamps


def format_shares(values: pd.Series, fmt: str) -> list[float]:
    """For a format that joins several, the share of values each one parses first."""
    formats = fmt.split(FORMAT_SEPARATOR)
    counts = np.zeros(len(formats))
    left = values.dropna().astype(object)
    for i, one in enumerate(formats):
        parsed = pd.to_datetime(left, format=one, errors="coerce").notna()
        counts[i] = parsed.sum()
        left = left[~parsed]
    return (counts / max(counts.sum(), 1)).round(6).tolist()


def share_matching(values: pd.Series, pattern: re.Pattern[str]) -> float:
    """Share of distinct values that match ``pattern``."""
    distinct = pd.Series(values.unique(), dtype=object)
    return float(distinct.str.match(pattern).mean()) if len(distinct) else 0.0


def pii_type(name: str, values: pd.Series) -> str | None:
    """The kind of personal identifier a string column holds, judged by name and values."""
    if share_matching(values, _EMAIL) >= 0.9:
        return "email"
    for kind, pattern in _PII_NAMES.items():
        if not pattern.search(name):
            continue
        if kind == "phone" and share_matching(values, _PHONE) >= 0.9:
            return "phone"
        if kind in ("first_name", "last_name", "name") and _reads_as_names(values):
            return kind
        if kind == "address":
            return kind
    return None


def _reads_as_names(values: pd.Series) -> bool:
    """Many distinct values made of letters: person names, not a handful of codes."""
    many = values.nunique() >= min(50, 0.5 * len(values))
    return many and share_matching(values, _NAME_VALUE) >= 0.9


def looks_like_id_name(name: str) -> bool:
    """Whether a column name reads as a key (``id``, ``customer_id``, ``CustomerId``)."""
    return bool(_ID_NAME.search(name))


def decimals_in_text(values: pd.Series) -> int:
    """Most digits after the decimal point among numeric strings."""
    fractional = values.str.extract(r"\.(\d+)$", expand=False).dropna()
    return int(fractional.str.len().max()) if len(fractional) else 0


def decimals_in_floats(values: np.ndarray, limit: int = 10) -> int:
    """Fewest decimals that represent every float exactly (up to ``limit``)."""
    finite = values[np.isfinite(values)]
    for decimals in range(limit + 1):
        if np.allclose(np.round(finite, decimals), finite, rtol=0, atol=1e-9 * 10.0**-decimals):
            return decimals
    return limit
