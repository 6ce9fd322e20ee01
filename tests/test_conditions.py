"""Parsing --where expressions into conditions."""

from __future__ import annotations

import pytest

from datatwin.conditions import Range, parse_where
from datatwin.errors import ConfigError


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("income == '>50K'", {"income": ">50K"}),
        ("age >= 40 and age < 50", {"age": Range(40, 50, True, False)}),
        ("30 <= age < 40", {"age": Range(30, 40, True, False)}),
        ("40 < age", {"age": Range(40, None, False, True)}),
        ("race in ['White', 'Black']", {"race": ["White", "Black"]}),
        ("`hours-per-week` > 45 and workclass == None", {"hours-per-week": Range(45, None, False), "workclass": None}),
    ],
)
def test_parse(expression, expected):
    assert parse_where(expression) == expected


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("age > 3 or age < 1", "must be a comparison"),
        ("age != 3", "Operator not supported"),
        ("age == foo", "must be literals"),
        ("race in 'White'", "'in' needs a list"),
        ("income == 'a' and income == 'b'", "constrained twice"),
        ("3 == 4", "needs a column name"),
        ("age >", "Cannot read the condition"),
    ],
)
def test_errors(expression, message):
    with pytest.raises(ConfigError, match=message):
        parse_where(expression)
