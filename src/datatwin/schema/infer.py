"""Inferring a schema from data: each column's kind, bounds, domain and format."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from datatwin.errors import ConfigError, DataError, SchemaError
from datatwin.schema import detect
from datatwin.schema.coerce import check_unique_names
from datatwin.schema.kinds import ColumnKind
from datatwin.schema.spec import MAX_DECIMALS, ColumnSpec, Schema

DEFAULT_RARE_THRESHOLD = 5
"""Labels seen in fewer rows than this are pooled and never written verbatim."""

_INT64_MIN, _INT64_MAX = -(2.0**63), 2.0**63 - 1
_TEXT_MIN_WORDS = 3.0
_PHRASE_MAX_WORDS = 6.0
_PHRASE_REPEATED_SHARE = 0.2
"""Short texts (at most this many words on average) of which at least this share of rows repeat
a value seen in :data:`DEFAULT_RARE_THRESHOLD` rows are labels with a long tail (job titles), not free text:
drawn whole, so that no title is rebuilt word by word into one nobody has."""
_MIXED_NUMERIC_SHARE = 0.9
_STRAY_LABELS = 5
"""A column whose distinct values are at least :data:`_MIXED_NUMERIC_SHARE` numbers but for at
most this many labels ("N/A", "?", a typo) is refused, naming them: guessing would either drop
them or turn the numbers into labels. More labels than this (diagnosis codes: 250.83, V57,
E880) make a code column, inferred as labels."""


def infer_schema(data: pd.DataFrame, *, rare_threshold: int = DEFAULT_RARE_THRESHOLD) -> Schema:
    """Infer the kind, bounds, domain and format of every column.

    Parameters
    ----------
    data
        The table to look at.
    rare_threshold
        Categorical labels seen in fewer rows are left out of the domain and pooled
        (``1`` keeps every label).

    Returns
    -------
    Schema
        One spec per column, with the figures seen in ``stats``.

    Raises
    ------
    SchemaError
        When a column is entirely empty, so its kind cannot be told.
    DataError
        When columns mix numbers with junk or mix value types, listing every such column.
    """
    if not isinstance(rare_threshold, int) or rare_threshold < 1:
        raise ConfigError(f"rare_threshold must be an integer ≥ 1; got {rare_threshold!r}.")
    if data.shape[1] == 0:
        raise SchemaError("The table has no columns.")
    check_unique_names(data)
    specs, problems = [], []
    for name in data.columns:
        try:
            specs.append(infer_column(str(name), data[name], rare_threshold=rare_threshold))
        except DataError as exc:
            problems.extend(exc.problems)
    if problems:
        raise DataError(problems)
    return Schema(tuple(specs))


def infer_column(name: str, series: pd.Series, *, rare_threshold: int = DEFAULT_RARE_THRESHOLD) -> ColumnSpec:
    """Infer one column's spec; see :func:`infer_schema`."""
    values = series.dropna()
    if len(values) == 0:
        raise SchemaError(
            f"Column {name!r} is empty in all {len(series)} rows, so its kind cannot be "
            "inferred: drop it, or declare its kind in a schema file (--schema)."
        )
    spec = _infer_kind(name, values, n_rows=len(series), rare_threshold=rare_threshold)
    return spec.with_stats(null_rate=round(float(series.isna().mean()), 6), n_unique=int(values.nunique()))


def _infer_kind(name: str, values: pd.Series, *, n_rows: int, rare_threshold: int) -> ColumnSpec:
    dtype = values.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return ColumnSpec(name, ColumnKind.BOOLEAN, true_label=True, false_label=False)
    if isinstance(dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_any_dtype(dtype):
        return _datetime_spec(name, pd.to_datetime(values), fmt=None)
    if isinstance(dtype, pd.CategoricalDtype):
        return _categorical_spec(name, values.astype(object), rare_threshold)
    if pd.api.types.is_numeric_dtype(dtype):
        distinct = pd.unique(values.astype("float64").to_numpy())
        return _numeric_spec(name, distinct, all_unique=len(distinct) == n_rows, text=None)
    return _infer_object(name, values, n_rows=n_rows, rare_threshold=rare_threshold)


def _infer_object(name: str, values: pd.Series, *, n_rows: int, rare_threshold: int) -> ColumnSpec:
    inferred = pd.api.types.infer_dtype(values, skipna=True)
    if inferred == "boolean":
        return ColumnSpec(name, ColumnKind.BOOLEAN, true_label=True, false_label=False)
    if inferred in ("integer", "floating", "mixed-integer-float", "decimal"):
        distinct = pd.unique(values.astype("float64").to_numpy())
        return _numeric_spec(name, distinct, all_unique=len(distinct) == n_rows, text=None)
    if inferred != "string":
        types = ", ".join(sorted({type(v).__name__ for v in values.iloc[:1000]}))
        raise DataError(
            [
                f"Column {name!r} mixes value types ({types}): convert it to one type, "
                "or declare its kind in a schema file (--schema)."
            ]
        )
    text = values.astype(str)
    labels = detect.boolean_labels(text)
    if labels is not None:
        return ColumnSpec(name, ColumnKind.BOOLEAN, true_label=labels[0], false_label=labels[1])
    pii = detect.pii_type(name, text)
    if pii is not None:
        return ColumnSpec(name, ColumnKind.PII, pii_type=pii)
    numeric = _numeric_from_text(name, text, n_rows)
    if numeric is not None:
        return numeric
    fmt = detect.datetime_format(text)
    if fmt is not None:
        spec = _datetime_spec(name, detect.parse_datetimes(text, fmt), fmt=fmt)
        if detect.FORMAT_SEPARATOR in fmt:  # mixed formats: written back in the same mix
            spec = replace(spec, stats={**spec.stats, "format_shares": detect.format_shares(text, fmt)})
        return spec
    return _string_spec(name, text, n_rows=n_rows, rare_threshold=rare_threshold)


def _numeric_from_text(name: str, text: pd.Series, n_rows: int) -> ColumnSpec | None:
    distinct = pd.Series(text.unique(), dtype=object)
    parsed = pd.to_numeric(distinct, errors="coerce")
    good = parsed.notna() & ~distinct.str.match(r"^[+-]?0\d")  # leading zeros mark codes
    if good.all():
        numbers = parsed.to_numpy(dtype="float64")
        return _numeric_spec(name, numbers, all_unique=len(distinct) == n_rows, text=distinct)
    if good.mean() >= _MIXED_NUMERIC_SHARE and (~good).sum() <= _STRAY_LABELS:
        bad_values = set(distinct[~good])
        bad = text[text.isin(bad_values)]
        rows = ", ".join(str(r) for r in bad.index[:5])
        examples = ", ".join(repr(v) for v in bad.unique()[:3])
        raise DataError(
            [
                f"Column {name!r} is numeric except for {len(bad)} value(s) such as {examples} "
                f"(rows {rows}): clean them, or declare the column's kind in a schema file "
                "(--schema)."
            ]
        )
    return None


def _numeric_spec(name: str, numbers: np.ndarray, *, all_unique: bool, text: pd.Series | None) -> ColumnSpec:
    """Spec of a numeric column from its distinct values (and their spelling, if text)."""
    if not np.isfinite(numbers).all():
        raise DataError([f"Column {name!r} holds infinite values: replace them or leave cells empty."])
    lo, hi = numbers.min(), numbers.max()
    if lo < _INT64_MIN or hi > _INT64_MAX:  # beyond 64-bit integers: numbers, kept whole where they are
        whole = bool(np.all(numbers == np.round(numbers)))
        return ColumnSpec(name, ColumnKind.NUMERIC, minimum=float(lo), maximum=float(hi), decimals=0 if whole else None)
    whole = bool(np.all(numbers == np.round(numbers)))
    written_whole = text is None or not text.str.contains(r"[.eE]", regex=True).any()
    if whole and written_whole:
        if set(numbers) <= {0.0, 1.0} and not detect.looks_like_id_name(name):
            labels = ("1", "0") if text is not None else (1, 0)
            return ColumnSpec(name, ColumnKind.BOOLEAN, true_label=labels[0], false_label=labels[1])
        if detect.looks_like_id_name(name) and all_unique:
            return ColumnSpec(name, ColumnKind.ID)
        return ColumnSpec(name, ColumnKind.INTEGER, minimum=int(lo), maximum=int(hi))
    decimals: int | None = detect.decimals_in_text(text) if text is not None else detect.decimals_in_floats(numbers)
    if (
        decimals is not None and decimals > MAX_DECIMALS
    ):  # written at full float precision (a measurement, a model output): not rounded
        decimals = None
    return ColumnSpec(name, ColumnKind.NUMERIC, minimum=float(lo), maximum=float(hi), decimals=decimals)


def _datetime_spec(name: str, stamps: pd.Series, *, fmt: str | None) -> ColumnSpec:
    tz = getattr(stamps.dt, "tz", None)
    return ColumnSpec(
        name,
        ColumnKind.DATETIME,
        minimum=stamps.min().isoformat(),
        maximum=stamps.max().isoformat(),
        format=fmt,
        timezone=str(tz) if tz is not None else None,
    )


def _string_spec(name: str, text: pd.Series, *, n_rows: int, rare_threshold: int) -> ColumnSpec:
    counts = text.value_counts()
    all_unique = len(counts) == n_rows
    many_distinct = len(counts) > 20 and len(counts) > 0.5 * len(text)
    words = text.str.split().str.len().mean()
    if many_distinct and words >= _TEXT_MIN_WORDS:
        repeated = counts[counts >= DEFAULT_RARE_THRESHOLD].sum() / len(text)  # the data's habit, not the pooling
        if words <= _PHRASE_MAX_WORDS and repeated >= _PHRASE_REPEATED_SHARE:  # job titles, product names
            return _categorical_spec(name, text, rare_threshold)
        return ColumnSpec(name, ColumnKind.TEXT)
    if all_unique and (detect.looks_like_id_name(name) or len(counts) > 20):
        return ColumnSpec(name, ColumnKind.ID)
    return _categorical_spec(name, text, rare_threshold)


def _categorical_spec(name: str, values: pd.Series, rare_threshold: int) -> ColumnSpec:
    counts = values.value_counts()
    kept = counts[counts >= rare_threshold]
    categories = tuple(sorted((_json_scalar(v) for v in kept.index), key=_sort_key))
    spec = ColumnSpec(name, ColumnKind.CATEGORICAL, categories=categories)
    pooled = int(counts.sum() - kept.sum())
    return spec.with_stats(pooled_labels=int(len(counts) - len(kept)), pooled_rows=pooled)


def _sort_key(value: object) -> tuple[str, object]:
    return (type(value).__name__, value)


def _json_scalar(value: object) -> str | int | float | bool:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, str | int | float | bool):
        return value
    return str(value)
