"""The public face: fit, load and sample twins of tables and databases — thin, delegating down."""

from datatwin.api.database import DatabaseTwin, fit_database
from datatwin.api.load import load, load_database
from datatwin.api.monitoring import data_card, drift
from datatwin.api.refreshing import refresh
from datatwin.api.rules import find_rules
from datatwin.api.scenarios import simulate
from datatwin.api.sequences import SequenceTwin
from datatwin.api.table import Twin, fit
from datatwin.api.testdata import generate

__all__ = [
    "DatabaseTwin",
    "SequenceTwin",
    "Twin",
    "data_card",
    "drift",
    "find_rules",
    "fit",
    "fit_database",
    "generate",
    "load",
    "load_database",
    "refresh",
    "simulate",
]
