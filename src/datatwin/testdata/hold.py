"""Holding a test-data table's rules across columns (:mod:`datatwin.testdata.rules`) in each
drawn batch, by construction: a difference's column is its base plus a gap drawn within the
limits, a formula's column is computed, a conditional's column set (or drawn among its values),
a format's column drawn from the pattern."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from datatwin.conditions import Range
from datatwin.constraints import Conditional, Difference, Format, Formula
from datatwin.constraints.pattern import draw_matching
from datatwin.constraints.rules import UNITS
from datatwin.testdata.cells import as_column, as_numbers
from datatwin.testdata.spec import TablePlan


def hold_rules(frame: pd.DataFrame, table: TablePlan, rng: np.random.Generator) -> pd.DataFrame:
    """A batch of ``table`` with its differences, formulas, conditionals and formats held
    (orders are held with the CHECKs)."""
    for rule in table.rules:
        if isinstance(rule, Difference):
            base = as_numbers(frame[rule.base])
            scale = UNITS[rule.unit] if _is_time(frame[rule.base]) else 1.0
            low = (rule.minimum if rule.minimum is not None else 0.0) * scale
            high = (rule.maximum if rule.maximum is not None else (rule.minimum or 0.0) + 30.0) * scale
            frame[rule.column] = as_column(base + rng.uniform(low, high, len(frame)), table.column(rule.column))
        elif isinstance(rule, Formula):
            column = table.column(rule.column)
            inputs = {name: as_numbers(frame[name]) for name in rule.inputs}
            places = rule.decimals if rule.decimals is not None else (0 if column.type == "integer" else column.scale)
            value = rule.compute(pd.DataFrame(inputs))
            frame[rule.column] = as_column(np.round(value, places if places is not None else 6), column)
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
