"""The sampling path of the autoregressive network: same logits as training, orders, conditions."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch.nn import functional as F

from datatwin.models import _argn_sampling
from datatwin.models._argn_net import FusedHeads
from datatwin.models._argn_sampling import CHUNK_ROWS, TokenSampler

CARDS = [5, 3, 5, 7, 3, 4]  # five input columns, then one link


def _net() -> FusedHeads:
    torch.manual_seed(0)
    unseen = torch.zeros(len(CARDS), max(CARDS), dtype=torch.bool)
    unseen[0, 4] = True  # token 4 of column 0 never seen in training
    net = FusedHeads(CARDS, unseen, n_inputs=5, embedding_dim=4, hidden=8, dropout=0.0, link_hidden=6)
    with torch.no_grad():
        for parameter in net.parameters():
            parameter.normal_(0.0, 0.5)
    return net.eval()


def test_sampling_logits_equal_the_training_logits():
    """The fused first-layer tables and grouped heads compute what the training forward does."""
    net = _net()
    generator = torch.Generator().manual_seed(1)
    tokens = torch.stack([torch.randint(0, c, (64,), generator=generator) for c in CARDS], dim=1)
    before = (torch.rand(64, net.p, net.n_inputs, generator=generator) < 0.5).float()
    before[:, net.n_inputs :] = 1.0  # links are drawn given every input
    with torch.no_grad():
        expected = net(tokens, before)
        tables, rows_per_head = net.first_layer_tables(), net.first_layer_tables().shape[0] // net.n_inputs
        link_tables = net.first_layer_tables(net.link_heads)
        for b in range(4):
            for j in range(net.p):
                inputs = [k for k in range(net.n_inputs) if before[b, j, k]]
                drawn = torch.tensor([[rows_per_head - 1] + [int(tokens[b, k] + net.offsets[k]) for k in inputs]])
                if j < net.n_inputs:
                    first_layer = F.embedding_bag(drawn + j * rows_per_head, tables, mode="sum")
                    logits = net.grouped_logits(torch.tensor([j]), first_layer)[0, 0]
                else:
                    first_layer = F.embedding_bag(drawn, link_tables, mode="sum")
                    logits = net.link_logits(first_layer)[j - net.n_inputs, 0]
                want = expected[b, j, : CARDS[j]]
                assert torch.equal(torch.isinf(logits), torch.isinf(want))
                torch.testing.assert_close(
                    logits[torch.isfinite(want)], want[torch.isfinite(want)], atol=1e-5, rtol=1e-5
                )


def test_link_heads_are_drawn_from_their_heads_given_every_input():
    """The batched link step draws each link from its own head's distribution."""
    net = _net()
    sampler = TokenSampler(net, temperature=1.0, weights={})
    n = 20_000
    tokens = torch.stack([torch.full((n,), t) for t in (1, 2, 0, 3, 1)], dim=1)
    drawn = torch.cat([torch.full((n, 1), sampler.bias_token), tokens + net.offsets[:5]], dim=1)
    refined = sampler._draw_link_heads(drawn, torch.Generator().manual_seed(7)).numpy()
    with torch.no_grad():
        before = torch.ones(1, net.p, net.n_inputs)
        expected = torch.softmax(net(tokens[:1], before)[0, 5, : CARDS[5]], 0).numpy()
    np.testing.assert_allclose(np.bincount(refined[:, 0], minlength=CARDS[5]) / n, expected, atol=0.012)


def test_orders_are_permutations_with_equal_cardinalities_at_each_step():
    sampler = TokenSampler(_net(), temperature=1.0, weights={})
    rng = np.random.default_rng(0)
    free = np.arange(5)
    firsts = []
    for _ in range(3000):
        orders = sampler._orders(free, 8, rng)
        assert all(sorted(order) == list(range(5)) for order in orders.tolist())
        cards = np.array(CARDS)[orders]
        assert (cards == cards[:1]).all()  # a step's heads all have as many tokens
        firsts.append(orders[3, 0])
    # each group's order is uniformly random: any column comes first about a fifth of the time
    np.testing.assert_allclose(np.bincount(firsts, minlength=5) / len(firsts), 0.2, atol=0.03)


def test_given_and_conditioned_columns_are_respected_across_chunks():
    net = _net()
    weights = {0: np.array([-np.inf, 0.0, 0.0, -np.inf, 0.0])}  # token 4 allowed but never seen
    sampler = TokenSampler(net, temperature=1.0, weights=weights)
    n = CHUNK_ROWS + 904  # two chunks, whose rows are padded to equal groups
    given = {1: np.random.default_rng(2).integers(0, 3, n)}

    def draw() -> np.ndarray:
        return sampler.draw(
            n, [1, 0], np.array([2, 3, 4]), given, np.random.default_rng(3), torch.Generator().manual_seed(4)
        )

    tokens = draw()
    assert tokens.shape == (n, 6)
    assert np.array_equal(tokens[:, 1], given[1])
    assert set(np.unique(tokens[:, 0])) == {1, 2}  # allowed and seen
    assert all(tokens[:, j].max() < c and tokens[:, j].min() >= 0 for j, c in enumerate(CARDS))
    assert np.array_equal(tokens, draw())  # seeded


def test_a_column_drawn_first_follows_its_learnt_marginal():
    net = _net()
    sampler = TokenSampler(net, temperature=1.0, weights={3: np.zeros(7)})  # conditioned: drawn first
    tokens = sampler.draw(
        20_000, [3], np.array([0, 1, 2, 4]), {}, np.random.default_rng(5), torch.Generator().manual_seed(6)
    )
    with torch.no_grad():
        bias_only = torch.full((1, 1), sampler.bias_token) + 3 * sampler.rows_per_head
        first_layer = F.embedding_bag(bias_only, sampler.tables, mode="sum")
        expected = torch.softmax(net.grouped_logits(torch.tensor([3]), first_layer)[0, 0], 0).numpy()
    np.testing.assert_allclose(np.bincount(tokens[:, 3], minlength=7) / len(tokens), expected, atol=0.012)


@pytest.mark.parametrize("n", [1, 3, 9])
def test_fewer_rows_than_orders(n):
    sampler = TokenSampler(_net(), temperature=1.0, weights={})
    tokens = sampler.draw(n, [], np.arange(5), {}, np.random.default_rng(0), torch.Generator().manual_seed(0))
    assert tokens.shape == (n, 6) and all(tokens[:, j].max() < c for j, c in enumerate(CARDS))


def test_steps_computed_per_prefix_draw_what_per_row_steps_draw(monkeypatch):
    """Early steps evaluate each head once per possible prefix, not per row: same draws (the
    logits are the same sums; only float rounding in the products could flip a rare token)."""
    sampler = TokenSampler(_net(), temperature=1.0, weights={2: np.zeros(5)})

    def draw() -> np.ndarray:
        rng, generator = np.random.default_rng(8), torch.Generator().manual_seed(9)
        return sampler.draw(CHUNK_ROWS + 100, [2], np.array([0, 1, 3, 4]), {}, rng, generator)

    by_prefix = draw()
    monkeypatch.setattr(_argn_sampling, "PREFIX_SHARE", 10**12)  # every step per row
    by_row = draw()
    assert np.mean(by_prefix == by_row) > 0.999


def test_sampling_tables_are_kept_until_the_weights_may_change():
    """The first-layer tables are computed once per fitted state and forgotten by train()/eval()."""
    net = _net()
    tables, link_tables = net.sampling_tables()
    assert net.sampling_tables()[0] is tables
    torch.testing.assert_close(tables, net.first_layer_tables())
    torch.testing.assert_close(link_tables, net.first_layer_tables(net.link_heads))
    net.train()
    with torch.no_grad():
        net.embedding.weight.add_(1.0)
    net.eval()
    again = net.sampling_tables()[0]
    assert again is not tables
    torch.testing.assert_close(again, net.first_layer_tables())
    assert not torch.allclose(again, tables)


@pytest.mark.parametrize(("n", "chunks"), [(8192, [(8192, 16)]), (8194, [(4097, 9), (4097, 9)]), (600, [(600, 8)])])
def test_a_sample_is_cut_into_the_fewest_chunks_of_equal_size(monkeypatch, n, chunks):
    """No small remainder chunk, which would pay a whole chunk's per-operation cost; each chunk
    (rows, orders) has an order per 512 rows, and at least 8."""
    assert (CHUNK_ROWS, _argn_sampling.ROWS_PER_ORDER, _argn_sampling.MIN_ORDERS) == (8192, 512, 8)
    sampler, seen = TokenSampler(_net(), temperature=1.0, weights={}), []
    draw_chunk = sampler._draw_chunk

    def recording(rows, orders, given, generator):
        seen.append((rows, len(orders)))
        return draw_chunk(rows, orders, given, generator)

    monkeypatch.setattr(sampler, "_draw_chunk", recording)
    tokens = sampler.draw(n, [], np.arange(5), {}, np.random.default_rng(0), torch.Generator().manual_seed(0))
    assert tokens.shape == (n, 6)
    assert seen == chunks


@pytest.mark.parametrize("given", [None, torch.tensor([False, True, False, False, False])])
def test_the_training_loss_sums_table_rows_to_the_masked_inputs_likelihood(given):
    """Training sums each head's first-layer table rows over the inputs before it: the same
    loss as the masked inputs of the per-row forward, and the same gradients."""
    from datatwin.models._argn_net import random_orders, target_columns

    net = _net().eval()
    generator = torch.Generator().manual_seed(3)
    seen = [c - (j == 0) for j, c in enumerate(CARDS)]  # column 0's token 4 is never seen
    tokens = torch.stack([torch.randint(0, c, (48,), generator=generator) for c in seen], dim=1)
    targets = target_columns(net, given)
    orders = random_orders(48, net, generator, given)
    logits = net(tokens, orders, targets)
    labels = tokens[:, targets]
    expected = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), labels.reshape(-1), reduction="sum") / 48
    summed = net.nll(tokens, orders, targets)
    torch.testing.assert_close(summed, expected)
    expected_grads = torch.autograd.grad(expected, list(net.parameters()), allow_unused=True)
    summed_grads = torch.autograd.grad(summed, list(net.parameters()), allow_unused=True)
    for a, b in zip(expected_grads, summed_grads, strict=True):
        if a is not None:
            torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-5)


def test_columns_are_padded_to_their_own_group_not_to_the_widest():
    """A 300-token code column beside yes/no columns: blocks are padded within groups of
    similar token counts, and every token has its own row."""
    from datatwin.models._argn_net import _InputBlocks, similar_widths

    assert similar_widths([2, 300, 3, 2, 290], slack=64) == [[0, 3, 2], [4, 1]]
    assert similar_widths([2, 300, 3, 2, 290], slack=1000) == [[0, 3, 2, 4, 1]]
    cards = [292, 2, 3, 2, 50, 7, 275]
    blocks = _InputBlocks(cards)
    assert len(blocks.embedding_rows) < 1.2 * sum(cards) < len(cards) * max(cards) / 2
    assert sorted(blocks.order.tolist()) == list(range(len(cards)))
    assert len(set(blocks.token_rows.tolist())) == sum(cards)
    offsets = np.cumsum([0, *cards[:-1]])
    for k, c in enumerate(cards):  # each column's rows hold its own tokens, in order
        rows = blocks.embedding_rows[blocks.start[k] : blocks.start[k] + c]
        assert rows.tolist() == list(range(offsets[k], offsets[k] + c))
