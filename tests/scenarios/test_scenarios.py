"""Scenario runs end to end: labels exact, balances kept, same seed same bytes, clear errors."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

import datatwin
from datatwin.cli.main import app
from datatwin.errors import ConfigError
from datatwin.evaluate.scenario import evaluate_scenario, read_run
from datatwin.scenarios import TYPOLOGIES, scenario_from_mapping

pytest.importorskip("simpy")


def payments(**changes):
    scenario = {
        "world": "payments",
        "days": 4,
        "population": {"size": 400},
        "settings": {"merchants": 80},
        "typologies": [
            {"type": "card_testing", "prevalence": 0.01},
            {"type": "account_takeover", "prevalence": 0.005},
            {"type": "structuring", "prevalence": 0.005, "camouflage": 0.2, "params": {"days": 1}},
        ],
    }
    return scenario | changes


def network(**changes):
    scenario = {
        "world": "network",
        "days": 3,
        "start": "2026-01-05",
        "population": {"size": 150},
        "settings": {"servers": 14, "outside_hosts": 300},
        "typologies": [
            {"type": "password_spraying", "prevalence": 0.05, "params": {"targets": 10}},
            {"type": "beaconing", "prevalence": 0.01, "params": {"period": 1800}},
        ],
    }
    return scenario | changes


def digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.is_file()}


def test_labels_reconcile_with_the_ground_truth(tmp_path):
    run = datatwin.simulate(payments(), tmp_path / "world")
    manifest, tables = read_run(tmp_path / "world")
    events, truth = tables["transactions"], tables["ground_truth"]
    labelled = events[events["instance_id"].notna()]
    assert run.labelled["transactions"] == len(labelled) > 0
    counts = labelled["instance_id"].astype(int).value_counts().sort_index()
    assert counts.to_dict() == truth.set_index("instance_id")["events"].astype(int).to_dict()
    assert set(labelled["scenario"]) == set(truth["scenario"]) and (truth["events"] > 0).all()
    assert set(truth["scenario"]) <= {"card_testing", "account_takeover", "structuring"}
    assert events["scenario"].isna().equals(events["role"].isna())
    assert set(labelled["role"]) <= {"victim", "launderer"}
    assert manifest["rows"]["transactions"] == len(events)
    assert events["time"].is_monotonic_increasing
    assert events["transaction_id"].is_unique


def test_card_payments_are_present_or_not_by_their_merchants_category(tmp_path):
    scenario = payments(typologies=[{"type": "card_testing", "prevalence": 0.02, "camouflage": 1.0}])
    datatwin.simulate(scenario, tmp_path / "world")
    tables = read_run(tmp_path / "world")[1]
    cards = tables["transactions"][tables["transactions"]["type"] == "card"]
    share = tables["merchants"].set_index("merchant_id")["card_not_present_share"]
    online = cards["channel"] == "online"
    normal, tests = cards[cards["scenario"].isna()], cards[cards["scenario"] == "card_testing"]
    assert (
        share[normal.loc[online, "merchant_id"]].gt(0).all() and share[normal.loc[~online, "merchant_id"]].lt(1).all()
    )
    assert {"grocery", "online_retail"} <= set(normal.loc[online, "merchant_category"])
    assert (tests["channel"] == "online").all() and share[tests["merchant_id"]].gt(0).all()
    assert tests["merchant_category"].nunique() > 2  # camouflaged: wherever cards are taken online


def test_every_event_keeps_its_balance_identity(tmp_path):
    datatwin.simulate(payments(), tmp_path / "world")
    events = read_run(tmp_path / "world")[1]["transactions"]
    approved = events["status"] == "approved"
    credit = events["type"].isin(["salary", "cash_deposit"])
    change = np.where(approved, np.where(credit, events["amount"], -events["amount"]), 0.0)
    assert np.allclose(events["balance_after"] - events["balance_before"], change, atol=0.011)
    # a payee's next balance includes what it received
    assert (events["balance_after"] > 0).mean() > 0.9


def test_same_seed_same_bytes_other_seed_other_world(tmp_path):
    datatwin.simulate(payments(), tmp_path / "a", seed=3)
    datatwin.simulate(payments(), tmp_path / "b", seed=3)
    datatwin.simulate(payments(), tmp_path / "c", seed=4)
    first, second, third = digest(tmp_path / "a"), digest(tmp_path / "b"), digest(tmp_path / "c")
    assert {k: v for k, v in first.items() if k != "scenario.json"} == {
        k: v for k, v in second.items() if k != "scenario.json"
    }
    assert first["transactions.parquet"] != third["transactions.parquet"]


@pytest.mark.parametrize("name", sorted(TYPOLOGIES))
def test_every_typology_writes_labelled_events(tmp_path, name):
    kind = TYPOLOGIES[name]
    base = payments if kind.world == "payments" else network
    scenario = base(typologies=[{"type": name, "prevalence": 0.01, "start": 0, "duration": 1}])
    run = datatwin.simulate(scenario, tmp_path / "world", days=3)
    assert run.instances >= 1
    assert sum(run.labelled.values()) > 0
    truth = read_run(tmp_path / "world")[1]["ground_truth"]
    assert (truth["scenario"] == name).all() and truth["actors"].str.len().gt(0).all()


def test_network_world_logs_and_evaluation(tmp_path):
    datatwin.simulate(network(), tmp_path / "world")
    datatwin.simulate(network(seed=9), tmp_path / "fresh")
    tables = read_run(tmp_path / "world")[1]
    assert {"auth", "flows", "users", "hosts", "ground_truth"} <= set(tables)
    flows = tables["flows"]
    assert flows.loc[flows["dst_host"].isna(), "dst_ip"].str.match(r"^\d+\.\d+\.\d+\.\d+$").all()
    report = evaluate_scenario(tmp_path / "world", fresh=tmp_path / "fresh")
    assert report.metric("scenario_labels").value == 0
    audits = [m for m in report.metrics if m.key == "shortcut_auc" and m.value is not None]
    assert {m.subject for m in audits} >= {
        "auth: time",
        "auth: outcome",
        "flows: bytes_out",
        "flows: identifier formats",
    }
    assert all(0.0 <= m.value <= 1.0 for m in audits)
    assert any(m.key == "detector_recall" and m.value is not None for m in report.metrics)
    rhythms = {m.subject: m.value for m in report.metrics if m.key == "rhythm"}
    assert set(rhythms) == {"auth", "flows", "auth: hours", "flows: hours", "flows: bytes_out"}
    assert all(value < 0.1 for value in rhythms.values()), rhythms  # the normal world keeps the rules' rhythm
    bytes_out = next(m for m in audits if m.subject == "flows: bytes_out")
    assert set(bytes_out.details["instances"]) == {"beaconing"}  # too few instances is said: it may under-report
    assert (bytes_out.details["instances"]["beaconing"] < 6) == ("too few instances" in bytes_out.summary)


def test_sprayed_accounts_that_crack_are_then_used(tmp_path):
    params = {"targets": 40, "passwords": 2, "success_rate": 0.5, "use": 3}
    spraying = {"type": "password_spraying", "prevalence": 0.03, "start": 0, "duration": 1, "params": params}
    scenario = network(days=6, typologies=[spraying])  # started on day one: nothing cut off at the end
    datatwin.simulate(scenario, tmp_path / "world")
    tables = read_run(tmp_path / "world")[1]
    auth, kind = tables["auth"], tables["hosts"].set_index("host")["kind"]
    sprays = auth[auth["scenario"] == "password_spraying"]
    assert sprays["instance_id"].nunique() >= 1
    for _, spray in sprays.groupby("instance_id"):
        at_dc = kind[spray["dst_host"]].eq("dc").to_numpy()
        guesses, used = spray[at_dc], spray[~at_dc]
        cracked = set(guesses.loc[guesses["outcome"] == "success", "user"])
        assert len(guesses) == 2 * 40 and len(used) == 3 * len(cracked) > 0
        assert (used["outcome"] == "success").all() and set(used["user"]) == cracked
        assert set(spray["src_host"]) == {guesses["src_host"].iloc[0]}  # all from the spraying host
        assert kind[used["dst_host"]].isin(["file", "mail", "app", "database"]).all()


def test_population_drawn_from_a_twin(tmp_path):
    rng = np.random.default_rng(0)
    customers = pd.DataFrame(
        {
            "age": rng.integers(18, 90, 500),
            "balance": np.round(rng.lognormal(7, 1, 500), 2),
            "job": rng.choice(["admin", "technician", "services"], 500),
        }
    )
    twin = datatwin.fit(customers, model="copula", seed=0)
    scenario = payments(population={"size": 300, "roles": {"wealth": "balance"}})
    datatwin.simulate(scenario, tmp_path / "world", twin=twin)
    written = read_run(tmp_path / "world")[1]["customers"]
    plain = twin.sample(300, seed=0)
    pd.testing.assert_frame_equal(written[list(plain.columns)], plain, check_dtype=False)
    with pytest.raises(ConfigError, match=r"no column 'wealth' for the role 'wealth'.*numeric columns: age, balance"):
        datatwin.simulate(payments(population={"size": 300}), tmp_path / "other", twin=twin)
    twin.save(tmp_path / "customers.twin")
    result = CliRunner().invoke(
        app,
        ["simulate", "payments", "-o", str(tmp_path / "cli"), "--days", "2", "--twin", str(tmp_path / "customers.twin"),
         "--role", "wealth=balance"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "job" in read_run(tmp_path / "cli")[1]["customers"].columns
    result = CliRunner().invoke(app, ["simulate", "payments", "-o", str(tmp_path / "x"), "--role", "income=balance"])
    assert result.exit_code == 1 and "no role income; its roles: wealth, age" in result.output


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"world": "bank"}, r"unknown world 'bank'; allowed: payments, network"),
        ({"typologies": [{"type": "phishing", "prevalence": 0.1}]}, r"unknown typology 'phishing'.*card_testing"),
        ({"typologies": [{"type": "beaconing", "prevalence": 0.1}]}, r"'beaconing' belongs to the network world"),
        ({"typologies": [{"type": "card_testing", "prevalence": 1.5}]}, r"typologies\[0\]\.prevalence\) is 1\.5"),
        (
            {"typologies": [{"type": "card_testing", "prevalence": 0.1, "params": {"tries": 3}}]},
            r"unknown key\(s\) tries; allowed: attempts, merchants, decline_rate, cash_out",
        ),
        ({"settings": {"merchants": "many"}}, r"settings\.merchants\) must be a number"),
        ({"colour": "red"}, r"unknown key 'colour'"),
    ],
)
def test_bad_scenarios_get_one_clear_line(tmp_path, change, message):
    with pytest.raises(ConfigError, match=message):
        scenario_from_mapping(payments(**change))


def test_a_file_that_does_not_parse_names_its_line(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("world: payments\ntypologies:\n  - type: card_testing\n    prevalence: [0.1\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"broken\.yaml line \d+: does not parse"):
        datatwin.simulate(path, tmp_path / "world")
    path.write_text("world: payments\ntypologies:\n  - type: card_testing\n    prevalence: 2\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"broken\.yaml line 4 \(typologies\[0\]\.prevalence\)"):
        datatwin.simulate(path, tmp_path / "world")


def test_database_target_holds_the_world(tmp_path):
    url = f"sqlite:///{tmp_path / 'world.db'}"
    run = datatwin.simulate(payments(days=2), url)
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        count = connection.execute(sa.text("SELECT COUNT(*) FROM transactions")).scalar()
        labelled = connection.execute(sa.text("SELECT COUNT(*) FROM transactions WHERE scenario IS NOT NULL")).scalar()
        tables = set(sa.inspect(connection).get_table_names())
    engine.dispose()
    assert count == run.rows["transactions"] and labelled == run.labelled["transactions"]
    assert {"customers", "merchants", "ground_truth", "scenario_manifest"} <= tables


def test_cli_simulates_the_shipped_examples_and_evaluates_them(tmp_path):
    runner = CliRunner()
    out = tmp_path / "world"
    result = runner.invoke(app, ["simulate", "network", "-o", str(out), "--days", "2", "--seed", "1"])
    assert result.exit_code == 0, result.output
    assert "instances injected" in result.output
    report = tmp_path / "report.html"
    result = runner.invoke(
        app, ["evaluate", "--scenario", str(out), "-o", str(report), "--json", str(tmp_path / "r.json")]
    )
    assert result.exit_code == 0, result.output
    assert "Shortcut audit" in report.read_text(encoding="utf-8")
    again = runner.invoke(app, ["simulate", "network", "-o", str(out), "--days", "2"])
    assert again.exit_code == 1 and "not empty" in again.output
    bad = runner.invoke(app, ["simulate", "nowhere.yaml", "-o", str(tmp_path / "x")])
    assert bad.exit_code == 1 and "does not exist" in bad.output
    wrong = tmp_path / "wrong.yaml"
    wrong.write_text("world: payments\ntypologies:\n  - {type: card_testing, prevalence: 3}\n", encoding="utf-8")
    bad = runner.invoke(app, ["simulate", str(wrong), "-o", str(tmp_path / "y")])
    assert bad.exit_code == 1 and "(typologies[0].prevalence) is 3" in bad.output


def card_log(customers: int = 120, seed: int = 0) -> pd.DataFrame:
    """A realistic little payment log: daytime card payments, a few a week per customer."""
    rng = np.random.default_rng(seed)
    rows = []
    for customer in range(customers):
        count = int(rng.integers(6, 25))
        days = np.sort(rng.uniform(0, 45, count)).astype(int)
        hours = np.clip(rng.normal(14, 3, count), 7, 22)
        times = pd.Timestamp("2025-03-01") + pd.to_timedelta(days, "D") + pd.to_timedelta(hours, "h")
        rows.append(
            pd.DataFrame(
                {"customer": f"K{customer:04d}", "paid_at": times, "value": np.round(rng.lognormal(3.2, 0.8, count), 2)}
            )
        )
    return pd.concat(rows, ignore_index=True)


def test_activity_follows_a_sequence_twin(tmp_path):
    activity = datatwin.fit(card_log(), entity="customer", order="paid_at", seed=0, max_time=20)
    scenario = payments(days=10, activity={"roles": {"amount": "value"}})
    run = datatwin.simulate(scenario, tmp_path / "world", activity_twin=activity)
    assert run.manifest["activity"]["source"] == "twin object"
    report = evaluate_scenario(tmp_path / "world")
    checks = {m.subject: m for m in report.metrics if m.key == "rhythm"}
    rate = checks["card payments (activity twin): rate"]
    hours = checks["card payments (activity twin): hours"]
    amounts = checks["card payments (activity twin): amounts"]
    assert rate.value < 0.25 and hours.value < 0.2 and amounts.value < 0.15, [rate, hours, amounts]
    cards = read_run(tmp_path / "world")[1]["transactions"].query("type == 'card' and scenario.isna()")
    assert pd.to_datetime(cards["time"]).dt.hour.between(6, 23).mean() > 0.95  # the log's daytime habit kept
    with pytest.raises(ConfigError, match=r"no numeric column 'amount' for the role 'amount'.*value"):
        datatwin.simulate(payments(days=2), tmp_path / "other", activity_twin=activity)
    with pytest.raises(ConfigError, match="network world follows its rules"):
        datatwin.simulate(network(activity={"roles": {"amount": "value"}}), tmp_path / "net", activity_twin=activity)
