"""Simulated worlds with labelled rare events: agents drawn from twins, normal activity by
declared rules, and a library of fraud, money-laundering and attack typologies injected at a
chosen prevalence, run on SimPy and written with per-event labels and a ground-truth table."""

from datatwin.scenarios.registry import TYPOLOGIES, WORLDS
from datatwin.scenarios.run import ScenarioRun, run_scenario, scenario_document
from datatwin.scenarios.spec import ScenarioSpec, read_scenario, scenario_from_mapping

__all__ = [
    "TYPOLOGIES",
    "WORLDS",
    "ScenarioRun",
    "ScenarioSpec",
    "read_scenario",
    "run_scenario",
    "scenario_document",
    "scenario_from_mapping",
]
