"""The HTML report: self-contained, and rendered by a real headless Chromium with its plots drawn."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from matplotlib.image import imread

import datatwin
from datatwin.evaluate import Report

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def report(adult_parts) -> Report:
    return datatwin.evaluate(
        adult_parts["train"].iloc[:4000], adult_parts["unseen"], adult_parts["holdout"], target="income",
        sensitive=["sex"],
    )  # fmt: skip


@pytest.fixture(scope="module")
def page(report, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("html") / "report.html"
    datatwin.save_report(report, path)
    return path


def chromium(*args: str) -> subprocess.CompletedProcess:
    if CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail("CI must have Chromium (Debian package 'chromium', installed by .ci/run)")
        pytest.skip("Chromium is not installed")
    command = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--enable-logging=stderr", "--v=0", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=True)


def test_page_is_self_contained(page, report):
    html = page.read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html), "the page must not load anything from a network"
    images = re.findall(r'<img src="data:image/png;base64,', html)
    columns = len(report.context["columns_compared"])
    assert len(images) >= columns + 3  # one per column, heatmaps, give-aways, DCR ...
    for text in ("Quality score", "Privacy verdict", "Two-sample classifier AUC", "Membership inference"):
        assert text in html


def test_chromium_loads_it_without_console_errors_and_decodes_every_plot(page):
    run = chromium("--virtual-time-budget=5000", "--dump-dom", page.as_uri())
    body = re.search(r"<body[^>]*>", run.stdout).group(0)
    assert 'data-ready="1"' in body and 'data-broken-images="0"' in body
    assert int(re.search(r'data-images="(\d+)"', body).group(1)) > 10
    console = [line for line in run.stderr.splitlines() if ":CONSOLE" in line]
    assert console == []


def test_chromium_detects_a_console_error(tmp_path):
    """The check above can fail: a page with a script error shows up in the console lines."""
    broken = tmp_path / "broken.html"
    broken.write_text("<html><body><script>notDefined();</script></body></html>")
    run = chromium("--dump-dom", broken.as_uri())
    assert any("Uncaught ReferenceError" in line for line in run.stderr.splitlines())


def test_screenshot_shows_the_plots(page, tmp_path):
    shot = tmp_path / "shot.png"
    chromium("--hide-scrollbars", "--window-size=1400,2400", f"--screenshot={shot}", page.as_uri())
    pixels = imread(shot)[..., :3]
    assert pixels.shape[:2] == (2400, 1400)
    for colour in ("#1f77b4", "#ff7f0e"):  # the real and synthetic series of the plots
        rgb = np.array([int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)])
        close = np.abs(pixels - rgb).max(axis=-1) < 0.08
        assert close.mean() > 0.005, f"too few {colour} pixels: the plots did not render"
