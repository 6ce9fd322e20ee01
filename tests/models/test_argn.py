"""The autoregressive model on real data: fidelity floors, exact conditions, rebalancing."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

import datatwin
from datatwin import models
from datatwin.conditions import Range, parse_where
from datatwin.errors import ConfigError
from datatwin.evaluate import column_shapes, detection_auc
from datatwin.schema import coerce_table


@pytest.fixture(scope="module")
def twin(adult):
    return datatwin.fit(adult, model="argn", model_options={"max_epochs": 4}, seed=0)


def test_quality_floor_after_a_few_epochs(adult, twin):
    rows = twin.sample(8000, seed=0)
    real = coerce_table(adult, twin.schema)
    fake = coerce_table(rows.astype(object).astype(str).where(rows.notna(), None), twin.schema)
    shapes = column_shapes(real, fake, twin.schema)
    assert np.mean(list(shapes.values())) > 0.97, shapes
    assert detection_auc(real.iloc[:8000], fake, twin.schema) < 0.75


def test_exact_conditions_even_for_rare_labels(twin, adult):
    rows = twin.sample(2000, seed=1, conditions={"native-country": "Honduras", "age": Range(30, 39)})
    assert (rows["native-country"] == "Honduras").all()
    assert rows["age"].between(30, 39).all()
    assert adult["native-country"].eq("Honduras").sum() < 20  # rare in the data, yet no rejection needed


def test_where_expression_and_exclusive_bounds(twin):
    rows = twin.sample(3000, seed=2, conditions=parse_where("income == '>50K' and `hours-per-week` > 40 and age < 30"))
    assert (rows["income"] == ">50K").all()
    assert (rows["hours-per-week"] >= 41).all() and (rows["age"] <= 29).all()


def test_conditioning_keeps_relationships(twin):
    rich = twin.sample(4000, seed=3, conditions={"income": ">50K"})
    poor = twin.sample(4000, seed=3, conditions={"income": "<=50K"})
    assert rich["education-num"].mean() > poor["education-num"].mean() + 1
    missing = twin.sample(500, seed=4, conditions={"workclass": None})
    assert missing["workclass"].isna().all() and missing["occupation"].isna().mean() > 0.9


def test_rebalance(twin):
    rows = twin.sample(10_001, seed=5, rebalance="income")
    assert rows["income"].value_counts().to_dict() == {"<=50K": 5001, ">50K": 5000}
    rows = twin.sample(1000, seed=5, rebalance="income", ratio=0.4)
    assert rows["income"].value_counts()[">50K"] == 400
    pd.testing.assert_frame_equal(rows, twin.sample(1000, seed=5, rebalance="income", ratio=0.4))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"conditions": {"income": "rich"}}, "no label 'rich'"),
        ({"conditions": {"age": Range(200, 300)}}, "no value within its range"),
        ({"conditions": {"age": ["a", "b"]}}, "list of values works for labels only"),
        ({"conditions": {"nope": 1}}, r"unknown column\(s\) \['nope'\]"),
        ({"conditions": {"age": None}}, "no missing values"),
        ({"rebalance": "age"}, "Only a categorical or boolean column"),
        ({"rebalance": "income", "ratio": 1.5}, "ratio must be a share"),
        ({"ratio": 0.3}, "name the column with rebalance"),
    ],
)
def test_bad_requests(twin, kwargs, message):
    with pytest.raises(ConfigError, match=message):
        twin.sample(10, **kwargs)


def test_never_generates_unseen_codes(people):
    rows = datatwin.fit(people, model="argn", seed=0).sample(3000, seed=0)
    assert rows["member"].notna().all()  # the missing code exists but was never seen
    assert rows["city"].isin(["Berlin", "Lisbon", "Osaka", "Lagos"]).all()


def test_copula_refuses_conditions(people):
    twin = datatwin.fit(people, model="copula")
    with pytest.raises(ConfigError, match="cannot sample conditionally"):
        twin.sample(5, conditions={"member": "yes"})


def test_time_budget_is_respected(adult):
    import time

    started = time.perf_counter()
    twin = datatwin.fit(adult, model="argn", max_time=2, seed=0)
    assert time.perf_counter() - started < 30
    assert len(twin.model.history_) < 100


@pytest.fixture(scope="module")
def bills():
    """Credit-card months: the bill carries over unchanged in ~30% of rows, the payment settles
    the previous bill exactly in ~20%, September's bill is within 3% of August's in ~40%,
    otherwise they wander."""
    rng = np.random.default_rng(5)
    n = 4000
    july = np.round(rng.lognormal(9, 1.2, n))
    august = np.where(rng.random(n) < 0.3, july, np.round(july * rng.lognormal(0, 0.3, n)))
    payment = np.where(rng.random(n) < 0.2, july, np.round(rng.lognormal(7, 1.0, n)))
    drift = np.where(rng.random(n) < 0.4, rng.uniform(0.97, 1.03, n), rng.lognormal(0, 0.6, n))
    return pd.DataFrame({"limit": rng.choice([1e4, 5e4, 1e5], n), "bill_jul": july, "bill_aug": august,
                         "paid_aug": payment, "bill_sep": np.round(august * drift)})  # fmt: skip


def _near_share(rows: pd.DataFrame) -> float:
    return float(((rows["bill_sep"] / rows["bill_aug"] - 1).abs() <= 0.03).mean())


@pytest.mark.parametrize("links", [True, False])
def test_equality_between_columns_is_kept(bills, links):
    twin = datatwin.fit(bills, model="argn", model_options={"equality_links": links}, seed=0)
    rows = twin.sample(4000, seed=1)
    carried = (rows["bill_aug"] == rows["bill_jul"]).mean()
    settled = (rows["paid_aug"] == rows["bill_jul"]).mean()
    if links:
        assert abs(carried - 0.3) < 0.05 and abs(settled - 0.2) < 0.05
        assert abs(_near_share(rows) - _near_share(bills)) < 0.05, (_near_share(rows), _near_share(bills))
    else:  # bins alone cannot say "equal", nor "within 3%": what the links are for
        assert carried < 0.1 and settled < 0.1
        assert _near_share(rows) < _near_share(bills) - 0.1, (_near_share(rows), _near_share(bills))


def test_equality_links_survive_save_and_load(bills, tmp_path):
    twin = datatwin.fit(bills, model="argn", model_options={"max_epochs": 3}, seed=0)
    twin.save(tmp_path / "bills.twin")
    again = datatwin.load(tmp_path / "bills.twin")
    pd.testing.assert_frame_equal(twin.sample(500, seed=2), again.sample(500, seed=2))
    assert (again.sample(2000, seed=3).eval("bill_aug == bill_jul")).mean() > 0.15


@pytest.fixture(scope="module")
def bills_twin(bills):
    return datatwin.fit(bills, model="argn", model_options={"max_epochs": 15}, seed=0)


def test_the_sampling_tables_come_with_the_model_not_its_first_sample(bills_twin, tmp_path, monkeypatch):
    """The first-layer tables are built when the model is fitted or loaded, so that the first
    sample pays nothing more than the next one."""
    from datatwin.models._argn_net import FusedHeads

    bills_twin.save(tmp_path / "bills.twin")
    loaded = datatwin.load(tmp_path / "bills.twin")
    built, build = [], FusedHeads.first_layer_tables
    monkeypatch.setattr(FusedHeads, "first_layer_tables", lambda net, stack=None: built.append(1) or build(net, stack))
    pd.testing.assert_frame_equal(bills_twin.sample(300, seed=1), loaded.sample(300, seed=1))
    assert built == []


def test_links_are_drawn_last_and_never_inputs(bills_twin):
    model = bills_twin.model
    links = len(model.links_.equal)
    net = model.net_
    assert links >= 2 and net.n_inputs == len(model.columns_) == net.p - links
    assert net.heads.w1.shape[:2] == (net.n_inputs, net.n_inputs * net.width)
    assert net.link_heads.w1.shape[:2] == (links, net.n_inputs * net.width)


def test_a_condition_on_a_linked_column_holds(bills_twin):
    rows = bills_twin.sample(3000, seed=4, conditions={"paid_aug": Range(2000, 20_000)})
    assert rows["paid_aug"].between(2000, 20_000).all()
    settled = rows["paid_aug"] == rows["bill_jul"]
    assert settled.mean() > 0.1  # the payment still settles July's bill when that bill fits
    assert rows.loc[settled, "bill_jul"].between(2000, 20_000).all()


def test_sampling_in_a_row_by_row_context(twin, adult):
    context = adult[["education", "sex", "age"]].iloc[:3000].reset_index(drop=True)
    rows = twin.sample(3000, seed=5, context=context)
    assert (rows["education"] == context["education"]).all() and (rows["sex"] == context["sex"]).all()
    assert (rows["age"] == context["age"].astype(int)).all()
    rich = rows["income"].eq(">50K")
    assert (
        rich[rows["education"].isin(["Doctorate", "Masters"])].mean()
        > rich[rows["education"] == "HS-grad"].mean() + 0.2
    )
    again = twin.sample(3000, seed=5, context=context)
    pd.testing.assert_frame_equal(rows, again)


def test_context_mistakes_are_named(twin, adult):
    context = adult[["education"]].iloc[:10]
    with pytest.raises(ConfigError, match="10 rows for 20 rows"):
        twin.sample(20, context=context)
    with pytest.raises(ConfigError, match="'salary' is not in the twin's table"):
        twin.sample(10, context=context.assign(salary=1))
    with pytest.raises(ConfigError, match="both context and condition"):
        twin.sample(10, context=context, conditions={"education": "Masters"})
    copula = datatwin.fit(adult.iloc[:500], model="copula", seed=0)
    with pytest.raises(ConfigError, match="cannot sample in a context"):
        copula.sample(10, context=context)


@pytest.mark.parametrize("value", [0, 1.5, "half"])
def test_learning_rate_decay_is_checked(value):
    with pytest.raises(ConfigError, match=r"argn option 'lr_decay' must be a number in \[0.01, 1.0\]"):
        models.create("argn", {"lr_decay": value})


def _given_and_drawn(n: int = 4000, seed: int = 0):
    from datatwin.encoded import EncodedColumn, EncodedTable

    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    label = (x + rng.normal(scale=0.3, size=n) > 0).astype(np.int64)
    y = 2 * x + rng.normal(scale=0.2, size=n)
    columns = (
        EncodedColumn("x", "continuous"),
        EncodedColumn("label", "discrete", 2),
        EncodedColumn("y", "continuous"),
    )
    return EncodedTable(columns, {"x": x, "label": label, "y": y}, n_rows=n)


def test_declared_context_is_always_given_and_never_learnt():
    table = _given_and_drawn()
    model = models.create("argn", {"max_epochs": 20}).fit(table, seed=0, context=["x"])
    assert model.context_ == ("x",)
    x = np.linspace(-2, 2, 2000)
    drawn = model.sample(2000, seed=1, context={"x": x})
    assert np.array_equal(drawn.data["x"], x)
    assert np.corrcoef(x, drawn.data["y"])[0, 1] > 0.9
    assert drawn.data["label"][x > 1].mean() > 0.9 and drawn.data["label"][x < -1].mean() < 0.1
    with pytest.raises(ConfigError, match="given .*'x'.* as context"):
        model.sample(10, seed=0)
    restored = type(model).from_state(model.to_state())
    assert np.array_equal(
        restored.sample(50, seed=2, context={"x": x[:50]}).data["y"],
        model.sample(50, seed=2, context={"x": x[:50]}).data["y"],
    )


def test_context_must_name_columns_and_the_copula_takes_none():
    table = _given_and_drawn(500)
    with pytest.raises(ConfigError, match="not columns of the table"):
        models.create("argn", {"max_epochs": 1}).fit(table, seed=0, context=["z"])
    with pytest.raises(ConfigError, match="takes no context"):
        models.create("copula").fit(table, seed=0, context=["x"])


def test_the_cosine_schedule_warms_up_then_decays_and_plans_its_steps():
    from datatwin.models.argn import MAX_STEPS, MIN_STEPS, ArgnConfig, cosine_rate, planned_epochs

    rates = [cosine_rate(0.01, done) for done in np.linspace(0, 1, 201)]
    peak = int(np.argmax(rates))
    assert rates[0] == pytest.approx(0.001) and max(rates) == pytest.approx(0.01, rel=1e-3)
    assert all(a <= b for a, b in itertools.pairwise(rates[: peak + 1]))  # warm-up
    assert all(a >= b for a, b in itertools.pairwise(rates[peak:]))  # then down
    assert rates[-1] == pytest.approx(0.0002)
    config = ArgnConfig(schedule="cosine", epochs=40, max_epochs=300)
    assert planned_epochs(config, 40) == 40  # a mid-sized table: the epochs asked for
    assert planned_epochs(config, 5) * 5 >= MIN_STEPS  # a small table: enough steps
    assert planned_epochs(config, 4000) * 4000 <= MAX_STEPS + 4000  # a large one: a few long epochs
    assert planned_epochs(ArgnConfig(schedule="cosine", max_epochs=20), 5) == 20


@pytest.mark.parametrize(("option", "value"), [("schedule", "step"), ("epochs", 0)])
def test_schedule_options_are_checked(option, value):
    with pytest.raises(ConfigError, match=f"argn option '{option}'"):
        models.create("argn", {option: value})
