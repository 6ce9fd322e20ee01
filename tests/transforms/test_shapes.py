"""Strings in the shapes of real ones, unique across shares drawn apart."""

from __future__ import annotations

import numpy as np
import pandas as pd

from datatwin.transforms._shapes import learn_shapes, unique_in_shapes

ACCOUNTS = pd.Series([f"AC-{i:06d}" for i in range(0, 900_000, 7_919)] + [f"X{i % 10}" for i in range(60)])


def test_shares_drawn_apart_never_meet_and_keep_the_real_shapes():
    shapes, weights = learn_shapes(ACCOUNTS)
    rows = 3_000
    parts = [
        unique_in_shapes(shapes, weights, rows, np.random.default_rng(i), share=i, shares=4, offset=i * rows)
        for i in range(4)
    ]
    every = np.concatenate(parts)
    assert pd.Series(every).is_unique  # 12,000 keys from four shares, none repeated
    long = [k for k in every if k.startswith("AC-")]
    assert len(long) > 7_000 and all(len(k) == 9 and k[3:].isdigit() for k in long)
    for i, part in enumerate(parts):  # each share's numbers, whatever the randomness
        assert {int(k[3:]) % 4 for k in part if k.startswith("AC-")} == {i}


def test_a_shape_too_small_for_its_rows_numbers_the_rest_by_row():
    shapes, weights = ["\ue001\ue000"], np.array([1.0])  # a letter then a digit: 260 strings
    first = unique_in_shapes(shapes, weights, 200, np.random.default_rng(0), share=0, shares=2, offset=0)
    second = unique_in_shapes(shapes, weights, 200, np.random.default_rng(1), share=1, shares=2, offset=200)
    both = pd.Series(np.concatenate([first, second]))
    assert both.is_unique  # 260 strings in all: the last rows of each share carry their row number
    assert both.str.fullmatch(r"[A-Z]\d(-\d+)?").all()
