"""Sequence metrics: real against real is near ideal, a twin that forgets history is caught."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import datatwin
from tests.sequential.logs import payments, readings


def _split(frame: pd.DataFrame, entity: str, share: float = 0.5, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    ids = frame[entity].unique()
    held = set(np.random.default_rng(seed).choice(ids, int(len(ids) * share), replace=False))
    return frame[~frame[entity].isin(held)], frame[frame[entity].isin(held)]


@pytest.fixture(scope="module")
def three_sets() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    events = payments(600, seed=1)
    train, rest = _split(events, "customer_id", 0.5)
    other, holdout = _split(rest, "customer_id", 0.5, seed=1)
    return train, other, holdout


def test_unseen_real_entities_score_near_ideal(three_sets):
    train, other, holdout = three_sets
    report = datatwin.evaluate(train, other, holdout, entity="customer_id", order="ts")
    assert report.metric("sequence_lengths").value > 0.85
    assert report.metric("inter_event_times").value > 0.9
    assert report.metric("autocorrelation", "amount").value < 0.05
    assert report.metric("entity_detection").value < 0.65
    assert report.metric("discriminative_score").value < 0.1
    assert 0.8 < report.metric("predictive_score").value < 1.2
    assert report.metric("sequence_copies").value == 0.0
    assert 0.4 < report.metric("sequence_dcr").value < 0.6
    assert 0.4 < report.metric("sequence_membership").value < 0.6


def test_shuffled_history_is_caught(three_sets):
    train, other, holdout = three_sets
    shuffled = other.copy()
    shuffled["amount"] = shuffled["amount"].sample(frac=1.0, random_state=0).to_numpy()  # same values, no habit
    report = datatwin.evaluate(train, shuffled, holdout, entity="customer_id", order="ts")
    assert report.metric("autocorrelation", "amount").value > 0.3
    assert report.metric("entity_detection").value > 0.8
    assert report.metric("column_shapes").value > 0.95  # row by row it looks the same


def test_copied_sequences_are_caught(three_sets):
    train, _, holdout = three_sets
    report = datatwin.evaluate(train, train, holdout, entity="customer_id", order="ts")
    assert report.metric("sequence_copies").value == 1.0
    assert (
        report.metric("sequence_dcr").value > 0.7
    )  # half the training side is left out to balance it with the holdout
    assert report.metric("sequence_membership").value > 0.9


def test_series_are_compared_by_windows_with_48_lags():
    frame = readings(stations=3, hours=24 * 30, seed=0)
    other = readings(stations=3, hours=24 * 30, seed=5)
    report = datatwin.evaluate(frame, other, entity="station", order="time")
    acf = report.metric("autocorrelation", "temp")
    assert acf.details["lags"] == 48 and acf.value < 0.1
    assert report.metric("entity_detection").details["unit"].startswith("windows")
    assert report.metric("cross_correlation").value < 0.1
    examples = report.context["sequence_examples"]
    assert examples["columns"] == ["temp", "pm"] and len(examples["synthetic"]) == 3


def test_html_report_shows_series_and_autocorrelation_curves(tmp_path):
    frame = readings(stations=3, hours=24 * 20, seed=0)
    other = readings(stations=3, hours=24 * 20, seed=5)
    report = datatwin.evaluate(frame, other, entity="station", order="time")
    path = tmp_path / "report.html"
    datatwin.save_report(report, path)
    page = path.read_text()
    assert "The longest real and synthetic series, side by side" in page
    assert "Autocorrelation of &#39;temp&#39;" in page or "Autocorrelation of 'temp'" in page
    assert page.count("data:image/png;base64,") >= 3
    again = datatwin.Report.from_json(report.to_json())  # renders the same from its JSON
    assert again.context["sequence_examples"]["columns"] == ["temp", "pm"]
