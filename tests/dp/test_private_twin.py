"""A differentially private twin end to end: one ledger that never passes the budget, saved in
the twin; a released file that holds nothing the ledger did not pay for; sampling (conditions
and rebalancing included) as post-processing; one clear line for each bad request."""

from __future__ import annotations

import json
import re
import zipfile

import pandas as pd
import pytest

import datatwin
from datatwin.conditions import Range
from datatwin.errors import ConfigError, PrivacyBudgetError
from datatwin.pipeline.private import WITHHELD
from datatwin.schema import ColumnKind, ColumnSpec, Schema
from tests.conftest import shared_path

pytest.importorskip("mbi")

COLUMNS = ["age", "sex", "race", "hours-per-week", "income"]
QUICK = {"rounds_per_column": 3}


@pytest.fixture(scope="module")
def adult() -> pd.DataFrame:
    """Adult as a CSV reader gives it: every column text."""
    table = pd.read_csv(shared_path("adult/adult.csv.gz"), usecols=COLUMNS).sample(4000, random_state=0)
    return table.astype(str).reset_index(drop=True)


@pytest.fixture(scope="module")
def twin(adult):
    return datatwin.fit(adult, epsilon=1.0, model="aim", model_options=QUICK)


def _file_text(path) -> str:
    with zipfile.ZipFile(path) as archive:
        return archive.read("twin.json").decode("utf-8")


def test_the_ledger_never_passes_the_budget_and_lists_every_release(twin):
    ledger = twin.privacy
    assert ledger is not None and ledger.unit == "row"
    assert ledger.spent <= ledger.budget * (1 + 1e-9)
    assert ledger.epsilon_spent() <= 1.0 + 1e-6
    groups = {what for what, _, _ in ledger.summary()}
    assert {"kinds", "bounds", "labels", "row count", "shapes", "marginals", "marginal selection"} <= groups
    kinds = {c.name: c.kind for c in twin.schema.columns}  # text columns' kinds bought: numbers stay numbers
    assert kinds["age"] is ColumnKind.INTEGER and kinds["sex"] is ColumnKind.CATEGORICAL
    assert twin.lineage.source_sha256 == WITHHELD and twin.lineage.n_rows != 0


def test_saved_with_its_ledger_and_sampling_is_repeatable(twin, tmp_path):
    twin.save(tmp_path / "dp.twin")
    loaded = datatwin.load(tmp_path / "dp.twin")
    assert loaded.privacy is not None and loaded.privacy.to_dict() == twin.privacy.to_dict()
    assert loaded.sample(300, seed=5).equals(twin.sample(300, seed=5))
    document = json.loads(_file_text(tmp_path / "dp.twin"))
    assert document["privacy"]["epsilon"] == 1.0 and document["privacy"]["spends"]


def test_conditions_and_rebalancing_stay_post_processing(twin, adult):
    rows = twin.sample(400, seed=1, conditions={"sex": "Female", "age": Range(30, 39)})
    assert set(rows["sex"]) == {"Female"} and rows["age"].between(30, 39).all()
    spent = twin.privacy.spent
    balanced = twin.sample(2000, seed=2, rebalance="income")
    assert balanced["income"].value_counts(normalize=True).min() > 0.45
    assert twin.privacy.spent == spent  # sampling spends nothing


def test_the_twin_learns_the_data(twin, adult):
    rows = twin.sample(4000, seed=3)
    real = adult.assign(age=adult["age"].astype(int))
    assert abs(rows["age"].astype(float).mean() - real["age"].mean()) < 3
    share = lambda frame: (frame["income"] == ">50K").mean()  # noqa: E731
    assert abs(share(rows) - share(adult)) < 0.05
    hours = lambda frame: (frame["hours-per-week"].astype(float) == 40).mean()  # noqa: E731
    assert abs(hours(rows) - hours(adult)) < 0.08  # a spike inside a bin survives, from the DP shape
    men = rows[rows["sex"] == "Male"]
    women = rows[rows["sex"] == "Female"]
    assert share(men) > share(women) + 0.05  # a pair trend, learnt through a measured marginal


def test_the_released_file_holds_no_unpaid_value(adult, tmp_path):
    """One row with an extreme value and a unique label changes nothing the file shows
    deterministically: neither appears, the bounds are not the data's, and two fits on the
    same data differ (the noise is not the seed's)."""
    outlier = pd.DataFrame(
        [{"age": "1234567", "sex": "Female", "race": "Zanzibari-Xq", "hours-per-week": "40", "income": ">50K"}]
    )
    neighbour = pd.concat([adult, outlier], ignore_index=True)
    paths = []
    for i, data in enumerate([adult, neighbour, neighbour]):
        fitted = datatwin.fit(data, epsilon=1.0, model="aim", model_options=QUICK, seed=0)
        fitted.save(tmp_path / f"{i}.twin")
        paths.append(tmp_path / f"{i}.twin")
    texts = [_file_text(p) for p in paths]
    for text in texts[1:]:
        assert "Zanzibari" not in text and "1234567" not in text
    ages = [datatwin.load(p).schema["age"] for p in paths]
    assert all(a.maximum < 1000 for a in ages)
    real_ages = adult["age"].astype(int)
    assert all((a.minimum, a.maximum) != (real_ages.min(), real_ages.max()) for a in ages)
    assert paths[1].read_bytes() != paths[2].read_bytes()  # same data, same seed: different noise
    assert datatwin.load(paths[1]).lineage.n_rows != len(neighbour) or datatwin.load(paths[2]).lineage.n_rows != len(
        neighbour
    )


def test_declared_bounds_and_labels_cost_nothing(adult):
    schema = Schema(
        (
            ColumnSpec("age", ColumnKind.INTEGER, minimum=17, maximum=90),
            ColumnSpec("sex", ColumnKind.CATEGORICAL, categories=("Female", "Male")),
        )
    )
    fitted = datatwin.fit(adult[["age", "sex"]], epsilon=1.0, schema=schema, model="aim", model_options=QUICK)
    groups = {what for what, _, _ in fitted.privacy.summary()}
    assert groups == {"row count", "shapes", "marginals", "marginal selection"}
    assert (fitted.schema["age"].minimum, fitted.schema["age"].maximum) == (17, 90)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"epsilon": 0}, "epsilon must be a positive number"),
        ({"epsilon": "one"}, "epsilon must be a positive number"),
        ({"epsilon": float("nan")}, "epsilon must be a positive number"),
        ({"epsilon": 1.0, "delta": 0.01}, "delta = 0.01 is not below 1/n"),
        ({"epsilon": 1.0, "delta": -1}, "delta must be a number between 0 and 1"),
        ({"epsilon": 1.0, "dp_bounds": False}, "Column(s) ['age', 'hours-per-week'] have no declared minimum"),
        ({"epsilon": 1.0, "model": "copula"}, "Model 'copula' cannot train under differential privacy"),
        ({"epsilon": 1.0, "entity": "race", "order": "age"}, "Sequence twins cannot be fitted under differential"),
        ({"epsilon": 1.0, "rules": [{"type": "order", "columns": ["age", "hours-per-week"]}]}, "does not hold rules"),
    ],
)
def test_bad_requests_get_one_clear_line(adult, options, message):
    with pytest.raises(ConfigError, match=re.escape(message)):
        datatwin.fit(adult, **options)


def test_a_budget_too_small_to_learn_anything_says_what_to_change(adult):
    with pytest.raises(PrivacyBudgetError, match="raise epsilon"):  # too small to find bounds or labels
        datatwin.fit(adult.head(200), epsilon=0.01, delta=1e-6)
    declared = Schema(
        (
            ColumnSpec("sex", ColumnKind.CATEGORICAL, categories=("Female", "Male")),
            ColumnSpec("income", ColumnKind.CATEGORICAL, categories=("<=50K", ">50K")),
        )
    )
    with pytest.raises(PrivacyBudgetError, match="even its number of rows drowns in the noise; raise epsilon"):
        datatwin.fit(adult[["sex", "income"]].head(300), epsilon=0.001, delta=1e-6, schema=declared, model="aim")


def test_a_model_that_needs_a_budget_says_so(adult):
    with pytest.raises(ConfigError, match=re.escape("fit it with a privacy budget (epsilon=...)")):
        datatwin.fit(adult, model="aim")


def test_the_cli_fits_under_dp_and_prints_the_ledger(adult, tmp_path):
    from typer.testing import CliRunner

    from datatwin.cli.main import app

    adult.to_csv(tmp_path / "adult.csv", index=False)
    runner = CliRunner()
    result = runner.invoke(
        app, ["fit", str(tmp_path / "adult.csv"), "-o", str(tmp_path / "t.twin"), "--epsilon", "2", "--delta", "1e-7"]
    )
    assert result.exit_code == 0, result.output
    assert "Differential privacy: (ε = 2 of 2, δ = 1e-07), one row being the unit" in result.output
    assert "marginals:" in result.output
    refused = runner.invoke(
        app, ["fit", str(tmp_path / "adult.csv"), "-o", str(tmp_path / "u.twin"), "--delta", "1e-7"]
    )
    assert refused.exit_code != 0 and "--delta apply to a DP fit: add --epsilon" in refused.output
    sampled = runner.invoke(app, ["sample", str(tmp_path / "t.twin"), "-n", "50", "-o", str(tmp_path / "rows.csv")])
    assert sampled.exit_code == 0, sampled.output
    assert list(pd.read_csv(tmp_path / "rows.csv").columns) == list(adult.columns)


def test_the_report_states_the_guarantee_and_what_it_does_not_cover(twin, adult, tmp_path):
    from datatwin.report import save_report

    synthetic = twin.sample(1000, seed=4)
    report = datatwin.evaluate(adult.head(1000), synthetic, adult.tail(500), privacy=twin.privacy)
    stated = report.to_dict()["differential_privacy"]
    assert stated["unit"] == "row" and stated["epsilon"] == 1.0 and stated["epsilon_spent"] <= 1.0 + 1e-6
    assert "not themselves private" in stated["does_not_cover"]
    save_report(report, tmp_path / "r.html")
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "Differential privacy" in page and "Does not cover" in page and "marginals" in page
    assert type(report).from_json(report.to_json()).guarantee == report.guarantee


def test_argn_trains_under_dp_sgd_within_its_share(adult):
    fitted = datatwin.fit(adult, epsilon=1.0, model="argn", model_options={"dp_epochs": 1, "dp_batch_size": 256})
    steps = [s for s in fitted.privacy.spends if s.what.startswith("gradient steps")]
    assert len(steps) == 1 and steps[0].details["noise_multiplier"] > 0.5
    assert fitted.privacy.spent <= fitted.privacy.budget * (1 + 1e-9)
    assert fitted.model.history_ == []  # no loss leaves the fit
    rows = fitted.sample(500, seed=0)
    assert list(rows.columns) == list(adult.columns) and rows["age"].dropna().between(0, 200).all()


def test_database_twins_under_dp_are_refused_with_what_is_not_covered(tmp_path):
    import sqlite3

    from typer.testing import CliRunner

    from datatwin.cli.main import app

    with sqlite3.connect(tmp_path / "shop.db") as connection:
        connection.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, city TEXT)")
        connection.executemany("INSERT INTO customers VALUES (?, ?)", [(i, f"c{i % 3}") for i in range(50)])
    result = CliRunner().invoke(
        app, ["fit", f"sqlite:///{tmp_path / 'shop.db'}", "-o", str(tmp_path / "t.twin"), "--epsilon", "1"]
    )
    assert result.exit_code != 0
    assert "Database twins cannot be fitted under differential privacy yet" in result.output
