"""Rules across columns: what each says, its JSON form and which rows break it.

A rule is declared in the schema JSON (``"rules": [{"type": "order", "columns": ["low", "open",
"high"]}]``), in Python (``Order(["low", "open", "high"])``) or found in the data
(:mod:`datatwin.constraints.discover`, which sets ``support``). ``broken`` reads a table in
working form (:func:`datatwin.schema.coerce_table`: numbers as floats, datetimes as datetimes)
and marks the rows that break the rule; a missing cell breaks no rule but a conditional's, as in
SQL's CHECK. How each rule is *held* lives in :mod:`datatwin.constraints.ruleset`.
"""

from __future__ import annotations

import dataclasses
import re
from abc import ABC, abstractmethod
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from datatwin.conditions import Range, parse_where
from datatwin.constraints.expression import Formula as Expression
from datatwin.constraints.wanted import is_wanted
from datatwin.errors import ConstraintError

UNITS = {"seconds": 1.0, "minutes": 60.0, "hours": 3600.0, "days": 86_400.0}
"""Units a difference between datetimes may be given in."""


@dataclasses.dataclass(frozen=True)
class Rule(ABC):
    """A rule over one or more columns; ``support`` is how many rows bore it out when found in the data."""

    type: ClassVar[str]
    support: int | None = dataclasses.field(default=None, kw_only=True, compare=False)

    @abstractmethod
    def columns(self) -> tuple[str, ...]:
        """The columns the rule names."""

    @abstractmethod
    def describe(self) -> str:
        """The rule in one short line (``low <= open <= high``)."""

    @abstractmethod
    def broken(self, frame: pd.DataFrame) -> np.ndarray:
        """Rows of a working-form table that break the rule."""

    def to_dict(self) -> dict[str, Any]:
        """The rule's JSON form."""
        data: dict[str, Any] = {"type": self.type}
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if field.name != "support" and (field.default is dataclasses.MISSING or value != field.default):
                data[field.metadata.get("json", field.name)] = list(value) if isinstance(value, tuple) else value
        return data | ({} if self.support is None else {"support": self.support})

    def __str__(self) -> str:
        return self.describe()


def _names(value: Any, rule: str, least: int) -> tuple[str, ...]:
    names = (value,) if isinstance(value, str) else tuple(value)
    if len(names) < least or not all(isinstance(n, str) and n for n in names):
        raise ConstraintError(f"Rule {rule!r} needs a list of at least {least} column names, not {value!r}.")
    if len(set(names)) < len(names):
        raise ConstraintError(f"Rule {rule!r} names a column twice: {list(names)}.")
    return names


def _both(frame: pd.DataFrame, a: str, b: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    left, right = _numbers(frame[a]), _numbers(frame[b])
    return left, right, ~np.isnan(left) & ~np.isnan(right)


def _numbers(values: pd.Series) -> np.ndarray:
    """Numbers, or datetimes as seconds, as floats (missing: NaN)."""
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        stamps = values.dt.tz_convert(None) if getattr(values.dt, "tz", None) is not None else values
        seconds = stamps.astype("datetime64[us]").astype("int64").to_numpy() / 1e6
        return np.where(stamps.isna().to_numpy(), np.nan, seconds)
    return pd.to_numeric(values, errors="coerce").astype("float64").to_numpy()


@dataclasses.dataclass(frozen=True)
class Order(Rule):
    """Columns in increasing order, each at least (``strict``: above) the one before:
    ``Order(["low", "open", "high"])``."""

    type: ClassVar[str] = "order"
    columns_: tuple[str, ...] = dataclasses.field(metadata={"json": "columns"})
    strict: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "columns_", _names(self.columns_, "order", 2))

    def columns(self) -> tuple[str, ...]:
        return self.columns_

    def pairs(self) -> list[tuple[str, str]]:
        return list(zip(self.columns_, self.columns_[1:], strict=False))

    def describe(self) -> str:
        return (" < " if self.strict else " <= ").join(self.columns_)

    def broken(self, frame: pd.DataFrame) -> np.ndarray:
        out = np.zeros(len(frame), dtype=bool)
        for a, b in self.pairs():
            left, right, both = _both(frame, a, b)
            out |= both & ((left >= right) if self.strict else (left > right))
        return out


@dataclasses.dataclass(frozen=True)
class Difference(Rule):
    """``column − base`` between ``minimum`` and ``maximum`` (either may be left out; datetimes'
    differences in ``unit``: seconds, minutes, hours or days)."""

    type: ClassVar[str] = "difference"
    column: str
    base: str
    minimum: float | None = None
    maximum: float | None = None
    unit: str = "days"

    def __post_init__(self) -> None:
        _names([self.column, self.base], "difference", 2)
        if self.minimum is None and self.maximum is None:
            raise ConstraintError(f"Rule 'difference' on {self.column!r}: give a minimum, a maximum or both.")
        if self.minimum is not None and self.maximum is not None and self.minimum > self.maximum:
            raise ConstraintError(
                f"Rule 'difference' on {self.column!r}: minimum {self.minimum} is above maximum {self.maximum}."
            )
        if self.unit not in UNITS:
            raise ConstraintError(
                f"Rule 'difference' on {self.column!r}: unit {self.unit!r} is not one of {list(UNITS)}."
            )

    def columns(self) -> tuple[str, ...]:
        return (self.base, self.column)

    def describe(self) -> str:
        low = "" if self.minimum is None else f"{self.minimum:g} <= "
        high = "" if self.maximum is None else f" <= {self.maximum:g}"
        return f"{low}{self.column} - {self.base}{high}"

    def broken(self, frame: pd.DataFrame) -> np.ndarray:
        base, value, both = _both(frame, self.base, self.column)
        scale = UNITS[self.unit] if pd.api.types.is_datetime64_any_dtype(frame[self.column].dtype) else 1.0
        gap = (value - base) / scale
        low = -np.inf if self.minimum is None else self.minimum - 1e-9
        high = np.inf if self.maximum is None else self.maximum + 1e-9
        return both & ((gap < low) | (gap > high))


@dataclasses.dataclass(frozen=True)
class Combination(Rule):
    """The columns' values only in combinations seen in the data (city, state, country)."""

    type: ClassVar[str] = "combination"
    columns_: tuple[str, ...] = dataclasses.field(metadata={"json": "columns"})

    def __post_init__(self) -> None:
        object.__setattr__(self, "columns_", _names(self.columns_, "combination", 2))

    def columns(self) -> tuple[str, ...]:
        return self.columns_

    def describe(self) -> str:
        return "(" + ", ".join(self.columns_) + ") as seen together"

    def broken(self, frame: pd.DataFrame) -> np.ndarray:
        return np.zeros(len(frame), dtype=bool)  # which combinations were seen is the twin's: see RuleSet


@dataclasses.dataclass(frozen=True)
class Formula(Rule):
    """``column = expression`` of other columns (``+ - * /``, numbers, parentheses), rounded to
    ``decimals`` (default: the column's); a datetime reads as seconds, so nights between two
    dates are ``(check_out - check_in) / 86400``."""

    type: ClassVar[str] = "formula"
    column: str
    expression: str
    decimals: int | None = None

    def __post_init__(self) -> None:
        _names([self.column], "formula", 1)
        parsed = Expression(self.expression)
        if self.column in parsed.names:
            raise ConstraintError(f"Rule 'formula': {self.column!r} cannot be computed from itself.")
        if self.decimals is not None and not (isinstance(self.decimals, int) and 0 <= self.decimals <= 15):
            raise ConstraintError(f"Rule 'formula' on {self.column!r}: decimals must be a whole number 0–15.")

    @property
    def inputs(self) -> tuple[str, ...]:
        return Expression(self.expression).names

    def columns(self) -> tuple[str, ...]:
        return (*self.inputs, self.column)

    def describe(self) -> str:
        return f"{self.column} = {self.expression}"

    def compute(self, frame: pd.DataFrame) -> np.ndarray:
        """The formula's value per row (NaN where an input is missing), unrounded."""
        return Expression(self.expression).evaluate({name: _numbers(frame[name]) for name in self.inputs})

    def broken(self, frame: pd.DataFrame) -> np.ndarray:
        expected, value = self.compute(frame), _numbers(frame[self.column])
        both = ~np.isnan(expected) & ~np.isnan(value)
        tolerance = 0.5 * 10.0 ** -(self.decimals if self.decimals is not None else 9) + 1e-9 * np.abs(expected)
        return both & (np.abs(value - expected) > tolerance)


@dataclasses.dataclass(frozen=True)
class Conditional(Rule):
    """``when`` a condition holds, ``then`` another one does (conditions as in ``--where``:
    ``status == 'cancelled'`` then ``shipped_at == None``)."""

    type: ClassVar[str] = "conditional"
    when: str
    then: str

    def __post_init__(self) -> None:
        for side in (self.when, self.then):
            if not isinstance(side, str) or not side.strip():
                raise ConstraintError(f"Rule 'conditional' needs 'when' and 'then' conditions, not {side!r}.")
            _where(side)
        if len(_where(self.then)) != 1:
            raise ConstraintError(f"Rule 'conditional': 'then' must name one column ({self.then!r}).")

    @property
    def condition(self) -> dict[str, Any]:
        return _where(self.when)

    @property
    def target(self) -> tuple[str, Any]:
        return next(iter(_where(self.then).items()))

    @property
    def fixes_one_value(self) -> bool:
        """Whether ``then`` names one value (``== None``, ``== 'x'``), which can be set, rather
        than several (a range, a list), which the rows that miss them are redrawn for."""
        return not isinstance(self.target[1], Range | list | tuple | set)

    def columns(self) -> tuple[str, ...]:
        return (*self.condition, self.target[0])

    def describe(self) -> str:
        return f"if {self.when} then {self.then}"

    def applies(self, frame: pd.DataFrame) -> np.ndarray:
        """Rows where ``when`` holds."""
        out = np.ones(len(frame), dtype=bool)
        for column, wanted in self.condition.items():
            out &= is_wanted(frame[column], wanted)
        return out

    def broken(self, frame: pd.DataFrame) -> np.ndarray:
        column, wanted = self.target
        return self.applies(frame) & ~is_wanted(frame[column], wanted)


def _where(text: str) -> dict[str, Any]:
    try:
        return parse_where(text)
    except Exception as exc:  # parse_where's ConfigError, said as a rule's
        raise ConstraintError(f"Rule 'conditional': {exc}") from None


@dataclasses.dataclass(frozen=True)
class Unique(Rule):
    """No two rows share the values of these columns (rows with a missing one are exempt)."""

    type: ClassVar[str] = "unique"
    columns_: tuple[str, ...] = dataclasses.field(metadata={"json": "columns"})

    def __post_init__(self) -> None:
        object.__setattr__(self, "columns_", _names(self.columns_, "unique", 1))

    def columns(self) -> tuple[str, ...]:
        return self.columns_

    def describe(self) -> str:
        return "unique " + ", ".join(self.columns_)

    def broken(self, frame: pd.DataFrame) -> np.ndarray:
        part = frame[list(self.columns_)]
        complete = part.notna().all(axis=1).to_numpy()
        return complete & part.duplicated(keep="first").to_numpy()


@dataclasses.dataclass(frozen=True)
class Format(Rule):
    """Every value of ``column`` matches the regular expression ``pattern`` in full."""

    type: ClassVar[str] = "format"
    column: str
    pattern: str

    def __post_init__(self) -> None:
        _names([self.column], "format", 1)
        try:
            re.compile(self.pattern)
        except re.error as exc:
            raise ConstraintError(
                f"Rule 'format' on {self.column!r}: pattern {self.pattern!r} is not valid ({exc})."
            ) from None

    def columns(self) -> tuple[str, ...]:
        return (self.column,)

    def describe(self) -> str:
        return f"{self.column} matches {self.pattern}"

    def matches(self, values: pd.Series) -> np.ndarray:
        text = values.astype("string")
        return text.str.fullmatch(self.pattern).fillna(True).to_numpy(dtype=bool)

    def broken(self, frame: pd.DataFrame) -> np.ndarray:
        return ~self.matches(frame[self.column])


RULES: dict[str, type[Rule]] = {
    rule.type: rule for rule in (Order, Difference, Combination, Formula, Conditional, Unique, Format)
}


def rule_from_dict(data: Any, where: str, registry: dict[str, type[Rule]] | None = None) -> Rule:
    """The rule of a JSON object; ``where`` names it in errors (``rules[2]``); ``registry``:
    the rule types allowed there (default: a table's, :data:`RULES`).

    Raises
    ------
    ConstraintError
        When the object names an unknown type or key, or misses one.
    """
    registry = RULES if registry is None else registry
    if not isinstance(data, dict) or "type" not in data:
        raise ConstraintError(f"{where}: a rule is an object with a 'type', one of {sorted(registry)}; got {data!r}.")
    kind = registry.get(data["type"])
    if kind is None:
        raise ConstraintError(f"{where}: unknown rule type {data['type']!r}; the types are {sorted(registry)}.")
    fields = {f.metadata.get("json", f.name): f for f in dataclasses.fields(kind)}
    unknown = sorted(set(data) - set(fields) - {"type"})
    if unknown:
        raise ConstraintError(f"{where} ({kind.type}): unknown key(s) {unknown}; the keys are {sorted(fields)}.")
    needed = [key for key, f in fields.items() if f.default is dataclasses.MISSING and key not in data]
    if needed:
        raise ConstraintError(f"{where} ({kind.type}): missing key(s) {needed}.")
    arguments = {fields[key].name: value for key, value in data.items() if key != "type"}
    try:
        return kind(**arguments)
    except ConstraintError as exc:
        raise ConstraintError(f"{where}: {exc}") from None
    except TypeError as exc:
        raise ConstraintError(f"{where} ({kind.type}): {exc}") from None
