"""Row counts per label when rebalancing."""

from __future__ import annotations

import pytest

from datatwin.errors import ConfigError
from datatwin.rebalance import rebalanced_counts


def test_balanced_by_default():
    assert rebalanced_counts({"a": 0.9, "b": 0.1}, 1001, None) == {"a": 501, "b": 500}


def test_rare_labels_raised_others_shrink_in_proportion():
    counts = rebalanced_counts({"a": 0.6, "b": 0.3, "c": 0.08, "d": 0.02}, 1000, 0.15)
    assert counts["c"] == counts["d"] == 150
    assert counts["a"] == 467 and counts["b"] == 233  # 0.7 of the rows, kept 2:1
    assert sum(counts.values()) == 1000


@pytest.mark.parametrize("ratio", [0, 1, 1.5, -0.2])
def test_ratio_must_be_a_share(ratio):
    with pytest.raises(ConfigError, match="ratio must be a share"):
        rebalanced_counts({"a": 0.5, "b": 0.5}, 10, ratio)


def test_impossible_ratio():
    with pytest.raises(ConfigError, match="add up to more than all rows"):
        rebalanced_counts({"a": 0.1, "b": 0.1, "c": 0.1, "d": 0.7}, 10, 0.4)
