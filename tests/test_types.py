"""The source type-checks (mypy, configured in pyproject.toml), so CI keeps it that way."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_the_source_type_checks():
    try:
        from mypy import api
    except ImportError:
        if os.environ.get("CI"):
            pytest.fail("CI must type-check the source: install the dev extra (mypy).")
        pytest.skip("mypy is not installed (pip install -e '.[dev]')")
    stdout, stderr, status = api.run(["--config-file", str(ROOT / "pyproject.toml"), str(ROOT / "src" / "datatwin")])
    assert status == 0, stdout + stderr
