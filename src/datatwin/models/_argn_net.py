"""The network of the any-order autoregressive model: one small MLP head per column, fused.

For target column ``j`` the input is every column's embedding (plus a constant 1 marking it as
present) multiplied by a 0/1 mask "column ``k`` comes before ``j``". All heads are computed by
a few batched matrix products instead of one tiny layer per column, which is what makes the
model fast on a CPU.

The first ``n_inputs`` columns are the table's own, drawn in any order; the columns after them
are *refinements* (the links between numbers): they are drawn last, given every own column,
and are never inputs themselves, so they add heads but do not widen every head's input.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F


class FusedHeads(nn.Module):
    """Embeddings and the fused per-column heads.

    Parameters
    ----------
    cardinalities
        Number of tokens of each column.
    unseen
        ``(p, max cardinality)`` booleans: tokens never seen in training, never generated.
    n_inputs
        How many of the columns (the first ones) are inputs of the heads; the rest are
        refinements (default: every column is an input).
    embedding_dim, hidden
        Width of the embeddings and of each head's hidden layers.
    dropout
        Dropout on embeddings during training.
    """

    def __init__(
        self,
        cardinalities: list[int],
        unseen: torch.Tensor,
        *,
        n_inputs: int | None = None,
        embedding_dim: int,
        hidden: int,
        dropout: float,
    ) -> None:
        super().__init__()
        p, k_max = len(cardinalities), max(cardinalities)
        n_inputs = p if n_inputs is None else n_inputs
        width = embedding_dim + 1
        self.p, self.n_inputs, self.width, self.cardinalities = p, n_inputs, width, list(cardinalities)
        self.register_buffer("offsets", torch.tensor([0, *cardinalities[:-1]]).cumsum(0))
        beyond = torch.arange(k_max)[None, :] >= torch.tensor(cardinalities)[:, None]
        self.register_buffer("padding", unseen | beyond)
        self.embedding = nn.Embedding(sum(cardinalities[:n_inputs]), embedding_dim)
        self.dropout = nn.Dropout(dropout)
        self.w1 = nn.Parameter(torch.randn(p, n_inputs * width, hidden) / (n_inputs * width) ** 0.5)
        self.b1 = nn.Parameter(torch.zeros(p, hidden))
        self.w2 = nn.Parameter(torch.randn(p, hidden, hidden) / hidden**0.5)
        self.b2 = nn.Parameter(torch.zeros(p, hidden))
        self.w_out = nn.Parameter(torch.randn(p, hidden, k_max) * (0.1 / hidden**0.5))
        self.b_out = nn.Parameter(torch.zeros(p, k_max))
        nn.init.normal_(self.embedding.weight, std=1.0)

    def embed(self, tokens: torch.Tensor) -> torch.Tensor:
        """``(B, n_inputs, width)`` embeddings of the input columns with the presence constant appended."""
        inputs = tokens[:, : self.n_inputs] + self.offsets[: self.n_inputs]
        e = self.dropout(self.embedding(inputs))
        return torch.cat([e, torch.ones_like(e[..., :1])], dim=-1)

    def forward(self, tokens: torch.Tensor, before: torch.Tensor) -> torch.Tensor:
        """Logits ``(B, p, k_max)`` of every column given the columns before it.

        ``before[b, j, k]`` is 1 when input column ``k`` precedes column ``j`` in row ``b``'s
        order (shape ``(B, p, n_inputs)``, see :func:`random_orders`).
        """
        e = self.embed(tokens)  # (B, k, w)
        masked = before.unsqueeze(-1) * e.unsqueeze(1)  # (B, j, k, w)
        flat = masked.reshape(masked.shape[0], self.p, -1).transpose(0, 1)  # (j, B, k*w)
        z = torch.baddbmm(self.b1.unsqueeze(1), flat, self.w1).transpose(0, 1)  # (B, j, h)
        return self._all_heads(z)

    def _all_heads(self, z: torch.Tensor) -> torch.Tensor:
        a = F.gelu(z)
        a = a + F.gelu(torch.einsum("bjh,jhg->bjg", a, self.w2) + self.b2)
        logits = torch.einsum("bjh,jhk->bjk", a, self.w_out) + self.b_out
        return logits.masked_fill(self.padding, float("-inf"))

    def first_layer_tables(self) -> torch.Tensor:
        """``(p * (T + 1), hidden)``, where ``T`` is the number of input tokens: row
        ``j * (T + 1) + t`` is what input token ``t`` (indexed with the column offsets) adds to
        head ``j``'s first layer, and row ``j * (T + 1) + T`` is that layer's bias. Sampling
        then sums table rows instead of multiplying embeddings: a head's first layer costs one
        gather, not a matrix product."""
        w1 = self.w1.detach().view(self.p, self.n_inputs, self.width, -1)  # (j, k, w, h)
        e = self.embedding.weight.detach()
        e = torch.cat([e, torch.ones_like(e[:, :1])], dim=1)
        inputs = zip(self.offsets.tolist()[: self.n_inputs], self.cardinalities[: self.n_inputs], strict=True)
        blocks = [
            torch.einsum("tw,jwh->jth", e[start : start + card], w1[:, k]) for k, (start, card) in enumerate(inputs)
        ]
        tables = torch.cat([*blocks, self.b1.detach().unsqueeze(1)], dim=1)
        return tables.reshape(-1, tables.shape[-1]).contiguous()

    def grouped_logits(self, heads: torch.Tensor, first_layer: torch.Tensor) -> torch.Tensor:
        """Logits ``(G, m, k)`` of ``G`` groups of ``m`` rows, group ``g`` through head
        ``heads[g]``, from the rows' first-layer sums ``(G * m, hidden)`` (bias included): the
        sampling path. ``k`` is the largest cardinality among the heads; a head's tokens beyond
        its own (and tokens never seen in training) get ``-inf``."""
        k = max(self.cardinalities[j] for j in heads.tolist())
        a = F.gelu(first_layer).view(len(heads), -1, first_layer.shape[-1])
        a = a + F.gelu(torch.baddbmm(self.b2[heads].unsqueeze(1), a, self.w2[heads]))
        bias = self.b_out[heads, :k].masked_fill(self.padding[heads, :k], float("-inf"))
        return torch.baddbmm(bias.unsqueeze(1), a, self.w_out[heads, :, :k])


def random_orders(batch: int, net: FusedHeads, generator: torch.Generator) -> torch.Tensor:
    """``(B, p, n_inputs)`` masks of one random order of the input columns per row, 1 where
    ``k`` precedes ``j``. A refinement column sees the inputs before a random place of its own
    in that order: it learns from any subset (as the inputs do), and is drawn given them all."""
    ranks = torch.rand(batch, net.n_inputs, generator=generator).argsort(dim=1).argsort(dim=1)
    places = torch.randint(0, net.n_inputs + 1, (batch, net.p - net.n_inputs), generator=generator)
    return (ranks.unsqueeze(1) < torch.cat([ranks, places], dim=1).unsqueeze(2)).float()
