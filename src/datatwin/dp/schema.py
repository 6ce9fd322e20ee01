"""The schema of a differentially private fit: what it may know of each column for free, and
what it buys from the ledger.

Free: the column's name and storage type, and everything the user's schema declares (kinds,
bounds, label sets — given, not learnt, so they cost nothing). Typed columns take their kind
from their storage type: whole-number columns are integers, other numbers numeric, datetime
columns datetimes, booleans booleans. Bought: the kind of every undeclared *text* column (a
CSV's columns are all text): one noisy histogram of its values parsing as whole numbers,
other numbers, dates or none of these (:func:`_buy_kind`) — so one row cannot turn a column
of numbers into labels; the bounds of every number or date column the schema leaves open
(:func:`~datatwin.dp.estimates.dp_bounds`); the labels of every label column it leaves open
(:func:`~datatwin.dp.estimates.dp_labels`). The schema's share of the budget is split evenly
among these releases. Identifiers, free text and personal data are refused: a DP
twin learns none of them (drop them, or declare what they are).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from datatwin.dp.accountant import PrivacyLedger, gaussian_sigma
from datatwin.dp.discretize import seconds
from datatwin.dp.estimates import dp_bounds, dp_labels
from datatwin.dp.mechanisms import noisy_counts
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
    type; a text column's kind is bought, its spec until then categorical), and which kinds,
    bounds and label sets it must buy."""

    schema: Schema
    open_kinds: tuple[str, ...]
    open_ranges: tuple[str, ...]

    @property
    def releases(self) -> int:
        """The most releases buying the schema takes: a kind per open kind, and a range or a
        label set per open column."""
        return len(self.open_kinds) + len({*self.open_ranges, *self.open_kinds})


def public_kinds(frame: pd.DataFrame, declared: Schema | None) -> PublicSchema:
    """Each column's spec from the declared schema, else its kind from its storage type alone
    (text: to be bought).

    Raises
    ------
    ConfigError
        For a declared kind a DP twin cannot learn (identifiers, free text, personal data).
    """
    given = {} if declared is None else {c.name: c for c in declared.columns}
    specs, kinds = [], []
    for name in map(str, frame.columns):
        spec = given.get(name) or _storage_spec(name, frame[name])
        if name not in given and spec.kind is ColumnKind.CATEGORICAL:
            kinds.append(name)
        if spec.kind not in LEARNT_KINDS:
            raise ConfigError(
                f"Column {name!r} is declared {spec.kind.value}, which a differentially private twin cannot "
                "learn; drop the column, or declare it categorical, numeric or a date."
            )
        specs.append(spec)
    schema = Schema(tuple(specs))
    return PublicSchema(schema, tuple(kinds), _open_ranges(schema))


def _open_ranges(schema: Schema) -> tuple[str, ...]:
    return tuple(c.name for c in schema.columns if c.kind in RANGED_KINDS and (c.minimum is None or c.maximum is None))


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
    return ColumnSpec(name, ColumnKind.CATEGORICAL, categories=())  # its kind, then its labels: bought


def dp_schema(
    frame: pd.DataFrame,
    public: PublicSchema,
    ledger: PrivacyLedger,
    rho: float,
    rng: np.random.Generator,
    *,
    buy_bounds: bool = True,
) -> Schema:
    """The public schema with every open kind, bound and label set bought from the ledger
    (``rho`` in all; the ledger must plan ``len(public.open_kinds)`` label sets).

    Raises
    ------
    ConfigError
        When bounds are needed but ``buy_bounds`` is off (naming the columns to declare).
    PrivacyBudgetError
        When the budget is too small to find a column's range or any of its labels.
    """
    share = rho / max(public.releases, 1)
    specs = {c.name: c for c in public.schema.columns}
    for name in public.open_kinds:
        specs[name] = _buy_kind(name, frame[name], ledger, share, rng)
    kinded = Schema(tuple(specs.values()))
    ranges = _open_ranges(kinded)
    if ranges and not buy_bounds:
        raise ConfigError(
            f"Column(s) {list(ranges)} have no declared minimum and maximum, and spending budget on bounds is "
            "turned off (--no-dp-bounds): declare them in the schema, or allow DP bounds."
        )
    working = as_kinds(frame, kinded)
    for spec in kinded.columns:
        if spec.name in ranges:
            specs[spec.name] = _with_bounds(spec, working[spec.name], ledger, share, rng)
        elif spec.name in public.open_kinds and spec.kind is ColumnKind.CATEGORICAL:
            specs[spec.name] = _with_labels(spec, working[spec.name], ledger, share, rng)
    return Schema(tuple(specs.values()))


def as_kinds(frame: pd.DataFrame, schema: Schema) -> pd.DataFrame:
    """The table with its text columns read as the kinds the schema gives them (values that do
    not parse become missing: refusing them would tell a row's presence)."""
    out = {}
    for spec in schema.columns:
        values = frame[spec.name]
        stored = _storage_spec(spec.name, values).kind
        if spec.kind in (ColumnKind.NUMERIC, ColumnKind.INTEGER) and stored is ColumnKind.CATEGORICAL:
            numbers = pd.to_numeric(values, errors="coerce").astype("float64")
            values = numbers.round() if spec.kind is ColumnKind.INTEGER else numbers
        elif spec.kind is ColumnKind.DATETIME and stored is ColumnKind.CATEGORICAL:
            values = pd.to_datetime(values, errors="coerce", format="mixed")
        out[spec.name] = values
    return pd.DataFrame(out, index=frame.index)


KIND_BINS = ("whole numbers", "other numbers", "dates", "text")
"""What a text column's values are counted as when its kind is bought."""


def _buy_kind(name: str, values: pd.Series, ledger: PrivacyLedger, rho: float, rng: np.random.Generator) -> ColumnSpec:
    """A text column's kind: the most common of :data:`KIND_BINS` by noisy count (numbers whose
    noisy count of fractional values stays within :data:`WHOLE_SHARE` of them, plus three noise
    deviations, count as whole)."""
    present = values.dropna().astype(str).str.strip()
    numbers = pd.to_numeric(present, errors="coerce")
    is_number = numbers.notna().to_numpy()
    whole = is_number & (numbers.fillna(0.5) == numbers.fillna(0.5).round()).to_numpy()
    rest = present[~is_number]
    dates = pd.to_datetime(rest, errors="coerce", format="mixed").notna().to_numpy() if len(rest) else np.zeros(0, bool)
    counts = np.array([whole.sum(), (is_number & ~whole).sum(), dates.sum(), len(rest) - dates.sum()])
    noisy = noisy_counts(counts, ledger, rho, f"kinds: how the values of {name!r} parse", rng)
    numeric = noisy[0] + noisy[1]
    if numeric >= max(noisy[2], noisy[3]):
        integer = noisy[1] <= WHOLE_SHARE * numeric + 3 * gaussian_sigma(1.0, rho)  # noise alone stays below
        return ColumnSpec(name, ColumnKind.INTEGER if integer else ColumnKind.NUMERIC)
    if noisy[2] >= noisy[3]:
        return ColumnSpec(name, ColumnKind.DATETIME)
    return ColumnSpec(name, ColumnKind.CATEGORICAL, categories=())


WHOLE_SHARE = 0.01
"""A number column is whole-numbered when at most this share of its values has a fraction."""


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
    if spec.kind is ColumnKind.INTEGER:  # the last bin [a, b) holds whole numbers up to ceil(b) - 1
        minimum = int(np.floor(low))
        return ColumnSpec(spec.name, spec.kind, minimum=minimum, maximum=max(int(np.ceil(high)) - 1, minimum))
    return ColumnSpec(spec.name, spec.kind, minimum=low, maximum=high, decimals=spec.decimals)


def _with_labels(
    spec: ColumnSpec, values: pd.Series, ledger: PrivacyLedger, rho: float, rng: np.random.Generator
) -> ColumnSpec:
    counts = values.dropna().astype(str).value_counts()
    kept = dp_labels(list(counts.index), counts.to_numpy(), ledger, rho, spec.name, rng)
    if not kept:
        raise PrivacyBudgetError(
            f"Column {spec.name!r}: no label is common enough to be released at this budget; declare its "
            "categories in the schema, or raise epsilon."
        )
    ordered = sorted(kept, key=lambda label: (-kept[label], label))
    return ColumnSpec(spec.name, spec.kind, categories=tuple(ordered))


def _iso(seconds: float) -> str:
    return pd.Timestamp(seconds, unit="s").isoformat()
