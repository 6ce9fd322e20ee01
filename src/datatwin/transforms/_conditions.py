"""Translating a user's condition on a column into conditions on its encoded columns."""

from __future__ import annotations

import math
from typing import Any

from datatwin.conditions import Range, Wanted
from datatwin.errors import ConfigError

_EPS = 1e-9


def value_interval(
    column: str, wanted: Wanted, *, step: float, bounds: tuple[float, float], to_number: Any = float
) -> tuple[float, float]:
    """The closed interval of encoded values that decode to what is wanted.

    ``step`` is the rounding step of decoding (1 for integers, 10**-decimals, the time unit;
    0 when values are not rounded): the interval is widened by half a step so rounded values
    land inside, and exclusive bounds move one step in.
    """
    if isinstance(wanted, list | set | tuple):
        raise ConfigError(f"Column {column!r}: a list of values works for labels only; use a range for numbers.")
    if isinstance(wanted, Range):
        low = -math.inf if wanted.low is None else to_number(wanted.low)
        high = math.inf if wanted.high is None else to_number(wanted.high)
        low_inclusive, high_inclusive = wanted.low_inclusive, wanted.high_inclusive
    else:
        low = high = to_number(wanted)
        low_inclusive = high_inclusive = True
    if step:
        low = _snap(low, step, up=True, inclusive=low_inclusive)
        high = _snap(high, step, up=False, inclusive=high_inclusive)
        low, high = low - step / 2 + _EPS * step, high + step / 2 - _EPS * step
    else:
        low = low if low_inclusive else math.nextafter(low, math.inf)
        high = high if high_inclusive else math.nextafter(high, -math.inf)
    low, high = max(low, bounds[0]), min(high, bounds[1])
    if low > high:
        raise ConfigError(f"Column {column!r}: no value within its range {list(bounds)} satisfies {wanted!r}.")
    return low, high


def _snap(value: float, step: float, *, up: bool, inclusive: bool) -> float:
    if math.isinf(value):
        return value
    units = value / step
    snapped = math.ceil(units - 1e-9) if up else math.floor(units + 1e-9)
    if not inclusive and abs(snapped - units) < 1e-9:
        snapped += 1 if up else -1
    return snapped * step


def null_condition(column: str, wanted: Wanted, flag: str | None) -> dict[str, Any]:
    """The null flag's condition: present when a value is wanted, missing when ``None`` is."""
    if flag is None:
        if wanted is None:
            raise ConfigError(f"Column {column!r} has no missing values to ask for.")
        return {}
    return {flag: {1} if wanted is None else {0}}


def label_codes(column: str, wanted: Wanted, labels: list[Any], missing_code: int) -> set[int]:
    """Codes of the wanted labels (``None`` = missing); labels also match by their text."""
    if isinstance(wanted, Range):
        raise ConfigError(f"Column {column!r} holds labels: ask for a label or a list of labels, not a range.")
    by_text = {str(label): code for code, label in enumerate(labels)}
    codes = set()
    for value in wanted if isinstance(wanted, list | set | tuple) else [wanted]:
        if value is None:
            codes.add(missing_code)
        elif str(value) in by_text:
            codes.add(by_text[str(value)])
        else:
            raise ConfigError(
                f"Column {column!r} has no label {value!r} to generate (rare labels are pooled and never "
                f"written verbatim); its labels: {', '.join(map(str, labels[:20]))}."
            )
    return codes
