"""Rules across columns — order, difference, fixed combinations, formulas, conditionals,
uniqueness and formats — declared, found in the data, and held by construction while drawing."""

from datatwin.constraints.cross import AfterParent, ChildSum, InTable
from datatwin.constraints.discover import discover_rules
from datatwin.constraints.rules import (
    RULES,
    Combination,
    Conditional,
    Difference,
    Format,
    Formula,
    Order,
    Rule,
    Unique,
    rule_from_dict,
)
from datatwin.constraints.ruleset import RuleSet, parse_rules

__all__ = [
    "RULES",
    "AfterParent",
    "ChildSum",
    "Combination",
    "Conditional",
    "Difference",
    "Format",
    "Formula",
    "InTable",
    "Order",
    "Rule",
    "RuleSet",
    "Unique",
    "discover_rules",
    "parse_rules",
    "rule_from_dict",
]
