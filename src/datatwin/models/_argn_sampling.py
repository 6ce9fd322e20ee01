"""Drawing token rows from the fused heads: columns one after another, in an ensemble of orders.

Rows are drawn in chunks of equal size, at most :data:`CHUNK_ROWS`. Each chunk is split into
groups of about :data:`ROWS_PER_ORDER` rows, and each group draws the free columns in its own
random order: an ensemble of orders, whose marginals and joints are closer to the data than any
single order's. The groups of a chunk put columns of equal cardinality at the same steps (each
order is still uniformly random), so at every step the groups' heads run together as batched
matrix products over the same number of tokens: a step costs a few tensor operations however
many orders there are, and no head computes logits for tokens it does not have. A step with
few possible prefixes (the first, whose only input is the bias; the second; a third after small
columns) runs its heads once per prefix instead of once per row. The links come last, all in
one batched step. Why these sizes: see docs/models.md.
"""

from __future__ import annotations

import numpy as np
import torch
from torch.nn import functional as F

from datatwin.models._argn_net import FusedHeads

CHUNK_ROWS = 8192
"""Most rows per chunk; a sample is cut into the fewest chunks of equal size this allows.
Chunks pay a fixed cost per tensor operation however few their rows, so a few equal chunks
near this size cost less per row than many small ones and a small remainder."""
ROWS_PER_ORDER = 512
"""Rows per group, each drawing in its own order."""
MIN_ORDERS = 8
"""Orders of a chunk with fewer than ``MIN_ORDERS * ROWS_PER_ORDER`` rows (or one per row)."""
LINK_ROWS = 512
"""Rows per batched link step: every link's activations for this many rows stay in the CPU
cache."""
PREFIX_SHARE = 4
"""A step whose possible prefixes (products of the drawn columns' cardinalities) number at most
a group's rows over this is computed once per prefix, not once per row (every order's first
step and its second, and a third after small columns)."""
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
        self.tables, self.link_tables = net.sampling_tables()
        self.rows_per_head = self.tables.shape[0] // net.n_inputs
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
        """``(n, p)`` tokens, column-major. Every order starts with the columns ``first`` (given
        ones, then conditioned ones) and continues with ``free`` shuffled; the links are
        drawn last, together."""
        net = self.net
        tokens = np.empty((n, net.p), dtype=np.int64, order="F")  # column-major: decoded column by column
        chunks = max(1, -(-n // CHUNK_ROWS))  # the fewest chunks, of equal size
        chunk_rows = max(1, -(-n // chunks))
        for start in range(0, n, chunk_rows):
            rows = min(chunk_rows, n - start)
            groups = min(rows, max(MIN_ORDERS, -(-rows // ROWS_PER_ORDER)))
            shuffled = self._orders(free, groups, rng)
            orders = np.hstack([np.tile(first, (len(shuffled), 1)), shuffled])
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
        net, (groups, steps) = self.net, orders.shape
        per_group = -(-n // groups)  # rows padded to equal groups; the padding is dropped
        size = groups * per_group
        drawn = torch.full((size, net.n_inputs + 1), self.bias_token, dtype=torch.long)  # the bias, then inputs
        step_offsets = net.offsets[torch.from_numpy(orders)].unsqueeze(1)  # (groups, 1, steps): token → table row
        cards = np.array(net.cardinalities)[orders[0]]  # alike in every order, step by step
        prefix_counts = np.concatenate([[1.0], np.cumprod(cards.astype(np.float64))])  # possible before each step
        with torch.no_grad():
            leading = len(given)  # given columns come first in every order: their tokens are set at once
            assert set(orders[0, :leading].tolist()) == set(given), "given columns must lead every order"
            if leading:
                block = np.zeros((size, leading), dtype=np.int64)
                block[:n] = np.stack([given[int(j)] for j in orders[0, :leading]], axis=1)
                offsets = net.offsets[torch.from_numpy(orders[0, :leading].copy())]
                drawn[:, 1 : leading + 1] = torch.from_numpy(block) + offsets
            for step in range(leading, steps):
                heads = torch.from_numpy(orders[:, step])
                j = int(orders[0, step])  # conditioned columns are alike in every order
                if prefix_counts[step] * PREFIX_SHARE <= per_group:
                    cdf = self._prefix_cdf(heads, orders[:, :step], cards[:step], self.weights.get(j))
                    before = self._columns(drawn, step_offsets[..., :step]).view(size, step)
                    column = _draw_from_cdf(cdf[_prefix_of_rows(before, cards[:step], per_group)], generator)
                else:
                    logits = self.net.grouped_logits(heads, self._first_layer(drawn[:, : step + 1], heads))
                    column = _draw_from_cdf(self._cdf(logits, self.weights.get(j)), generator)
                rows_drawn = drawn[:, step + 1].view(groups, per_group)  # written in place
                torch.add(column.view(groups, per_group), step_offsets[..., step], out=rows_drawn)
            tokens = torch.empty(groups, per_group, net.p, dtype=torch.long)
            order_index = torch.from_numpy(orders).unsqueeze(1).expand(groups, per_group, steps)
            tokens[..., :steps].scatter_(2, order_index, self._columns(drawn, step_offsets))
            tokens = tokens.view(size, net.p)
            if self.link_tables is not None:
                tokens[:, net.n_inputs :] = self._draw_link_heads(drawn, generator)
        return tokens[:n].numpy()

    @staticmethod
    def _columns(drawn: torch.Tensor, step_offsets: torch.Tensor) -> torch.Tensor:
        """``(groups, rows per group, steps)`` tokens drawn at the first ``steps`` steps (of
        ``step_offsets``' width), from the table rows ``drawn`` that hold them."""
        groups, _, steps = step_offsets.shape
        return drawn[:, 1 : steps + 1].view(groups, len(drawn) // groups, steps) - step_offsets

    def _first_layer(self, drawn: torch.Tensor, heads: torch.Tensor) -> torch.Tensor:
        """``(rows, hidden)`` first-layer sums given the rows' ``drawn`` inputs (the bias first),
        the rows in ``len(heads)`` equal groups, group ``g`` through head ``heads[g]``."""
        grouped = drawn.view(len(heads), -1, drawn.shape[1]) + (heads * self.rows_per_head).view(-1, 1, 1)
        return F.embedding_bag(grouped.view(-1, drawn.shape[1]), self.tables, mode="sum")

    def _prefix_cdf(
        self, heads: torch.Tensor, before: np.ndarray, cards: np.ndarray, weights: torch.Tensor | None
    ) -> torch.Tensor:
        """``(groups * prefixes, k)`` cumulative masses of the step's heads given every possible
        prefix of the columns ``before`` (``(groups, step)``, of cardinalities ``cards``), group
        after group, prefixes in :func:`_prefix_of_rows`'s numbering."""
        if len(cards):
            prefixes = np.stack(np.unravel_index(np.arange(int(np.prod(cards))), tuple(cards)), axis=1)
        else:
            prefixes = np.zeros((1, 0), dtype=np.int64)  # the first step: the empty prefix only
        inputs = prefixes[None] + self.net.offsets.numpy()[before][:, None, :]  # (groups, prefixes, step)
        bias = np.full((*inputs.shape[:2], 1), self.bias_token)
        drawn = torch.from_numpy(np.concatenate([bias, inputs], axis=2).reshape(-1, inputs.shape[2] + 1))
        first_layer = self._first_layer(drawn, heads)
        return self._cdf(self.net.grouped_logits(heads, first_layer), weights)

    def _draw_link_heads(self, drawn: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        """``(rows, links)`` tokens: every link's head given all the inputs ``drawn``
        (their table rows, the bias first), batched over the links, in blocks of
        :data:`LINK_ROWS` rows."""
        assert self.link_tables is not None
        count = self.net.p - self.net.n_inputs
        head_rows = (torch.arange(count) * (self.link_tables.shape[0] // count)).view(-1, 1, 1)
        out = torch.empty(len(drawn), count, dtype=torch.long)
        for start in range(0, len(drawn), LINK_ROWS):
            block = drawn[start : start + LINK_ROWS]
            indices = (block.unsqueeze(0) + head_rows).view(-1, block.shape[1])
            logits = self.net.link_logits(F.embedding_bag(indices, self.link_tables, mode="sum"))
            out[start : start + len(block)] = _draw_from_cdf(self._cdf(logits), generator).view(count, -1).T
        return out

    def _cdf(self, logits: torch.Tensor, weights: torch.Tensor | None = None) -> torch.Tensor:
        """``(rows, k)`` cumulative (unnormalised) masses of logits ``(..., k)`` at the sampler's
        temperature, a conditioned column's ``weights`` added."""
        if self.temperature != 1:
            logits = logits / self.temperature
        if weights is not None:
            logits = logits + weights[: logits.shape[-1]]
        return _cumulative_mass(logits)


def _prefix_of_rows(columns: torch.Tensor, cards: np.ndarray, per_group: int) -> torch.Tensor:
    """Each row's index among its group's prefixes (the tokens ``columns`` drawn so far, of
    cardinalities ``cards``, read as the digits of one number), offset by its group's."""
    places = np.cumprod([1, *cards[::-1]])
    strides = torch.from_numpy(places[:-1][::-1].copy())
    group = torch.arange(len(columns)) // per_group
    return (columns * strides).sum(dim=1) + group * int(places[-1])


def _cumulative_mass(logits: torch.Tensor) -> torch.Tensor:
    """``(rows, k)`` cumulative sums of the (unnormalised) probabilities of logits ``(..., k)``."""
    if logits.shape[-1] < SHORT_ROWS:  # torch's softmax is slow on short rows; the draw needs no normalising
        mass = (logits - logits.amax(dim=-1, keepdim=True)).exp_()
    else:
        mass = torch.softmax(logits, dim=-1)
    return mass.reshape(-1, logits.shape[-1]).cumsum(dim=-1)


def _draw_from_cdf(cdf: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """One token per row of cumulative masses ``(rows, k)``."""
    u = torch.rand(len(cdf), 1, generator=generator).mul_(cdf[:, -1:])
    return torch.searchsorted(cdf, u, right=True).squeeze(1).clamp_(max=cdf.shape[1] - 1)
