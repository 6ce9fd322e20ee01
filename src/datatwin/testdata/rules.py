"""A spec's rules across columns (the JSON spec's ``"rules"`` per table, the rule objects of
:mod:`datatwin.constraints`), read and checked; :mod:`datatwin.testdata.hold` holds them by
construction in every drawn batch:

- ``order``: each column at least (``strict``: above) the one before — as a CHECK ``a < b``:
  the later column redrawn as the earlier plus the gap the two had;
- ``difference``: ``column`` is ``base`` plus a gap drawn within the limits (datetimes in
  ``unit``);
- ``formula``: the column computed from the drawn ones, rounded to its scale (or ``decimals``);
- ``conditional``: where ``when`` holds, ``then``'s column set to its value (or drawn among
  its values);
- ``format``: the column drawn from the pattern.

A ``combination`` says which combinations the data holds and ``unique`` is a key: with no data,
list the columns' categories or declare ``UNIQUE`` instead; each is refused with one line.
Rules across tables go in the spec's top-level ``"rules"`` (held by
:class:`~datatwin.testdata.build.Layout`, which settles the columns they read).
"""

from __future__ import annotations

import itertools
from typing import Any

from datatwin.constraints import Conditional, Difference, Format, Formula, Order, Rule, rule_from_dict
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
