"""The whole single-table job on real data: fit, sample, compare with the source."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import datatwin
from datatwin.errors import ConfigError, DataError, SchemaError
from datatwin.evaluate import column_shapes
from datatwin.schema import coerce_table
from tests.conftest import shared_path


@pytest.fixture(scope="module")
def adult_twin():
    return datatwin.fit(shared_path("adult/adult.csv.gz"), model="copula", seed=0)


@pytest.fixture(scope="module")
def adult_sample(adult_twin):
    return adult_twin.sample(5000, seed=1)


def test_columns_domains_ranges_and_missing_rates(adult, adult_twin, adult_sample):
    assert list(adult_sample.columns) == list(adult.columns)
    assert len(adult_sample) == 5000
    for spec in adult_twin.schema.columns:
        real, fake = adult[spec.name], adult_sample[spec.name]
        assert abs(real.isna().mean() - fake.isna().mean()) < 0.015, spec.name
        if spec.kind.value == "categorical":
            assert set(fake.dropna()) <= set(real.dropna()), f"invented label in {spec.name}"
        else:
            numbers = pd.to_numeric(real)
            assert fake.dtype == "int64", spec.name
            assert numbers.min() <= fake.min() and fake.max() <= numbers.max(), spec.name


def test_shapes_close_to_real(adult, adult_twin, adult_sample):
    scores = column_shapes(
        coerce_table(adult, adult_twin.schema),
        coerce_table(adult_sample, adult_twin.schema),
        adult_twin.schema,
    )
    assert min(scores.values()) > 0.95, scores


def test_same_seed_identical_rows_other_seed_different(adult_twin, adult_sample):
    pd.testing.assert_frame_equal(adult_twin.sample(5000, seed=1), adult_sample)
    assert not adult_twin.sample(5000, seed=2).equals(adult_sample)


def test_large_samples_are_batched_deterministically(adult_twin):
    a = adult_twin.sample(150_000, seed=4)
    assert len(a) == 150_000 and a.index.equals(pd.RangeIndex(150_000))
    pd.testing.assert_frame_equal(a.tail(100), adult_twin.sample(150_000, seed=4).tail(100))


@pytest.mark.parametrize("model", ["argn", "copula"])
def test_same_seed_same_twin(adult, model):
    options = {"max_epochs": 3} if model == "argn" else {}
    one = datatwin.fit(adult.iloc[:3000], model=model, model_options=options, seed=5).sample(500, seed=0)
    two = datatwin.fit(adult.iloc[:3000], model=model, model_options=options, seed=5).sample(500, seed=0)
    pd.testing.assert_frame_equal(one, two)


def test_user_schema_sets_domain_and_bounds(adult, tmp_path):
    schema = datatwin.infer_schema(adult)
    path = tmp_path / "schema.json"
    edited = schema.to_dict()
    for column in edited["columns"]:
        if column["name"] == "age":
            column["maximum"] = 95
        if column["name"] == "race":
            column["categories"] = ["White", "Black"]
            column["other_label"] = "Other"
    path.write_text(__import__("json").dumps(edited))
    twin = datatwin.fit(adult, model="copula", schema=path, seed=0)
    rows = twin.sample(3000, seed=0)
    assert set(rows["race"]) == {"White", "Black", "Other"}
    assert twin.schema["age"].maximum == 95


def test_realistic_table_with_every_kind(people):
    twin = datatwin.fit(people, seed=0)
    rows = twin.sample(1000, seed=0)
    assert list(rows.columns) == list(people.columns)
    assert rows["customer_id"].is_unique
    assert not rows["email"].isin(people["email"]).any()
    assert not rows["city"].isin(["Reykjavik", "Ushuaia", "Nuuk"]).any()
    assert pd.to_datetime(rows["signup"], format="%d/%m/%Y %H:%M").notna().all()
    assert rows["last_seen"].dtype == people["last_seen"].dtype
    assert rows["member"].isin(["yes", "no"]).all()
    assert abs(rows["age"].isna().mean() - people["age"].isna().mean()) < 0.04


def test_titanic_never_reproduces_a_name(titanic):
    rows = datatwin.fit(titanic, seed=0).sample(2000, seed=0)
    assert not rows["Name"].isin(titanic["Name"]).any()
    assert rows["PassengerId"].is_unique


@pytest.mark.parametrize(
    ("frame", "error", "message"),
    [
        (pd.DataFrame({"a": [1]}), DataError, r"1 row\(s\); at least 5"),
        (pd.DataFrame({"a": [1, 2, 3, 4, 5], "b": [None] * 5}), SchemaError, "Column 'b' is empty"),
        (pd.DataFrame(), DataError, "empty"),
    ],
)
def test_bad_tables(frame, error, message):
    with pytest.raises(error, match=message):
        datatwin.fit(frame)


def test_bad_arguments(people):
    with pytest.raises(ConfigError, match="Unknown model 'gan'"):
        datatwin.fit(people, model="gan")
    with pytest.raises(ConfigError, match="seed"):
        datatwin.fit(people, seed=-1)
    with pytest.raises(ConfigError, match="DataFrame or a file path"):
        datatwin.fit([1, 2, 3])
    twin = datatwin.fit(people)
    for n in (0, -5):
        with pytest.raises(ConfigError, match="positive integer"):
            twin.sample(n)


@pytest.mark.parametrize(("model", "step"), [("copula", "learning marginals"), ("argn", "training")])
def test_progress_callback_hears_every_step(people, model, step):
    steps = []
    twin = datatwin.fit(people, model=model, progress=lambda step, done, total: steps.append((step, done, total)))
    twin.sample(10, progress=lambda step, done, total: steps.append((step, done, total)))
    names = {s for s, _, _ in steps}
    assert {"checking data", step, "sampling rows"} <= names
    assert ("sampling rows", 10, 10) in steps


def test_auto_picks_by_table_size(people):
    assert datatwin.fit(people).lineage.model == "argn"
    assert datatwin.fit(people.iloc[:50]).lineage.model == "copula"
    with pytest.raises(ConfigError, match="Name the model"):
        datatwin.fit(people, model_options={"hidden": 8})


def test_titles_with_a_long_tail_come_back_whole_and_never_a_one_off():
    """Short phrases with a long tail (job titles) were rebuilt word by word: most drawn
    titles were ones nobody had."""
    from tests.schema.test_infer import job_titles

    titles = job_titles()
    counts = titles.value_counts()
    rng = np.random.default_rng(1)
    frame = pd.DataFrame({"title": titles, "salary": rng.lognormal(11, 0.3, len(titles)).round(-2)})
    drawn = datatwin.fit(frame, model="copula", seed=0).sample(4000, seed=2)["title"]
    shared = counts[counts >= 5].index
    assert drawn.isin(shared).all()  # only titles many people share, none invented
    assert drawn.nunique() >= 0.9 * len(shared)  # and the tail of those, not just the head
