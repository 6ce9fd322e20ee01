"""The schema of a differentially private fit: what it may know of each column for free, and
what it buys from the ledger.

Free: the column's name and storage type, and everything the user's schema declares (kinds,
bounds, label sets — given, not learnt, so they cost nothing). Kinds come from storage types,
never from the values: whole-number columns are integers, other numbers numeric, datetime
columns datetimes, booleans booleans, and text is a set of labels (declare a text column of
dates or numbers as such in the schema). Bought: the bounds of every number or date column the
schema leaves open (:func:`~datatwin.dp.estimates.dp_bounds`) and the labels of every label
column it leaves open (:func:`~datatwin.dp.estimates.dp_labels`), the schema's share of the
budget split evenly among them. Identifiers, free text and personal data are refused: a DP
twin learns none of them (drop them, or declare what they are).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from datatwin.dp.accountant import PrivacyLedger
from datatwin.dp.discretize import seconds
from datatwin.dp.estimates import dp_bounds, dp_labels
from datatwin.errors import ConfigError, PrivacyBudgetError
from datatwin.schema import ColumnKind, ColumnSpec, Schema

LEARNT_KINDS = (
    ColumnKind.NUMERIC,
    ColumnKind.INTEGER,
    ColumnKind.DATETIME,
    ColumnKind.CATEGORICAL,
    ColumnKind.BOOLEAN,
)
RANGED_KINDS = (ColumnKind.NUMERIC, ColumnKind.INTEGER, ColumnKind.DATETIME)


@dataclass(frozen=True)
class PublicSchema:
    """What a DP fit knows for free: each column's spec (declared, or its kind from its storage
    type), and which bounds and label sets it must buy."""

    schema: Schema
    open_ranges: tuple[str, ...]
    open_labels: tuple[str, ...]


def public_kinds(frame: pd.DataFrame, declared: Schema | None) -> PublicSchema:
    """Each column's spec from the declared schema, else its kind from its storage type alone.

    Raises
    ------
    ConfigError
        For a declared kind a DP twin cannot learn (identifiers, free text, personal data).
    """
    given = {} if declared is None else {c.name: c for c in declared.columns}
    specs, labels = [], []
    for name in map(str, frame.columns):
        spec = given.get(name) or _storage_spec(name, frame[name])
        if name not in given and spec.kind is ColumnKind.CATEGORICAL:
            labels.append(name)
        if spec.kind not in LEARNT_KINDS:
            raise ConfigError(
                f"Column {name!r} is declared {spec.kind.value}, which a differentially private twin cannot "
                "learn; drop the column, or declare it categorical, numeric or a date."
            )
        specs.append(spec)
    ranges = tuple(c.name for c in specs if c.kind in RANGED_KINDS and (c.minimum is None or c.maximum is None))
    return PublicSchema(Schema(tuple(specs)), ranges, tuple(labels))


def _storage_spec(name: str, values: pd.Series) -> ColumnSpec:
    dtype = values.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return ColumnSpec(name, ColumnKind.BOOLEAN, true_label=True, false_label=False)
    if pd.api.types.is_integer_dtype(dtype):
        return ColumnSpec(name, ColumnKind.INTEGER)
    if pd.api.types.is_numeric_dtype(dtype):
        return ColumnSpec(name, ColumnKind.NUMERIC)
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return ColumnSpec(name, ColumnKind.DATETIME)
    return ColumnSpec(name, ColumnKind.CATEGORICAL, categories=())  # its labels: bought


def dp_schema(
    frame: pd.DataFrame,
    public: PublicSchema,
    ledger: PrivacyLedger,
    rho: float,
    rng: np.random.Generator,
    *,
    buy_bounds: bool = True,
) -> Schema:
    """The public schema with every open bound and label set bought from the ledger (``rho`` in
    all; the ledger must plan ``len(public.open_labels)`` label sets).

    Raises
    ------
    ConfigError
        When bounds are needed but ``buy_bounds`` is off (naming the columns to declare).
    PrivacyBudgetError
        When the budget is too small to find a column's range or any of its labels.
    """
    ranges, labels = public.open_ranges, public.open_labels
    if ranges and not buy_bounds:
        raise ConfigError(
            f"Column(s) {list(ranges)} have no declared minimum and maximum, and spending budget on bounds is "
            "turned off (--no-dp-bounds): declare them in the schema, or allow DP bounds."
        )
    share = rho / max(len(ranges) + len(labels), 1)
    specs = []
    for spec in public.schema.columns:
        if spec.name in ranges:
            spec = _with_bounds(spec, frame[spec.name], ledger, share, rng)
        elif spec.name in labels:
            spec = _with_labels(spec, frame[spec.name], ledger, share, rng)
        specs.append(spec)
    return Schema(tuple(specs))


def _with_bounds(
    spec: ColumnSpec, values: pd.Series, ledger: PrivacyLedger, rho: float, rng: np.random.Generator
) -> ColumnSpec:
    dated = spec.kind is ColumnKind.DATETIME
    numbers = seconds(values) if dated else pd.to_numeric(values, errors="coerce").to_numpy(dtype=np.float64)
    bounds = dp_bounds(numbers, "datetime" if dated else "number", ledger, rho, spec.name, rng)
    if bounds is None:
        raise PrivacyBudgetError(
            f"Column {spec.name!r}: the budget is too small to find its range from this many rows; "
            "declare its minimum and maximum in the schema, or raise epsilon."
        )
    low, high = bounds
    if dated:
        return ColumnSpec(spec.name, spec.kind, minimum=_iso(low), maximum=_iso(high), format=spec.format)
    if spec.kind is ColumnKind.INTEGER:
        return ColumnSpec(spec.name, spec.kind, minimum=int(np.floor(low)), maximum=int(np.ceil(high)))
    return ColumnSpec(spec.name, spec.kind, minimum=low, maximum=high, decimals=spec.decimals)


def _with_labels(
    spec: ColumnSpec, values: pd.Series, ledger: PrivacyLedger, rho: float, rng: np.random.Generator
) -> ColumnSpec:
    counts = values.dropna().astype(str).value_counts()
    kept = dp_labels(list(counts.index), counts.to_numpy(), ledger, rho, spec.name, rng)
    if not kept:
        raise PrivacyBudgetError(
            f"Column {spec.name!r}: no label is common enough to be released at this budget; declare its "
            "categories in the schema, raise epsilon, or, if it holds numbers or dates, declare that kind."
        )
    ordered = sorted(kept, key=lambda label: (-kept[label], label))
    return ColumnSpec(spec.name, spec.kind, categories=tuple(ordered))


def _iso(seconds: float) -> str:
    return pd.Timestamp(seconds, unit="s").isoformat()
