"""The size of a graphical model's junction tree for many candidate cliques at once.

AIM keeps its model under a size cap: each round, every candidate marginal is tried by
building the junction tree the model would have with it added and summing its cliques'
cells. The inference engine (``mbi.junction_tree.hypothetical_model_size``) builds one tree at
a time in Python; with a 24-column table's 2,300 candidates that was four fifths of the fit.
:func:`model_sizes_mb` runs the same construction for every candidate together, as boolean
arrays: the graph linking the columns of each clique, a greedy elimination order (the column
whose neighbourhood has the fewest cells goes first, ties to the earlier column; for a graph
that is a tree, leaves first, which adds no edges), and the maximal cliques of the
triangulated graph, which are the largest of the neighbourhoods eliminated.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

Clique = tuple[str, ...]
BYTES_PER_CELL = 8
CHUNK = 512
"""Candidates handled together (memory: a few arrays of CHUNK × columns² each)."""


def model_sizes_mb(
    columns: Sequence[str], sizes: Sequence[int], cliques: Sequence[Clique], candidates: Sequence[Clique]
) -> np.ndarray:
    """Megabytes (cells as float64) of the junction tree of ``cliques`` plus each candidate.

    Parameters
    ----------
    columns, sizes
        The model's columns, in the order that breaks ties, and their numbers of codes.
    cliques
        The cliques already in the model; every column is in one of them (AIM measures every
        column's counts first).
    candidates
        Each one clique to add.

    Returns
    -------
    numpy.ndarray
        One size per candidate, as the inference engine computes it.
    """
    index = {c: i for i, c in enumerate(columns)}
    n = len(columns)
    base = np.zeros((n, n), dtype=bool)
    for clique in cliques:
        _link(base, [index[c] for c in clique])
    cells = np.asarray(sizes, dtype=np.float64)
    total = np.zeros(len(candidates))
    for start in range(0, len(candidates), CHUNK):
        chunk = candidates[start : start + CHUNK]
        graphs = np.repeat(base[None], len(chunk), axis=0)
        for k, candidate in enumerate(chunk):
            _link(graphs[k], [index[c] for c in candidate])
        total[start : start + len(chunk)] = _junction_cells(graphs, cells)
    return BYTES_PER_CELL * total / 2**20


def _link(graph: np.ndarray, members: list[int]) -> None:
    for i in members:
        for j in members:
            if i != j:
                graph[i, j] = True


def _junction_cells(graphs: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """Cells of the maximal cliques of each graph triangulated along its elimination order."""
    count, n = graphs.shape[:2]
    edges = graphs.sum(axis=(1, 2)) // 2
    tree = (edges == n - 1) & (edges > 0) & _connected(graphs)
    total = np.zeros(count)
    if tree.any():  # a tree's maximal cliques are its edges
        pairs = np.outer(sizes, sizes)
        total[tree] = np.triu(np.where(graphs[tree], pairs, 0.0)).sum(axis=(1, 2))
    rest = ~tree
    if rest.any():
        total[rest] = _eliminated_cells(graphs[rest], sizes)
    return total


def _connected(graphs: np.ndarray) -> np.ndarray:
    n = graphs.shape[1]
    reach = graphs | np.eye(n, dtype=bool)
    for _ in range(max(1, int(np.ceil(np.log2(max(n, 2)))))):
        reach = np.matmul(reach.astype(np.float32), reach.astype(np.float32)) > 0
    return np.asarray(reach.all(axis=(1, 2)))


def _eliminated_cells(graphs: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """Greedy elimination (fewest neighbourhood cells first) of every graph at once; the cells
    of the neighbourhoods that no earlier neighbourhood contains."""
    count, n = graphs.shape[:2]
    rows = np.arange(count)
    left = np.ones((count, n), dtype=bool)
    eliminated = np.zeros((count, n, n), dtype=bool)  # each step's neighbourhood, the column included
    for step in range(n):
        closed = (graphs | np.eye(n, dtype=bool)) & left[:, None, :]
        cost = np.where(closed, sizes, 1.0).prod(axis=2)
        cost[~left] = np.inf
        chosen = cost.argmin(axis=1)
        neighbourhood = closed[rows, chosen]
        eliminated[:, step] = neighbourhood
        others = neighbourhood.copy()
        others[rows, chosen] = False
        graphs |= others[:, :, None] & others[:, None, :]
        left[rows, chosen] = False
    # a neighbourhood is a maximal clique unless one eliminated before it holds it
    members = eliminated.astype(np.float32)
    shared = np.matmul(members, members.transpose(0, 2, 1))  # [k, a, b]: |a ∩ b|
    holds = shared == members.sum(axis=2)[:, :, None]  # [k, a, b]: a ⊆ b
    earlier = np.tril(np.ones((n, n), dtype=bool), k=-1)  # [a, b]: b eliminated before a
    maximal = ~(holds & earlier).any(axis=2)
    cells = np.where(eliminated, sizes, 1.0).prod(axis=2)
    return np.where(maximal, cells, 0.0).sum(axis=1)
