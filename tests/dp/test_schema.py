"""The schema of a DP fit: kinds from storage types, declared specs for free, bounds and labels
bought from the ledger; what cannot be learnt or bought gets one clear line."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from datatwin.dp import PrivacyLedger
from datatwin.dp.mechanisms import secure_generator
from datatwin.dp.schema import dp_schema, public_kinds
from datatwin.errors import ConfigError, PrivacyBudgetError
from datatwin.schema import ColumnKind, ColumnSpec, Schema
from tests.conftest import shared_path


@pytest.fixture(scope="module")
def adult() -> pd.DataFrame:
    return pd.read_csv(shared_path("adult/adult.csv.gz"))


def test_open_bounds_and_labels_are_bought_and_declared_ones_are_free(adult):
    declared = Schema((ColumnSpec("age", ColumnKind.INTEGER, minimum=17, maximum=90),))
    public = public_kinds(adult, declared)
    assert "age" not in public.open_ranges and "hours-per-week" in public.open_ranges
    assert public.open_kinds == (
        "workclass",
        "education",
        "marital-status",
        "occupation",
        "relationship",
        "race",
        "sex",
        "native-country",
        "income",
    )
    ledger = PrivacyLedger(1.0, 1e-6, label_releases=len(public.open_kinds))
    schema = dp_schema(adult, public, ledger, ledger.budget / 10, secure_generator())
    assert (schema["age"].minimum, schema["age"].maximum) == (17, 90)
    assert schema["hours-per-week"].minimum <= 10 and schema["hours-per-week"].maximum >= 90
    assert set(schema["sex"].categories) == {"Male", "Female"}
    assert "Holand-Netherlands" not in schema["native-country"].categories  # one row: never released
    assert ledger.spent == pytest.approx(ledger.budget / 10)
    assert len([s for s in ledger.spends if s.delta]) == len(public.open_kinds)
    assert all(schema[c].kind is ColumnKind.CATEGORICAL for c in public.open_kinds)


def test_the_kind_of_a_text_column_is_bought_so_numbers_stay_numbers(adult):
    text = adult[["age", "capital-gain", "sex"]].astype(str)
    text.loc[0, "age"] = "unknown"  # one row cannot turn a column of numbers into labels
    public = public_kinds(text, None)
    assert public.open_kinds == ("age", "capital-gain", "sex")
    ledger = PrivacyLedger(1.0, 1e-6, label_releases=3)
    schema = dp_schema(text, public, ledger, ledger.budget / 10, secure_generator())
    assert [schema[c].kind for c in text.columns] == [ColumnKind.INTEGER, ColumnKind.INTEGER, ColumnKind.CATEGORICAL]
    assert sum(s.what.startswith("kinds: ") for s in ledger.spends) == 3


def test_what_a_dp_schema_cannot_do_gets_one_clear_line(adult):
    with pytest.raises(ConfigError, match=re.escape("Column 'fnlwgt' is declared id")):
        public_kinds(adult, Schema((ColumnSpec("fnlwgt", ColumnKind.ID),)))
    public = public_kinds(adult[["age", "sex"]], None)
    with pytest.raises(ConfigError, match=re.escape("Column(s) ['age'] have no declared minimum and maximum")):
        dp_schema(adult, public, PrivacyLedger(1.0, 1e-6, label_releases=1), 0.01, secure_generator(), buy_bounds=False)
    few = adult.head(40)
    with pytest.raises(PrivacyBudgetError, match=re.escape("Column 'age': the budget is too small to find its range")):
        dp_schema(few, public, PrivacyLedger(0.1, 1e-6, label_releases=1), 0.0001, secure_generator())


def test_whole_number_bounds_stop_inside_the_last_bin(adult):
    """A 0/1 column's values fall in the bins [0, 1) and [1, 2): its bounds are 0 and 1, never 2."""
    flags = pd.DataFrame({"rich": (adult["income"] == ">50K").astype(int), "age": adult["age"]})
    public = public_kinds(flags, None)
    schema = dp_schema(flags, public, PrivacyLedger(1.0, 1e-6), 0.01, secure_generator())
    assert (schema["rich"].minimum, schema["rich"].maximum) == (0, 1)
    assert schema["age"].maximum == 99  # the bin [50, 100)
