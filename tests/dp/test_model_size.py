"""The junction-tree sizes of many candidates at once are the inference engine's, one by one."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from datatwin.dp.model_size import model_sizes_mb

mbi = pytest.importorskip("mbi")


def _engine_sizes(columns, sizes, cliques, candidates):
    domain = mbi.Domain(columns, sizes)
    return np.array([mbi.junction_tree.hypothetical_model_size(domain, [*cliques, r]) for r in candidates])


@pytest.mark.parametrize("seed", range(12))
def test_sizes_match_the_engine_on_random_models(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(3, 12))
    columns = [f"c{i}" for i in range(n)]
    sizes = [int(s) for s in rng.integers(2, 34, n)]  # up to 32 bins and a code for missing
    cliques = [(c,) for c in columns]
    for _ in range(int(rng.integers(0, 2 * n))):
        members = rng.choice(n, int(rng.integers(2, 4)), replace=False)
        cliques.append(tuple(columns[i] for i in sorted(members)))
    candidates = [c for width in (1, 2, 3) for c in itertools.combinations(columns, width)]
    np.testing.assert_allclose(
        model_sizes_mb(columns, sizes, cliques, candidates), _engine_sizes(columns, sizes, cliques, candidates)
    )


def test_a_tree_counts_its_edges_and_a_cycle_its_triangulation():
    columns, sizes = ["a", "b", "c", "d"], [2, 3, 4, 5]
    chain = [("a",), ("b",), ("c",), ("d",), ("a", "b"), ("b", "c")]
    candidates = [("c", "d"), ("a", "c"), ("d",)]
    got = model_sizes_mb(columns, sizes, chain, candidates)
    cells = np.array([2 * 3 + 3 * 4 + 4 * 5, 2 * 3 * 4 + 5, 2 * 3 + 3 * 4 + 5])  # a tree; a triangle and d; a forest
    np.testing.assert_allclose(got, cells * 8 / 2**20)
    np.testing.assert_allclose(got, _engine_sizes(columns, sizes, chain, candidates))
