"""Typed, validated options read from a scenario file: every bad key or value is one clear line.

A world's settings and a typology's parameters are frozen dataclasses; :func:`read_options`
fills one from the mapping found in the file, refusing unknown keys (and listing the allowed
ones) and values of the wrong type or outside their range, each named with its place in the file.
"""

from __future__ import annotations

import dataclasses
import numbers
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from datatwin.errors import ConfigError

Options = TypeVar("Options")


def bounds(low: float | None = None, high: float | None = None) -> dict[str, Any]:
    """Field metadata: the value must lie in ``[low, high]`` (either side open when ``None``)."""
    return {"low": low, "high": high}


def read_options(kind: type[Options], given: object, where: Callable[..., str]) -> Options:
    """Build ``kind`` (a dataclass of defaults) from ``given``, a mapping from the scenario file;
    ``where()`` names the mapping's place in the file, ``where(key)`` one of its keys.

    Raises
    ------
    ConfigError
        Naming ``where`` and the key, for an unknown key (with the allowed ones), a value of the
        wrong type, or one outside the field's bounds.
    """
    if given is None:
        given = {}
    if not isinstance(given, Mapping):
        raise ConfigError(f"{where()} must be a mapping of names to values; got {type(given).__name__}.")
    fields = {field.name: field for field in dataclasses.fields(kind)}  # type: ignore[arg-type]
    unknown = sorted(set(map(str, given)) - set(fields))
    if unknown:
        raise ConfigError(f"{where()} has unknown key(s) {', '.join(unknown)}; allowed: {', '.join(fields)}.")
    values = {name: _checked(fields[name], value, where(name)) for name, value in given.items()}
    return kind(**values)


def _checked(field: dataclasses.Field, value: object, where: str) -> float | int:
    """A field's value from the file; every option of a world or typology is a number."""
    default = field.default
    if isinstance(default, bool) or not isinstance(default, numbers.Real):  # pragma: no cover - no such option
        raise ConfigError(f"{where} cannot be set from a scenario file.")
    whole = isinstance(default, int)
    number = checked_number(value, where, low=field.metadata.get("low"), high=field.metadata.get("high"), whole=whole)
    return int(number) if whole else number


def checked_number(
    value: object, where: str, *, low: float | None = None, high: float | None = None, whole: bool = False
) -> float:
    """``value`` as a number, checked to be one (not a boolean), whole when asked, and within
    ``[low, high]`` (either side open when ``None``).

    Raises
    ------
    ConfigError
        Naming ``where``, the value and what it must be.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ConfigError(f"{where} must be a number; got {value!r}.")
    if whole and not float(value).is_integer():
        raise ConfigError(f"{where} must be a whole number; got {value!r}.")
    number = float(value)
    if (low is not None and number < low) or (high is not None and number > high):
        side = (
            f"[{low:g}, {high:g}]"
            if low is not None and high is not None
            else f"at least {low:g}"
            if low is not None
            else f"at most {high:g}"
        )
        raise ConfigError(f"{where} is {value!r}; it must be {side}.")
    return number


def as_dict(options: object) -> dict[str, Any]:
    """The options as a plain mapping, to record in a run's manifest."""
    return dataclasses.asdict(options)  # type: ignore[call-overload]
