"""Checking incoming data against a schema and converting it to each kind's working form.

Working forms: numeric and integer columns as float64 (NaN for missing), booleans as pandas
``boolean``, datetimes as ``datetime64``, everything else as Python objects. Every problem in
every column is collected and raised together in one :class:`DataError`.
"""

from __future__ import annotations

from typing import TypeVar

import numpy as np
import pandas as pd

from datatwin.errors import DataError
from datatwin.schema.detect import parse_datetimes
from datatwin.schema.kinds import ColumnKind
from datatwin.schema.spec import ColumnSpec, Schema

_MAX_EXAMPLES = 5
_Values = TypeVar("_Values", pd.DataFrame, pd.Series)


def blanks_as_missing(values: _Values) -> _Values:
    """``values`` with empty strings made missing (text sources write a missing value as ``''``).

    Only text columns change and keep their dtype (``replace`` would downcast them with a
    warning on pandas 2).
    """
    if isinstance(values, pd.DataFrame):
        result = values.copy()
        for position in range(values.shape[1]):
            result.isetitem(position, blanks_as_missing(values.iloc[:, position]))
        return result
    if values.dtype == object or pd.api.types.is_string_dtype(values.dtype):
        return values.mask(values == "")
    return values


def check_unique_names(data: pd.DataFrame) -> None:
    """Refuse a table that names a column more than once (never renamed behind the user's back).

    Raises
    ------
    DataError
        Naming the repeated columns.
    """
    names = [str(c) for c in data.columns]
    if repeated := sorted({n for n in names if names.count(n) > 1}):
        raise DataError([f"The table names column(s) {repeated} more than once: give every column its own name."])


def coerce_table(data: pd.DataFrame, schema: Schema) -> pd.DataFrame:
    """Check ``data`` against ``schema`` and convert each column to its working form.

    Raises
    ------
    DataError
        Listing every missing or unexpected column and every column whose values do not fit.
    """
    check_unique_names(data)
    problems: list[str] = []
    present = [str(c) for c in data.columns]
    missing = [n for n in schema.names if n not in present]
    extra = [n for n in present if n not in schema.names]
    if missing:
        problems.append(f"columns in the schema but not in the data: {missing}")
    if extra:
        problems.append(f"columns in the data but not in the schema: {extra}")
    if problems:
        raise DataError(problems)
    data = data.set_axis(present, axis=1)
    out = {}
    for spec in schema.columns:
        converted, issue = _coerce_column(spec, data[spec.name])
        if issue:
            problems.append(issue)
        out[spec.name] = converted
    if problems:
        raise DataError(problems)
    return pd.DataFrame(out, index=pd.RangeIndex(len(data)))


def _coerce_column(spec: ColumnSpec, series: pd.Series) -> tuple[pd.Series, str | None]:
    series = series.reset_index(drop=True)
    kind = spec.kind
    if kind in (ColumnKind.NUMERIC, ColumnKind.INTEGER):
        return _numeric(spec, series)
    if kind is ColumnKind.BOOLEAN:
        return _boolean(spec, series)
    if kind is ColumnKind.DATETIME:
        return _datetime(spec, series)
    return series.astype(object).where(series.notna(), None), None


def _describe_bad(spec: ColumnSpec, bad: pd.Series, what: str) -> str:
    rows = ", ".join(str(i) for i in bad.index[:_MAX_EXAMPLES])
    examples = ", ".join(repr(v) for v in pd.unique(bad)[:3])
    return f"column {spec.name!r} ({spec.kind.value}): {len(bad)} value(s) {what}, e.g. {examples} (rows {rows})"


def _numeric(spec: ColumnSpec, series: pd.Series) -> tuple[pd.Series, str | None]:
    if pd.api.types.is_bool_dtype(series.dtype):
        series = series.astype("float64")
    numbers = pd.to_numeric(series, errors="coerce").astype("float64")
    bad = series[numbers.isna() & series.notna()]
    if len(bad):
        return numbers, _describe_bad(spec, bad, "are not numbers")
    finite = numbers.dropna()
    if spec.kind is ColumnKind.INTEGER:
        fractional = series[numbers.notna() & (numbers != np.round(numbers))]
        if len(fractional):
            return numbers, _describe_bad(spec, fractional, "are not whole numbers")
    lo = -np.inf if spec.minimum is None else spec.minimum
    hi = np.inf if spec.maximum is None else spec.maximum
    outside = finite[(finite < lo) | (finite > hi)]
    if len(outside):
        bounds = f"[{spec.minimum}, {spec.maximum}]"
        return numbers, _describe_bad(spec, outside, f"lie outside the schema's bounds {bounds}")
    if not np.isfinite(finite).all():
        return numbers, _describe_bad(spec, finite[~np.isfinite(finite)], "are infinite")
    return numbers, None


def _boolean(spec: ColumnSpec, series: pd.Series) -> tuple[pd.Series, str | None]:
    present = series.notna()
    as_text = series.astype(object).map(_label_text)
    is_true = as_text == _label_text(spec.true_label)
    is_false = as_text == _label_text(spec.false_label)
    bad = series[present & ~is_true & ~is_false]
    result = pd.Series(pd.array(np.where(is_true, True, False), dtype="boolean"))
    result[~present] = pd.NA
    if len(bad):
        labels = f"{spec.true_label!r}/{spec.false_label!r}"
        return result, _describe_bad(spec, bad, f"are neither of the labels {labels}")
    return result, None


def _label_text(value: object) -> str:
    """A label as text, whole floats without their ".0" (a 1/0 column read as floats)."""
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    return str(value)


def _datetime(spec: ColumnSpec, series: pd.Series) -> tuple[pd.Series, str | None]:
    stamps = pd.to_datetime(series, errors="coerce") if spec.format is None else parse_datetimes(series, spec.format)
    bad = series[stamps.isna() & series.notna()]
    if len(bad):
        fmt = f"format {spec.format!r}" if spec.format else "a date or time"
        return stamps, _describe_bad(spec, bad, f"do not parse as {fmt}")
    return stamps, None
