"""datatwin.evaluate on real data: ideals for unseen real rows, failures for leaks, clear errors."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import datatwin
from datatwin.errors import ConfigError, DataError
from datatwin.evaluate import Report, Status


@pytest.fixture(scope="module")
def unseen_report(adult_parts) -> Report:
    """Unseen real rows scored as if they were synthetic: every metric should sit at its ideal."""
    return datatwin.evaluate(
        adult_parts["train"], adult_parts["unseen"], adult_parts["holdout"], target="income", sensitive=["sex", "age"]
    )


def test_unseen_real_rows_land_at_the_ideals(unseen_report):
    value = lambda key, subject=None: unseen_report.metric(key, subject).value  # noqa: E731
    assert abs(value("detection") - 0.5) < 0.04
    assert abs(value("dcr_share") - 0.5) < 0.04
    assert abs(value("membership_inference") - 0.5) < 0.04
    assert value("column_shapes") > 0.97 and value("pair_trends") > 0.95
    assert value("utility") > 0.97 and value("invented_values") < 0.002
    assert unseen_report.privacy is Status.PASS
    assert unseen_report.score > 0.95


def test_every_section_is_measured_with_reasons_for_what_is_not(unseen_report):
    measured = {m.key for m in unseen_report.measured}
    assert {
        "column_shapes", "missing_values", "coverage", "invented_values", "pair_trends", "detection", "utility",
        "importance_agreement", "exact_copies", "dcr_share", "nndr", "near_copies", "membership_inference",
        "singling_out", "linkability", "attribute_inference", "fairness",
    } <= measured  # fmt: skip
    constraints = unseen_report.metric("constraints")
    assert constraints.status is Status.SKIPPED and "--schema" in constraints.summary


def test_details_hold_what_the_plots_need(unseen_report):
    shapes = unseen_report.metric("column_shapes").details["columns"]
    assert set(shapes) == set(unseen_report.context["columns_compared"])
    assert len(shapes["age"]["edges"]) == len(shapes["age"]["real"]) + 1
    assert shapes["sex"]["labels"] == ["Male", "Female"]
    trends = unseen_report.metric("pair_trends").details
    matrix = np.array(trends["association_real"], dtype=float)
    assert matrix.shape == (15, 15) and np.allclose(matrix, matrix.T)
    names = trends["columns"]
    assert matrix[names.index("education"), names.index("education-num")] > 0.9  # the same fact, twice
    assert set(unseen_report.metric("detection").details["giveaways"]) == set(names)
    groups = unseen_report.metric("fairness", "sex").details["groups"]
    assert {g["group"] for g in groups} == {"Male", "Female"}
    assert len(unseen_report.metric("fairness", "age").details["groups"]) == 4  # quartiles of a number


def test_a_noisy_copy_of_training_rows_fails_privacy(adult_parts, leaky):
    report = datatwin.evaluate(adult_parts["train"], leaky, adult_parts["holdout"], target="income")
    assert report.privacy is Status.FAIL
    for key in ("nndr", "near_copies", "dcr_share"):
        assert report.metric(key).status is Status.FAIL, key
    assert report.metric("near_copies").value > 0.5


def test_a_copy_of_the_real_table_fails_privacy_even_without_holdout(adult_parts):
    train = adult_parts["train"].iloc[:3000]
    report = datatwin.evaluate(train, train.sample(frac=1.0, random_state=0))
    copies = report.metric("exact_copies")
    assert copies.value == 1.0 and copies.status is Status.FAIL and report.privacy is Status.FAIL
    assert report.metric("dcr_share").status is Status.SKIPPED


def test_bias_amplified_in_the_synthetic_table_is_reported(adult_parts):
    synthetic = adult_parts["unseen"].copy()
    women = synthetic["sex"] == "Female"
    synthetic.loc[women, "income"] = "<=50K"  # no woman earns >50K any more
    report = datatwin.evaluate(adult_parts["train"], synthetic, target="income", sensitive=["sex"])
    fairness = report.metric("fairness", "sex")
    assert fairness.details["verdict"] == "amplified" and fairness.status is Status.FAIL
    assert fairness.details["synthetic_gap"] > fairness.details["real_gap"] + 0.05


def test_declared_rules_are_checked(adult_parts, tmp_path):
    schema = datatwin.infer_schema(adult_parts["train"])
    synthetic = adult_parts["unseen"].copy()
    synthetic.loc[:29, "age"] = "200"  # above the declared maximum
    synthetic.loc[30:39, "hours-per-week"] = "40.5"  # not a whole number
    report = datatwin.evaluate(adult_parts["train"], synthetic, schema=schema)
    rules = report.metric("constraints").details["broken_rules"]
    assert rules[f"age: above maximum {schema['age'].maximum}"] == 30
    assert rules["hours-per-week: not a whole number"] == 10
    assert report.metric("constraints").status is Status.FAIL


def test_regression_and_multiclass_targets(adult_parts):
    train, synthetic = adult_parts["train"].iloc[:3000], adult_parts["unseen"]
    regression = datatwin.evaluate(train, synthetic, target="age").metric("utility")
    assert regression.details["metric"] == "r2" and 0.8 < regression.value < 1.3
    multiclass = datatwin.evaluate(train, synthetic, target="race").metric("utility")
    assert multiclass.details["metric"] == "roc_auc" and multiclass.value > 0.9
    assert "20% of the real rows" in multiclass.details["test_rows"]


def test_json_round_trip_and_determinism(unseen_report, adult_parts):
    text = unseen_report.to_json()
    again = Report.from_json(text)
    assert again.to_json() == text
    data = json.loads(text)
    assert data["format"] == "datatwin.report" and data["privacy"] == "pass"
    assert set(data["sections"]) == {"fidelity", "utility", "privacy", "fairness", "constraints"}
    repeat = datatwin.evaluate(
        adult_parts["train"], adult_parts["unseen"], adult_parts["holdout"], target="income", sensitive=["sex", "age"]
    )
    assert repeat.to_json() == text


def test_thresholds_can_be_tightened(adult_parts):
    train, synthetic = adult_parts["train"].iloc[:2000], adult_parts["unseen"].iloc[:2000]
    strict = datatwin.evaluate(train, synthetic, thresholds={"column_shapes": (0.999, 0.998)})
    assert strict.metric("column_shapes").status is Status.FAIL
    with pytest.raises(ConfigError, match="No metric 'shape'"):
        datatwin.evaluate(train, synthetic, thresholds={"shape": (0.9, 0.8)})
    with pytest.raises(ConfigError, match="at least as good"):
        datatwin.evaluate(train, synthetic, thresholds={"detection": (0.8, 0.6)})


def test_bad_inputs_get_every_problem_named(adult_parts):
    train = adult_parts["train"].iloc[:500]
    with pytest.raises(DataError) as caught:
        datatwin.evaluate(train, train.drop(columns=["age"]).assign(extra=1), train.iloc[:0], target="salary")
    message = str(caught.value)
    for expected in ("holdout table has no rows", "lacks the real table's columns ['age']", "['extra']", "'salary'"):
        assert expected in message
    wrong_type = train.copy()
    wrong_type.loc[3, "fnlwgt"] = "lots"
    with pytest.raises(DataError, match=r"synthetic table: column 'fnlwgt'.*not numbers.*'lots'.*rows 3"):
        datatwin.evaluate(train, wrong_type)


def test_other_tools_output_with_typed_columns_is_read(adult_parts):
    typed = adult_parts["unseen"].iloc[:2000].copy()
    for column in ("age", "fnlwgt", "hours-per-week"):
        typed[column] = pd.to_numeric(typed[column]).astype(float)  # e.g. 39.0 from another tool
    report = datatwin.evaluate(adult_parts["train"].iloc[:2000], typed)
    assert report.metric("column_shapes").value > 0.95


def test_every_column_kind_is_handled(people, tmp_path):
    twin = datatwin.fit(people, model="copula", seed=0)
    report = datatwin.evaluate(people, twin.sample(400, seed=1), target="member", sensitive=["city"])
    assert report.context["columns_not_compared"] == {
        "customer_id": "id", "name": "pii", "email": "pii", "phone": "pii", "notes": "text",
    }  # fmt: skip
    shapes = report.metric("column_shapes").details["columns"]
    assert shapes["signup"]["datetime"] and shapes["last_seen"]["datetime"]
    assert shapes["signup"]["score"] > 0.8
    datatwin.save_report(report, tmp_path / "people.html")
    assert (tmp_path / "people.html").read_text().count("data:image/png;base64,") >= 6


def test_pair_trends_headline_counts_only_pairs_that_are_related_in_the_real_data():
    """A model that makes every column independent keeps the many unrelated pairs 'alike' and
    loses the one relation that matters: the headline must show the loss, not hide it."""
    rng = np.random.default_rng(0)
    n = 2000
    x = rng.normal(size=n)
    real = pd.DataFrame(
        {"x": x, "y": x + rng.normal(scale=0.2, size=n), **{f"z{i}": rng.normal(size=n) for i in range(6)}}
    )
    independent = pd.DataFrame({c: rng.permutation(real[c].to_numpy()) for c in real.columns})
    metric = datatwin.evaluate(real, independent).metric("pair_trends")
    assert metric.details["meaningful_pairs"] == 1  # x and y only
    assert metric.value < 0.6 < 0.9 < metric.details["all_pairs_mean"]


def test_a_label_column_with_hundreds_of_labels_is_scored_not_a_crash():
    """Gradient boosting takes at most 255 labels as categories: utility gave it 320 and failed."""
    rng = np.random.default_rng(2)
    n = 3000
    shop = rng.integers(0, 320, n)
    real = pd.DataFrame({"shop": [f"shop {s}" for s in shop], "spend": rng.gamma(2, 50, n).round(2)})
    real["returned"] = np.where(rng.random(n) < 0.1 + 0.3 * (shop % 4 == 0), "yes", "no")
    synthetic = real.sample(frac=1.0, random_state=1).reset_index(drop=True)
    report = datatwin.evaluate(real.iloc[:2000], synthetic.iloc[:2000], real.iloc[2000:], target="returned")
    assert 0.5 < report.metric("utility").details["real_score"] <= 1.0


def test_large_tables_are_compared_on_samples_and_the_report_says_so(adult, tmp_path):
    adult.to_parquet(tmp_path / "real.parquet", index=False)
    adult.sample(frac=1.0, random_state=3).to_csv(tmp_path / "synthetic.csv", index=False)
    report = datatwin.evaluate(tmp_path / "real.parquet", tmp_path / "synthetic.csv", max_rows=4000, seed=1)
    assert report.context["rows"]["real"] == report.context["rows"]["synthetic"] == 4000
    assert report.context["sampled_from"] == {"real": len(adult), "synthetic": len(adult)}
    assert report.metric("column_shapes").value > 0.95  # two samples of the same rows
    datatwin.save_report(report, tmp_path / "r.html")
    assert f"random samples of real (4,000 of {len(adult):,} rows)" in (tmp_path / "r.html").read_text()
    frames = datatwin.evaluate(adult, adult.iloc[:3000], max_rows=5000)
    assert frames.context["sampled_from"] == {"real": len(adult)} and frames.context["rows"]["synthetic"] == 3000
    with pytest.raises(datatwin.ConfigError, match="max_rows samples rows, which would cut sequences apart"):
        datatwin.evaluate(adult, adult, order="age", max_rows=100)
