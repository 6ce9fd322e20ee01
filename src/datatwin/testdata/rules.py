"""A spec's rules across columns (the JSON spec's ``"rules"`` per table, the rule objects of
:mod:`datatwin.constraints`), held by construction in every drawn batch.

- ``order``: each column at least (``strict``: above) the one before — as a CHECK ``a < b``:
  the later column redrawn as the earlier plus the gap the two had;
- ``difference``: ``column`` is ``base`` plus a gap drawn within the limits (datetimes in
  ``unit``);
- ``formula``: the column computed from the drawn ones, rounded to its scale (or ``decimals``);
- ``conditional``: where ``when`` holds, ``then``'s column set to its value (or drawn among
  its values);
- ``format``: the column drawn from the pattern.

A ``combination`` says which combinations the data holds and ``unique`` is a key: with no data,
list the columns' categories or declare ``UNIQUE`` instead; rules across tables are not drawn
for test data. Each is refused with one line.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pandas as pd

from datatwin.conditions import Range
from datatwin.constraints import Conditional, Difference, Format, Formula, Order, Rule, rule_from_dict
from datatwin.constraints.pattern import draw_matching
from datatwin.constraints.rules import UNITS
from datatwin.errors import ConfigError, ConstraintError

HELD = (Order, Difference, Formula, Conditional, Format)
"""The rule types test data holds."""


def parse_rules(data: Any, where: str) -> list[Rule]:
    """A table's ``"rules"`` list.

    Raises
    ------
    ConfigError
        For a malformed rule or one test data cannot hold (saying what to use instead).
    """
    if not isinstance(data, list):
        raise ConfigError(f"{where}: 'rules' must be a list of rule objects.")
    rules: list[Rule] = []
    for index, item in enumerate(data):
        try:
            rule = rule_from_dict(item, f"{where} rules[{index}]")
        except ConstraintError as exc:
            raise ConfigError(str(exc)) from None
        if not isinstance(rule, HELD):
            raise ConfigError(
                f"{where} rules[{index}]: a {rule.type} rule needs real data; "
                "give the columns' categories, or declare the columns UNIQUE, instead."
            )
        rules.append(rule)
    return rules


def orders_of(rules: list[Rule]) -> list[tuple[str, str, bool]]:
    """The ``(low, high, strict)`` pairs of the order rules, as CHECKs would give them."""
    pairs = []
    for rule in rules:
        if isinstance(rule, Order):
            columns = rule.columns()
            pairs += [(a, b, rule.strict) for a, b in itertools.pairwise(columns)]
    return pairs


def hold_rules(
    frame: pd.DataFrame,
    rules: list[Rule],
    numbers: Any,
    like: Any,
    scales: dict[str, int | None],
    rng: np.random.Generator,
) -> pd.DataFrame:
    """A batch with its differences, formulas, conditionals and formats held (orders are held
    with the CHECKs); ``numbers``/``like`` read a column as numbers (dates as seconds) and
    write numbers back in its type."""
    for rule in rules:
        if isinstance(rule, Difference):
            base = numbers(frame[rule.base])
            scale = UNITS[rule.unit] if _is_time(frame[rule.base]) else 1.0
            low = (rule.minimum if rule.minimum is not None else 0.0) * scale
            high = (rule.maximum if rule.maximum is not None else (rule.minimum or 0.0) + 30.0) * scale
            frame[rule.column] = like(rule.column, base + rng.uniform(low, high, len(frame)))
        elif isinstance(rule, Formula):
            inputs = {name: numbers(frame[name]) for name in rule.inputs}
            places = rule.decimals if rule.decimals is not None else scales.get(rule.column)
            value = rule.compute(pd.DataFrame(inputs))
            frame[rule.column] = like(rule.column, np.round(value, places if places is not None else 6))
        elif isinstance(rule, Conditional):
            frame = _set(frame, rule, rng)
        elif isinstance(rule, Format):
            frame[rule.column] = pd.Series(draw_matching(rule.pattern, len(frame), rng), dtype=object)
    return frame


def _set(frame: pd.DataFrame, rule: Conditional, rng: np.random.Generator) -> pd.DataFrame:
    applies = rule.applies(frame)
    if not applies.any():
        return frame
    column, wanted = rule.target
    count = int(applies.sum())
    if isinstance(wanted, Range):
        low, high = (
            float(wanted.low if wanted.low is not None else 0),
            float(wanted.high if wanted.high is not None else 0),
        )
        values: Any = rng.uniform(low, high, count)
    elif isinstance(wanted, list | tuple | set):
        options = sorted(wanted, key=str)
        values = [options[i] for i in rng.integers(0, len(options), count)]
    else:
        values = [wanted] * count
    frame[column] = frame[column].astype(object)
    frame.loc[applies, column] = pd.Series(values, index=frame.index[applies], dtype=object)
    return frame


def _is_time(values: pd.Series) -> bool:
    present = values.dropna()
    return bool(len(present)) and hasattr(present.iloc[0], "isoformat")
