"""Drawing token rows from the fused heads: columns one after another, in an ensemble of orders.

Rows are drawn in chunks of :data:`CHUNK_ROWS` (small enough for a head's activations to stay in
the CPU cache). Each chunk is split into :data:`ORDERS_PER_CHUNK` groups of equal size, and each
group draws the free columns in its own random order: an ensemble of orders, whose marginals
and joints are closer to the data than any single order's. The groups of a chunk put columns
of equal cardinality at the same steps (each order is still uniformly random), so at every step
the groups' heads run together as batched matrix products over the same number of tokens: a
step costs a few tensor operations however many orders there are, and no head computes
logits for tokens it does not have.

Measured against the previous sampler (one head at a time, 32 orders per 100k rows; same
fitted twins, train-size samples, 2 cores): credit default 31k → 43–54k rows/s, two-sample AUC
0.590 → 0.574; Adult 105k → 150–180k rows/s.
"""

from __future__ import annotations

import numpy as np
import torch
from torch.nn import functional as F

from datatwin.models._argn_net import FusedHeads

CHUNK_ROWS = 4096
ORDERS_PER_CHUNK = 8
SHORT_ROWS = 16
"""Heads with fewer tokens draw from exponentiated logits: torch's softmax kernel takes 6–8×
longer on rows this short (measured: 8 tokens × 4,096 rows, 637 µs vs 96 µs on one core)."""


class TokenSampler:
    """Draws tokens of a fitted network, conditions and given columns respected.

    Parameters
    ----------
    net
        The fitted heads.
    temperature
        Logits are divided by it (1 reproduces the learnt distribution).
    weights
        Per conditioned column, log-weights added to its logits (``-inf``: token not allowed).
    """

    def __init__(self, net: FusedHeads, *, temperature: float, weights: dict[int, np.ndarray]) -> None:
        self.net, self.temperature = net, temperature
        self.weights = {j: torch.from_numpy(w).float() for j, w in weights.items()}
        self.tables = net.first_layer_tables()
        self.rows_per_head = self.tables.shape[0] // net.p
        self.bias_token = self.rows_per_head - 1

    def draw(
        self,
        n: int,
        first: list[int],
        free: np.ndarray,
        given: dict[int, np.ndarray],
        rng: np.random.Generator,
        generator: torch.Generator,
    ) -> np.ndarray:
        """``(n, p)`` tokens. Every order starts with the columns ``first`` (given ones, then
        conditioned ones), continues with ``free`` shuffled, and ends with the refinements."""
        net = self.net
        refinements = list(range(net.n_inputs, net.p))
        tokens = np.zeros((n, net.p), dtype=np.int64)
        for start in range(0, n, CHUNK_ROWS):
            rows = min(CHUNK_ROWS, n - start)
            shuffled = self._orders(free, min(ORDERS_PER_CHUNK, rows), rng)
            orders = np.hstack([np.tile(first, (len(shuffled), 1)), shuffled, np.tile(refinements, (len(shuffled), 1))])
            chunk_given = {j: v[start : start + rows] for j, v in given.items()}
            tokens[start : start + rows] = self._draw_chunk(rows, orders.astype(np.int64), chunk_given, generator)
        return tokens

    def _orders(self, free: np.ndarray, groups: int, rng: np.random.Generator) -> np.ndarray:
        """``(groups, len(free))`` random orders of the free columns that put columns of the same
        cardinality at the same steps: each order is uniformly random, and a step's heads all
        have as many tokens, so none computes logits for tokens it does not have."""
        base = rng.permutation(free)
        cards = np.array(self.net.cardinalities)[base]
        orders = np.tile(base, (groups, 1))
        for card in np.unique(cards):
            steps = np.flatnonzero(cards == card)
            orders[1:, steps] = rng.permuted(np.tile(base[steps], (groups - 1, 1)), axis=1)
        return orders

    def _draw_chunk(
        self, n: int, orders: np.ndarray, given: dict[int, np.ndarray], generator: torch.Generator
    ) -> np.ndarray:
        net, groups = self.net, len(orders)
        size = groups * -(-n // groups)  # rows padded to equal groups; the padding is dropped
        tokens = torch.zeros(size, net.p, dtype=torch.long)
        drawn = torch.full((size, net.n_inputs + 1), self.bias_token, dtype=torch.long)  # the bias, then inputs
        n_drawn = 1
        with torch.no_grad():
            for step in range(orders.shape[1]):
                heads = torch.from_numpy(orders[:, step])
                head_of_row = heads.repeat_interleave(size // groups)
                j = int(orders[0, step])  # given and conditioned columns, and refinements, are alike in every order
                if j in given:
                    column = torch.zeros(size, dtype=torch.long)
                    column[:n] = torch.from_numpy(given[j])
                else:
                    column = self._draw_step(heads, head_of_row, drawn[:, :n_drawn], generator, self.weights.get(j))
                tokens.scatter_(1, head_of_row.unsqueeze(1), column.unsqueeze(1))
                if j < net.n_inputs:
                    drawn[:, n_drawn] = column + net.offsets[head_of_row]
                    n_drawn += 1
        return tokens[:n].numpy()

    def _draw_step(
        self,
        heads: torch.Tensor,
        head_of_row: torch.Tensor,
        drawn: torch.Tensor,
        generator: torch.Generator,
        weights: torch.Tensor | None,
    ) -> torch.Tensor:
        """One token per row from its group's head, given the inputs drawn so far."""
        indices = drawn + (head_of_row * self.rows_per_head).unsqueeze(1)
        first_layer = F.embedding_bag(indices, self.tables, mode="sum")
        logits = self.net.grouped_logits(heads, first_layer)
        if self.temperature != 1:
            logits = logits / self.temperature
        if weights is not None:
            logits = logits + weights[: logits.shape[-1]]
        if logits.shape[-1] < SHORT_ROWS:  # torch's softmax is slow on short rows; the draw needs no normalising
            mass = (logits - logits.amax(dim=-1, keepdim=True)).exp_()
        else:
            mass = torch.softmax(logits, dim=-1)
        cdf = mass.cumsum(dim=-1).view(len(head_of_row), -1)
        u = torch.rand(len(cdf), 1, generator=generator) * cdf[:, -1:]
        return torch.searchsorted(cdf, u, right=True).squeeze(1).clamp_(max=cdf.shape[1] - 1)
