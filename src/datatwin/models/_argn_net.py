"""The network of the any-order autoregressive model: one small MLP head per column, fused.

For target column ``j`` the input is every column's embedding (plus a constant 1 marking it as
present) multiplied by a 0/1 mask "column ``k`` comes before ``j``". Being linear, a head's first
layer is a sum over the columns before ``j`` of what each one's token adds to it: a table of
``tokens × hidden`` numbers per head, built once a step from the embeddings and the first-layer
weights, then summed row by row with ``embedding_bag`` (``heads × inputs × hidden`` additions
a row, where multiplying the masked inputs costs ``× width`` as many multiplications). The
heads' other layers run as batched matrix products over all heads at once, not one tiny layer
per column, which is what makes the model fast on a CPU.

The first ``n_inputs`` columns are the table's own, drawn in any order; the columns after them
are *links* (between numbers, with heads of their own): they are drawn last,
given every own column, and are never inputs themselves, so they add heads but do not widen
every head's input. Being independent of each other given the own columns, they are drawn
together, in one batched step, and their heads may be narrower than the own columns' heads.
"""

from __future__ import annotations

import itertools
from typing import Any

import torch
from torch import nn
from torch.nn import functional as F


class HeadStack(nn.Module):
    """``heads`` two-layer MLP heads with a residual second layer, as stacked weights.

    Parameters
    ----------
    heads
        Number of heads.
    input_width
        Width of each head's (flattened, masked) input.
    hidden
        Width of the hidden layers.
    k_max
        Logits per head (the largest cardinality among the heads' columns).
    """

    def __init__(self, heads: int, input_width: int, hidden: int, k_max: int) -> None:
        super().__init__()
        self.w1 = nn.Parameter(torch.randn(heads, input_width, hidden) / input_width**0.5)
        self.b1 = nn.Parameter(torch.zeros(heads, hidden))
        self.w2 = nn.Parameter(torch.randn(heads, hidden, hidden) / hidden**0.5)
        self.b2 = nn.Parameter(torch.zeros(heads, hidden))
        self.w_out = nn.Parameter(torch.randn(heads, hidden, k_max) * (0.1 / hidden**0.5))
        self.b_out = nn.Parameter(torch.zeros(heads, k_max))

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        """Logits ``(heads, B, k_max)`` from each head's inputs ``(heads, B, input_width)``."""
        return self.from_first_layer(torch.baddbmm(self.b1.unsqueeze(1), inputs, self.w1))

    def subset(self, heads: torch.Tensor) -> HeadStack | _HeadSubset:
        """The heads ``heads`` alone (gradients flow back to this stack's weights)."""
        return self if len(heads) == len(self.w1) else _HeadSubset(self, heads)

    def from_first_layer(
        self, z: torch.Tensor, heads: torch.Tensor | None = None, padding: torch.Tensor | None = None
    ) -> torch.Tensor:
        """Logits ``(G, m, k)`` from first-layer sums ``(G, m, hidden)`` (bias included): group
        ``g`` through head ``heads[g]`` (default: group ``g`` is head ``g``); with ``padding``
        ``(G, k)``, only the first ``k`` logits, ``-inf`` where ``padding`` is true."""
        picked = slice(None) if heads is None else heads
        k = self.w_out.shape[-1] if padding is None else padding.shape[1]
        b_out, w_out = self.b_out[picked, :k], self.w_out[picked, :, :k]  # gathers only the k logits' weights
        return _logits(z, self.b2[picked], self.w2[picked], b_out, w_out, padding)

    def logits_by_width(
        self, z: torch.Tensor, heads: torch.Tensor, groups: list[tuple[torch.Tensor, int]], padding: torch.Tensor
    ) -> list[torch.Tensor]:
        """Logits ``(g, m, k)`` of each group of ``groups`` (places in ``heads``, logits ``k``)
        from first-layer sums ``(len(heads), m, hidden)``; ``padding`` ``(len(heads), ≥ k)``.
        The heads' weights are gathered once, in group order, and split: each group picking its
        own would cost a full-size zero gradient per group in training."""
        order = torch.cat([places for places, _ in groups])
        sizes = [len(places) for places, _ in groups]
        picked = heads[order]
        gathered = [  # index_select: its gradient is an index_add, not a sorted index_put
            w.index_select(0, i)
            for w, i in ((z, order), (self.b2, picked), (self.w2, picked), (self.b_out, picked), (self.w_out, picked))
        ]
        weights = (*gathered, padding[order])
        logits = []
        for (_, k), (zg, b2, w2, b_out, w_out, pad) in zip(
            groups, zip(*(w.split(sizes) for w in weights), strict=True), strict=True
        ):
            logits.append(_logits(zg, b2, w2, b_out[:, :k], w_out[..., :k], pad[:, :k]))
        return logits


def _logits(
    z: torch.Tensor,
    b2: torch.Tensor,
    w2: torch.Tensor,
    b_out: torch.Tensor,
    w_out: torch.Tensor,
    padding: torch.Tensor | None,
) -> torch.Tensor:
    """A head's layers after the first: GELU, a residual hidden layer, the logits (``-inf``
    where ``padding``), for ``G`` heads' weights stacked and first-layer sums ``(G, m, hidden)``."""
    if padding is not None:
        b_out = b_out.masked_fill(padding, float("-inf"))
    a = F.gelu(z)
    residual = F.gelu(torch.baddbmm(b2.unsqueeze(1), a, w2))
    a = a + residual if torch.is_grad_enabled() else a.add_(residual)  # sampling: one buffer fewer
    return torch.baddbmm(b_out.unsqueeze(1), a, w_out)


class _HeadSubset:
    """Some heads of a :class:`HeadStack`, computed without the others."""

    def __init__(self, stack: HeadStack, heads: torch.Tensor) -> None:
        self.stack, self.heads = stack, heads

    def __call__(self, inputs: torch.Tensor) -> torch.Tensor:
        z = torch.baddbmm(self.stack.b1[self.heads].unsqueeze(1), inputs, self.stack.w1[self.heads])
        return self.stack.from_first_layer(z, self.heads)


class FusedHeads(nn.Module):
    """Embeddings, the fused heads of the input columns and the links' heads.

    Parameters
    ----------
    cardinalities
        Number of tokens of each column.
    unseen
        ``(p, max cardinality)`` booleans: tokens never seen in training, never generated.
    n_inputs
        How many of the columns (the first ones) are inputs of the heads; the rest are
        links (default: every column is an input).
    embedding_dim, hidden
        Width of the embeddings and of each input column's head.
    dropout
        Dropout on embeddings during training (see :meth:`token_weights`).
    link_hidden
        Width of each link's head (default: ``hidden``).
    """

    offsets: torch.Tensor  # buffers: registered in __init__, typed here
    padding: torch.Tensor

    def __init__(
        self,
        cardinalities: list[int],
        unseen: torch.Tensor,
        *,
        n_inputs: int | None = None,
        embedding_dim: int,
        hidden: int,
        dropout: float,
        link_hidden: int | None = None,
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
        self.heads = HeadStack(n_inputs, n_inputs * width, hidden, max(cardinalities[:n_inputs]))
        refined = cardinalities[n_inputs:]
        self.link_heads = (
            HeadStack(len(refined), n_inputs * width, link_hidden or hidden, max(refined)) if refined else None
        )
        nn.init.normal_(self.embedding.weight, std=1.0)
        self.input_blocks = _InputBlocks(cardinalities[:n_inputs])
        self._output_groups: dict[tuple[int, ...], list[tuple[torch.Tensor, int]]] = {}
        self._sampling_tables: tuple[torch.Tensor, torch.Tensor | None] | None = None

    def train(self, mode: bool = True) -> FusedHeads:
        """Switch training mode; the sampling tables are forgotten (the weights may change)."""
        self._sampling_tables = None
        return super().train(mode)

    def embed(self, tokens: torch.Tensor) -> torch.Tensor:
        """``(B, n_inputs, width)`` embeddings of the input columns with the presence constant appended."""
        inputs = tokens[:, : self.n_inputs] + self.offsets[: self.n_inputs]
        e = self.dropout(self.embedding(inputs))
        return torch.cat([e, torch.ones_like(e[..., :1])], dim=-1)

    def forward(self, tokens: torch.Tensor, before: torch.Tensor, targets: torch.Tensor | None = None) -> torch.Tensor:
        """Logits ``(B, t, k_max)`` of the ``t`` target columns given the columns before them,
        from every row's masked inputs: the path of per-row gradients under differential privacy
        (``torch.func.vmap`` takes it; :meth:`nll` is cheaper, and what ordinary training takes).

        ``before[b, i, k]`` is 1 when input column ``k`` precedes target ``i`` in row ``b``'s
        order (shape ``(B, t, n_inputs)``, see :func:`random_orders`); ``targets`` are the
        target columns, input columns first, then links, in increasing order (default: every
        column). Columns that are always given (context) need no head: leaving them out of
        ``targets`` saves their heads' work.
        """
        targets = torch.arange(self.p) if targets is None else targets
        own = targets[targets < self.n_inputs]
        e = self.embed(tokens)  # (B, k, w)
        masked = before.unsqueeze(-1) * e.unsqueeze(1)  # (B, i, k, w)
        flat = masked.reshape(masked.shape[0], len(targets), -1).transpose(0, 1)  # (i, B, k*w)
        k_max = self.padding.shape[1]
        parts = [self.heads.subset(own)(flat[: len(own)])] if len(own) else []
        if self.link_heads is not None:
            parts.append(self.link_heads(flat[len(own) :]))
        logits = torch.cat([F.pad(part, (0, k_max - part.shape[-1])) for part in parts]).transpose(0, 1)
        return logits.masked_fill(self.padding[targets], float("-inf"))

    def token_weights(self, stack: HeadStack | None = None) -> torch.Tensor:
        """``(R, heads * hidden)``: row ``input_blocks.start[k] + t`` is what token ``t`` of input
        column ``k`` adds to the first layer of each head of the input columns (or of
        ``stack``'s). Columns of similar token counts are padded to a common count and multiplied
        together, one batched product per such group (see :class:`_InputBlocks`); differentiable,
        and in training mode the embeddings are dropped out for the whole batch before it."""
        stack = self.heads if stack is None else stack
        heads, hidden = len(stack.w1), stack.w1.shape[-1]
        w1 = stack.w1.view(heads, self.n_inputs, self.width, hidden).permute(1, 2, 0, 3)  # (k, w, j, h)
        blocks = self.input_blocks
        w1 = w1.reshape(self.n_inputs, self.width, heads * hidden).index_select(0, blocks.order)  # gathered once
        e = self.embedding.weight.index_select(0, blocks.embedding_rows)  # (R, embedding): every row's token
        e = self.dropout(torch.cat([e, torch.ones_like(e[..., :1])], dim=-1))
        products = [
            torch.bmm(eg.view(len(wg), -1, self.width), wg).view(-1, heads * hidden)
            for eg, wg in zip(e.split(blocks.rows), w1.split(blocks.columns), strict=True)
        ]
        return torch.cat(products)

    def first_layer_tables(self, stack: HeadStack | None = None) -> torch.Tensor:
        """``(heads * (T + 1), hidden)`` for the input columns' heads (or ``stack``'s), where
        ``T`` is the number of input tokens: row ``j * (T + 1) + t`` is what input token ``t``
        (indexed with the column offsets) adds to head ``j``'s first layer, and row
        ``j * (T + 1) + T`` is that layer's bias: :meth:`token_weights` without the padding,
        head by head, as sampling sums them."""
        stack = self.heads if stack is None else stack
        heads, hidden = len(stack.w1), stack.w1.shape[-1]
        rows = self.token_weights(stack).view(-1, heads, hidden)[self.input_blocks.token_rows]
        tables = rows.transpose(0, 1)  # (j, T, h)
        return torch.cat([tables, stack.b1.unsqueeze(1)], dim=1).reshape(-1, hidden)

    def nll(self, tokens: torch.Tensor, before: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        """Mean over rows of the summed negative log-likelihood of the ``targets`` columns, each
        given the input columns ``before`` it (``(B, t, n_inputs)``, see :func:`random_orders`;
        ``targets`` as in :meth:`forward`): the training and validation loss, equal to
        :meth:`forward`'s.

        A head's first layer is the sum of :meth:`token_weights` blocks of the inputs before it
        (:class:`_FirstLayerSums`): ``t × inputs × hidden`` additions a row where the masked
        inputs of :meth:`forward` cost ``t × inputs × width × hidden`` multiplications."""
        own = targets[targets < self.n_inputs]
        inputs = tokens[:, : self.n_inputs]
        total = torch.zeros(())
        for stack, heads, mask, first in (
            (self.heads, own, before[:, : len(own)], 0),
            (self.link_heads, targets[len(own) :] - self.n_inputs, before[:, len(own) :], self.n_inputs),
        ):
            if stack is None or not len(heads):
                continue
            z = _FirstLayerSums.apply(
                self.token_weights(stack), inputs, mask, heads, stack.w1.shape[-1], self.input_blocks.start
            )
            z = z + stack.b1[heads].unsqueeze(1)
            groups = self._grouped_by_width(heads + first)
            for (places, k), logits in zip(
                groups, stack.logits_by_width(z, heads, groups, self.padding[heads + first]), strict=True
            ):
                labels = tokens[:, heads[places] + first].T.reshape(-1)
                total = total + F.cross_entropy(logits.reshape(-1, k), labels, reduction="sum")
        return total / len(tokens)

    def _grouped_by_width(self, columns: torch.Tensor) -> list[tuple[torch.Tensor, int]]:
        """``columns`` (heads) in groups of similar token counts (:func:`similar_widths`), as
        (places in ``columns``, the group's most tokens): each group's logits are padded to its
        own widest column, not to the table's (a 300-token column no longer widens every yes/no
        column's softmax)."""
        key = tuple(columns.tolist())
        if key not in self._output_groups:
            widths = [self.cardinalities[j] for j in key]
            self._output_groups[key] = [
                (torch.tensor(places), max(widths[i] for i in places)) for places in similar_widths(widths)
            ]
        return self._output_groups[key]

    def sampling_tables(self) -> tuple[torch.Tensor, torch.Tensor | None]:
        """:meth:`first_layer_tables` of the input columns' heads and of the links' (``None``
        without links), computed once for the fitted weights and reused by every sample."""
        if self._sampling_tables is None or self.training:
            with torch.no_grad():
                link_heads = None if self.link_heads is None else self.first_layer_tables(self.link_heads)
                self._sampling_tables = (self.first_layer_tables(), link_heads)
        return self._sampling_tables

    def grouped_logits(self, heads: torch.Tensor, first_layer: torch.Tensor) -> torch.Tensor:
        """Logits ``(G, m, k)`` of ``G`` groups of ``m`` rows, group ``g`` through input column
        ``heads[g]``'s head, from the rows' first-layer sums ``(G * m, hidden)`` (bias
        included): the sampling path. ``k`` is the largest cardinality among the heads; a head's
        tokens beyond its own (and tokens never seen in training) get ``-inf``."""
        k = max(self.cardinalities[j] for j in heads.tolist())
        z = first_layer.view(len(heads), -1, first_layer.shape[-1])
        return self.heads.from_first_layer(z, heads, self.padding[heads, :k])

    def link_logits(self, first_layer: torch.Tensor) -> torch.Tensor:
        """Logits ``(links, m, k)`` of every link for ``m`` rows, from their
        first-layer sums ``(links * m, link hidden)``: the sampling path."""
        assert self.link_heads is not None
        z = first_layer.view(self.p - self.n_inputs, -1, first_layer.shape[-1])
        k = self.link_heads.w_out.shape[-1]
        return self.link_heads.from_first_layer(z, padding=self.padding[self.n_inputs :, :k])


class _InputBlocks:
    """Where each input column's tokens sit in :meth:`FusedHeads.token_weights`'s rows.

    Columns of similar token counts (:func:`similar_widths`) are padded to the group's most
    and their blocks computed by one batched product: padding every column to the widest would
    let one code column of hundreds of tokens multiply the rows of forty yes/no columns, and one
    product per column costs a step's fixed overhead per column (``docs/throughput.md``).

    Attributes
    ----------
    order
        The input columns, group after group.
    columns, rows
        Columns and rows of each group.
    embedding_rows
        ``(R,)`` the embedding row of every row's token (offsets included; padding repeats the
        column's first token).
    start
        ``(n_inputs,)`` each column's first row.
    token_rows
        ``(T,)`` the row of every input token, tokens in column order.
    """

    def __init__(self, cardinalities: list[int]) -> None:
        offsets = [0, *itertools.accumulate(cardinalities[:-1])]
        order: list[int] = []
        self.columns: list[int] = []
        self.rows: list[int] = []
        start, embedding_rows = [0] * len(cardinalities), list[int]()
        for group in similar_widths(cardinalities):
            width = max(cardinalities[k] for k in group)
            self.columns.append(len(group))
            self.rows.append(len(group) * width)
            for k in group:
                start[k] = len(embedding_rows)
                embedding_rows += [offsets[k] + (t if t < cardinalities[k] else 0) for t in range(width)]
            order += group
        self.order = torch.tensor(order)
        self.embedding_rows = torch.tensor(embedding_rows)
        self.start = torch.tensor(start)
        self.token_rows = torch.cat([self.start[k] + torch.arange(c) for k, c in enumerate(cardinalities)])


PADDING_SLACK = 64
"""Padded places a group may gain by taking in a wider column (:func:`similar_widths`): about
what one more group's dozen small kernels a step cost, in padded logits or table rows."""


def similar_widths(widths: list[int], slack: int = PADDING_SLACK) -> list[list[int]]:
    """Indices of ``widths`` in groups padded together, narrowest first: from the narrowest, a
    group takes in the next wider one while padding its members to it adds at most ``slack``
    places (a group of ``n`` members at width ``w`` takes in width ``v`` if ``n × (v − w) ≤
    slack``)."""
    groups: list[list[int]] = []
    widest = 0
    for index in sorted(range(len(widths)), key=lambda i: (widths[i], i)):
        if groups and len(groups[-1]) * (widths[index] - widest) <= slack:
            groups[-1].append(index)
        else:
            groups.append([index])
        widest = widths[index]
    return groups


class _FirstLayerSums(torch.autograd.Function):
    """First-layer sums ``(t, B, hidden)`` of heads ``heads``: for row ``b`` and head ``heads[i]``,
    the sum of the :meth:`FusedHeads.token_weights` rows of the row's input tokens weighted by
    ``before[b, i]`` (1 for the inputs before the head's column, 0 for the others); ``start``
    gives each input column's first row.

    Forward: ``embedding_bag`` over every input, weighted by the mask (no boolean indexing to
    build). Backward: column by column, the masked output gradients of the rows are added into
    their token's row (``index_add_`` of whole ``t × hidden`` rows): ``embedding_bag``'s own
    backward sorts every (row, head, input) index and cost 3× as much (measured)."""

    @staticmethod
    def forward(
        ctx: Any,
        weights: torch.Tensor,
        tokens: torch.Tensor,
        before: torch.Tensor,
        heads: torch.Tensor,
        hidden: int,
        start: torch.Tensor,
    ) -> torch.Tensor:
        rows_total, every = len(weights), weights.shape[-1] // hidden
        places = tokens + start  # (B, k): each input's row
        rows = (places * every).unsqueeze(0) + heads.view(-1, 1, 1)  # (t, B, k)
        masks = before.permute(1, 0, 2).reshape(-1, tokens.shape[1])
        sums = F.embedding_bag(
            rows.view(-1, tokens.shape[1]), weights.view(-1, hidden), mode="sum", per_sample_weights=masks
        )
        ctx.save_for_backward(places, before, heads)
        ctx.shape = (rows_total, every, hidden)
        return sums.view(len(heads), len(tokens), hidden)

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor) -> tuple[torch.Tensor | None, ...]:
        places, before, heads = ctx.saved_tensors
        rows_total, every, hidden = ctx.shape
        by_row = grad.transpose(0, 1).contiguous()  # (B, t, h)
        masks = before.permute(2, 0, 1).contiguous()  # (k, B, t)
        block = grad.new_zeros(rows_total, len(heads) * hidden)
        for k in range(places.shape[1]):
            block.index_add_(0, places[:, k], (by_row * masks[k].unsqueeze(-1)).view(len(places), -1))
        if len(heads) < every:  # some heads only: their blocks within every head's
            out = grad.new_zeros(rows_total, every, hidden)
            out[:, heads] = block.view(rows_total, len(heads), hidden)
            block = out.view(rows_total, -1)
        return block, None, None, None, None, None


def random_orders(
    batch: int, net: FusedHeads, generator: torch.Generator, given: torch.Tensor | None = None
) -> torch.Tensor:
    """``(B, t, n_inputs)`` masks of one random order of the input columns per row, 1 where
    ``k`` precedes target ``j``. A link column sees the inputs before a random place of its own
    in that order: it learns from any subset (as the inputs do), and is drawn given them all.

    ``given`` (booleans over the input columns) marks context columns, which sampling always
    gives: they come first in every order and are no targets (``t`` counts the others)."""
    given = torch.zeros(net.n_inputs, dtype=torch.bool) if given is None else given
    keys = torch.rand(batch, net.n_inputs, generator=generator) - given.float()  # given ones first
    ranks = keys.argsort(dim=1).argsort(dim=1)
    n_given = int(given.sum())
    places = torch.randint(n_given, net.n_inputs + 1, (batch, net.p - net.n_inputs), generator=generator)
    return (ranks.unsqueeze(1) < torch.cat([ranks[:, ~given], places], dim=1).unsqueeze(2)).float()


def target_columns(net: FusedHeads, given: torch.Tensor | None) -> torch.Tensor:
    """The columns with trained heads: every column but the ``given`` input columns."""
    if given is None:
        return torch.arange(net.p)
    return torch.cat([torch.nonzero(~given).flatten(), torch.arange(net.n_inputs, net.p)])
