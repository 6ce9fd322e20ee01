"""Schema inference on the shared real datasets and on a table with every kind."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from datatwin.errors import DataError, SchemaError
from datatwin.io import read_table
from datatwin.schema import ColumnKind, infer_schema
from tests.conftest import shared_path

K = ColumnKind


def kinds(schema) -> dict[str, str]:
    return {c.name: c.kind.value for c in schema.columns}


def test_adult_kinds_domains_and_missing_rates(adult):
    schema = infer_schema(adult)
    assert kinds(schema) == {
        "age": "integer", "workclass": "categorical", "fnlwgt": "integer", "education": "categorical",
        "education-num": "integer", "marital-status": "categorical", "occupation": "categorical",
        "relationship": "categorical", "race": "categorical", "sex": "categorical",
        "capital-gain": "integer", "capital-loss": "integer", "hours-per-week": "integer",
        "native-country": "categorical", "income": "categorical",
    }  # fmt: skip
    assert (schema["age"].minimum, schema["age"].maximum) == (17, 90)
    assert set(schema["income"].categories) == {"<=50K", ">50K"}
    assert schema["workclass"].stats["null_rate"] == pytest.approx(1836 / 32561, abs=1e-6)
    # Holand-Netherlands appears once: pooled, not in the domain
    assert "Holand-Netherlands" not in schema["native-country"].categories
    assert schema["native-country"].stats["pooled_rows"] == 1


def test_titanic_finds_id_boolean_pii_and_decimals(titanic):
    schema = infer_schema(titanic)
    assert schema["PassengerId"].kind is K.ID
    assert schema["Survived"].kind is K.BOOLEAN
    assert (schema["Survived"].true_label, schema["Survived"].false_label) == ("1", "0")
    assert schema["Name"].kind is K.PII and schema["Name"].pii_type == "name"
    assert schema["Age"].kind is K.NUMERIC and schema["Age"].decimals == 2
    assert schema["Fare"].decimals == 4
    assert schema["Cabin"].stats["null_rate"] == pytest.approx(687 / 891, abs=1e-6)


@pytest.mark.parametrize(
    ("relative", "expected"),
    [
        (
            "credit_default/credit_default.csv.gz",
            {"ID": "id", "LIMIT_BAL": "integer", "default_next_month": "boolean"},
        ),
        (
            "bank_marketing/bank_marketing.csv.gz",
            {"y": "boolean", "pdays": "integer", "job": "categorical"},
        ),
        (
            "shoppers_intention/shoppers_intention.csv.gz",
            {"Weekend": "boolean", "BounceRates": "numeric"},
        ),
        (
            "california_housing/california_housing.csv.gz",
            {"median_income": "numeric", "ocean_proximity": "categorical"},
        ),
        (
            "stocks_daily/stocks_daily.csv.gz",
            {"Date": "datetime", "Volume": "integer", "Name": "categorical"},
        ),
    ],
)
def test_shared_datasets(relative, expected):
    schema = infer_schema(read_table(shared_path(relative)).data)
    assert {name: kinds(schema)[name] for name in expected} == expected


def test_stocks_date_format_and_bounds():
    schema = infer_schema(read_table(shared_path("stocks_daily/stocks_daily.csv.gz")).data)
    assert schema["Date"].format == "%Y-%m-%d"
    assert schema["Date"].minimum.startswith("2006-01-03")


def test_every_kind_in_a_realistic_table(people):
    schema = infer_schema(people)
    assert kinds(schema) == {
        "customer_id": "id", "name": "pii", "email": "pii", "phone": "pii", "age": "integer",
        "income": "numeric", "city": "categorical", "member": "boolean", "signup": "datetime",
        "last_seen": "datetime", "notes": "text",
    }  # fmt: skip
    assert schema["email"].pii_type == "email" and schema["phone"].pii_type == "phone"
    assert schema["signup"].format == "%d/%m/%Y %H:%M"
    assert schema["last_seen"].format is None
    assert set(schema["city"].categories) == {"Berlin", "Lisbon", "Osaka", "Lagos"}
    assert schema["income"].decimals == 2


@pytest.mark.parametrize(
    ("values", "fmt"),
    [
        (["2021-03-04", "2021-12-31"], "%Y-%m-%d"),
        (["2021-03-04T10:00:00", "2021-12-31T23:59:59"], "%Y-%m-%dT%H:%M:%S"),
        (["03/24/2021", "12/31/2021"], "%m/%d/%Y"),
        (["24/03/2021", "31/12/2021"], "%d/%m/%Y"),
        (["24.03.2021", "31.12.2021"], "%d.%m.%Y"),
        (["04-Mar-2021", "31-Dec-2021"], "%d-%b-%Y"),
    ],
)
def test_datetime_string_formats(values, fmt):
    spec = infer_schema(pd.DataFrame({"when": values * 5}))["when"]
    assert spec.kind is K.DATETIME and spec.format == fmt


def test_leading_zero_codes_stay_labels():
    frame = pd.DataFrame({"zip": ["02134", "02134", "10001", "10001", "02134"] * 2})
    assert infer_schema(frame)["zip"].kind is K.CATEGORICAL


def test_rare_threshold_one_keeps_every_label(adult):
    spec = infer_schema(adult, rare_threshold=1)["native-country"]
    assert "Holand-Netherlands" in spec.categories


def test_all_null_column_is_a_clear_error():
    frame = pd.DataFrame({"a": [1, 2, 3], "empty": [None, None, None]})
    with pytest.raises(SchemaError, match=r"Column 'empty' is empty in all 3 rows"):
        infer_schema(frame)


def test_numbers_mixed_with_junk_name_column_and_rows():
    values = [str(v) for v in range(40)] + ["abc", "??"]
    with pytest.raises(DataError, match=r"Column 'amount' is numeric except for 2 value\(s\).*rows 40, 41"):
        infer_schema(pd.DataFrame({"amount": values}))


def test_mixed_python_types_are_a_clear_error():
    frame = pd.DataFrame({"junk": pd.Series([1, "a", {"x": 1}, 2.5], dtype=object)})
    with pytest.raises(DataError, match=r"Column 'junk' mixes value types"):
        infer_schema(frame)


def test_native_dtypes():
    frame = pd.DataFrame(
        {
            "flag": [True, False, True, None],
            "count": pd.array([1, 2, None, 4], dtype="Int64"),
            "ratio": [0.5, 0.25, np.nan, 1.125],
            "when": pd.to_datetime(["2020-01-01", "2020-02-01", None, "2020-03-01"]).tz_localize("UTC"),
            "group": pd.Categorical(["a", "b", "a", "b"]),
        }
    )
    schema = infer_schema(frame, rare_threshold=1)
    assert kinds(schema) == {
        "flag": "boolean",
        "count": "integer",
        "ratio": "numeric",
        "when": "datetime",
        "group": "categorical",
    }
    assert schema["ratio"].decimals == 3
    assert schema["when"].timezone == "UTC"


def job_titles(n: int = 6000, seed: int = 0) -> pd.Series:
    """Job titles with a long tail: common ones many times, over half the rows one-offs."""
    rng = np.random.default_rng(seed)
    level = ["Senior", "Junior", "Lead", "Principal", "Staff", "Associate"]
    field = ["Data", "Software", "Marketing", "Sales", "Product", "Security", "Finance"]
    role = ["Engineer", "Analyst", "Manager", "Designer", "Consultant"]
    common = [f"{a} {b} {c}" for a in level for b in field for c in role]  # 210 titles
    weights = 1.0 / np.arange(1, len(common) + 1)
    titles = rng.choice(common, size=n, p=weights / weights.sum()).astype(object)
    rare = rng.random(n) < 0.55
    teams = ["Payments", "Risk", "Growth", "Platform", "Search", "Ads", "Mobile", "Cloud", "Retail", "Health"]
    teams += ["Logistics", "Pricing", "Fraud", "Identity", "Billing", "Support", "Research", "Media", "Travel"]
    titles[rare] = [f"{rng.choice(common)} of {rng.choice(teams)} {rng.choice(teams)}" for _ in range(rare.sum())]
    return pd.Series(titles, name="title")


def test_short_titles_with_a_long_tail_are_labels_and_long_notes_stay_text(people):
    titles = job_titles()
    assert titles.nunique() > 0.5 * len(titles)  # as many distinct values as free text has
    schema = infer_schema(pd.DataFrame({"title": titles, "notes": np.resize(people["notes"], len(titles))}))
    assert schema["title"].kind is K.CATEGORICAL
    assert all(" of " not in c for c in schema["title"].categories)  # one-off titles are never labels
    assert infer_schema(people)["notes"].kind is K.TEXT  # free text: nearly every row its own


def test_numbers_mixed_with_many_codes_are_a_code_column():
    """Diagnosis codes (ICD-9: 250.83, V57, E880) look numeric but for their letter codes: with
    more distinct codes than a few stray labels, the column holds codes, not numbers."""
    rng = np.random.default_rng(0)
    numeric = [f"{v:.2f}".rstrip("0").rstrip(".") for v in rng.choice(np.arange(1, 999, 0.5), 900)]
    codes = [f"V{rng.integers(1, 90)}" for _ in range(60)] + [f"E{rng.integers(800, 999)}" for _ in range(40)]
    spec = infer_schema(pd.DataFrame({"diagnosis": numeric + codes}))["diagnosis"]
    assert spec.kind.value == "categorical"
