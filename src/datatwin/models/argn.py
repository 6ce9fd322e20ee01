"""Any-order autoregressive network over discretised columns (registry name ``"argn"``).

Every column becomes tokens (see :mod:`datatwin.models._tokens`); the network learns
``p(column | any subset of the other columns)`` by training on one random column order per
row (see :mod:`datatwin.models._argn_net`). Sampling draws columns one after another, in a
different random order for each small group of rows: an ensemble of orders (see
:mod:`datatwin.models._argn_sampling`). Conditions are met exactly by drawing the conditioned
columns first from their allowed tokens — no rejection sampling, however rare the condition.
Training stops early when the validation likelihood stops improving, or when the time budget
is spent.

Numbers that equal, or nearly equal, an earlier column (a bill carried over, a payment that
settles it) are learnt as links (:mod:`datatwin.models._links`): extra heads drawn after every
column of the table, which refine the linked column's value but are never inputs themselves.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any, ClassVar, Self

import numpy as np
import torch

from datatwin.dp import Budget
from datatwin.encoded import EncodedColumn, EncodedTable
from datatwin.errors import ConfigError
from datatwin.models._argn_net import FusedHeads, random_orders, similar_widths, target_columns
from datatwin.models._argn_private import train_private
from datatwin.models._argn_sampling import TokenSampler
from datatwin.models._links import ColumnLinks
from datatwin.models._tokens import Tokenizer
from datatwin.models.base import (
    Capabilities,
    Conditions,
    ModelState,
    SearchSpace,
    check_sample_request,
)
from datatwin.progress import Progress, advance


@dataclass(frozen=True)
class ArgnConfig:
    """Options of the autoregressive model.

    Parameters
    ----------
    max_bins
        Tokens per continuous column (point masses plus quantile bins).
    fine
        Equal-mass segments inside each bin.
    embedding_dim, hidden
        Widths of the column embeddings and of each column's head (narrowed for wide tables,
        see :func:`_sized_for`).
    dropout
        Dropout on embeddings while training.
    batch_size, learning_rate, weight_decay
        Optimiser settings (AdamW).
    max_epochs, patience
        Training stops after ``max_epochs`` or when validation loss has not improved for
        ``patience`` epochs; the best epoch's weights are kept.
    lr_decay
        Factor the learning rate is multiplied by after every two epochs without improvement
        (1: constant learning rate), on the plateau schedule.
    schedule
        ``"plateau"``: the learning rate decays when validation stops improving, training stops
        after ``patience`` epochs without improvement; ``"cosine"``: a warm-up then a cosine
        decay over a planned number of epochs (``epochs``, at least 1,500 and at most 8,000
        steps, planned anew for ``max_time`` after the first epoch). Plateau is the default:
        tables differ in how many epochs they need, which a fixed plan cannot know (measured in
        ``docs/throughput.md``).
    epochs
        Epochs the cosine schedule plans.
    max_time
        Training time budget in seconds (``None``: no budget).
    validation_share
        Share of rows held out for early stopping.
    temperature
        Sampling temperature (1 reproduces the learnt distribution).
    equality_links
        Learn, as tokens of their own, when a binned number equals an earlier column's value or
        lies within a few percent of it (see :mod:`datatwin.models._links`): bins alone cannot
        express either.
    link_hidden
        Width of each link's head (see :mod:`datatwin.models._argn_net`).
    dp_epochs, dp_batch_size, dp_clip, dp_hidden, dp_embedding_dim
        Under differential privacy (DP-SGD, :mod:`datatwin.models._argn_private`): the fixed
        number of epochs, the expected rows per step, each row's gradient norm bound, and the
        (smaller) widths of the heads and embeddings — noise grows with the weights' number,
        and per-row gradients cost time in proportion to it.
    """

    max_bins: int = 50
    fine: int = 16
    embedding_dim: int = 16
    hidden: int = 48
    dropout: float = 0.3
    batch_size: int = 512
    learning_rate: float = 3e-3
    weight_decay: float = 1e-4
    max_epochs: int = 100
    patience: int = 4
    lr_decay: float = 0.5
    schedule: str = "plateau"
    epochs: int = 40
    max_time: float | None = None
    validation_share: float = 0.1
    temperature: float = 1.0
    equality_links: bool = True
    link_hidden: int = 32
    dp_epochs: int = 10
    dp_batch_size: int = 4096
    dp_clip: float = 1.0
    dp_hidden: int = 32
    dp_embedding_dim: int = 8

    def __post_init__(self) -> None:
        integers = (
            "max_bins",
            "fine",
            "embedding_dim",
            "hidden",
            "batch_size",
            "max_epochs",
            "epochs",
            "patience",
            "link_hidden",
            "dp_epochs",
            "dp_batch_size",
            "dp_hidden",
            "dp_embedding_dim",
        )
        for name in integers:
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ConfigError(f"argn option {name!r} must be a positive integer; got {value!r}.")
        ranges = (
            ("dropout", 0.0, 0.9),
            ("validation_share", 0.0, 0.5),
            ("weight_decay", 0.0, 1.0),
            ("lr_decay", 0.01, 1.0),
        )
        for name, low, high in ranges:
            value = getattr(self, name)
            if not isinstance(value, int | float) or not low <= value <= high:
                raise ConfigError(f"argn option {name!r} must be a number in [{low}, {high}]; got {value!r}.")
        for name in ("learning_rate", "temperature", "dp_clip"):
            value = getattr(self, name)
            if not isinstance(value, int | float) or value <= 0:
                raise ConfigError(f"argn option {name!r} must be a positive number; got {value!r}.")
        if self.schedule not in SCHEDULES:
            raise ConfigError(f"argn option 'schedule' must be one of {SCHEDULES}; got {self.schedule!r}.")
        if not isinstance(self.equality_links, bool):
            raise ConfigError(f"argn option 'equality_links' must be true or false; got {self.equality_links!r}.")
        if self.max_time is not None and (not isinstance(self.max_time, int | float) or self.max_time <= 0):
            raise ConfigError(f"argn option 'max_time' must be a positive number of seconds; got {self.max_time!r}.")


class AnyOrderAR:
    """Any-order autoregressive generator."""

    name: ClassVar[str] = "argn"
    capabilities: ClassVar[Capabilities] = Capabilities(
        conditional=True, context=True, time_budget=True, dp=True, needs_torch=True
    )

    def __init__(
        self,
        *,
        max_bins: int = ArgnConfig.max_bins,
        fine: int = ArgnConfig.fine,
        embedding_dim: int = ArgnConfig.embedding_dim,
        hidden: int = ArgnConfig.hidden,
        dropout: float = ArgnConfig.dropout,
        batch_size: int = ArgnConfig.batch_size,
        learning_rate: float = ArgnConfig.learning_rate,
        weight_decay: float = ArgnConfig.weight_decay,
        max_epochs: int = ArgnConfig.max_epochs,
        patience: int = ArgnConfig.patience,
        lr_decay: float = ArgnConfig.lr_decay,
        schedule: str = ArgnConfig.schedule,
        epochs: int = ArgnConfig.epochs,
        max_time: float | None = ArgnConfig.max_time,
        validation_share: float = ArgnConfig.validation_share,
        temperature: float = ArgnConfig.temperature,
        equality_links: bool = ArgnConfig.equality_links,
        link_hidden: int = ArgnConfig.link_hidden,
        dp_epochs: int = ArgnConfig.dp_epochs,
        dp_batch_size: int = ArgnConfig.dp_batch_size,
        dp_clip: float = ArgnConfig.dp_clip,
        dp_hidden: int = ArgnConfig.dp_hidden,
        dp_embedding_dim: int = ArgnConfig.dp_embedding_dim,
    ) -> None:
        self.config = ArgnConfig(
            max_bins=max_bins,
            fine=fine,
            embedding_dim=embedding_dim,
            hidden=hidden,
            dropout=dropout,
            batch_size=batch_size,
            learning_rate=learning_rate,
            weight_decay=weight_decay,
            max_epochs=max_epochs,
            patience=patience,
            lr_decay=lr_decay,
            schedule=schedule,
            epochs=epochs,
            max_time=max_time,
            validation_share=validation_share,
            temperature=temperature,
            equality_links=equality_links,
            link_hidden=link_hidden,
            dp_epochs=dp_epochs,
            dp_batch_size=dp_batch_size,
            dp_clip=dp_clip,
            dp_hidden=dp_hidden,
            dp_embedding_dim=dp_embedding_dim,
        )
        self.columns_: tuple[EncodedColumn, ...] | None = None
        self.tokenizers_: list[Tokenizer] = []
        self.net_: FusedHeads | None = None
        self.history_: list[dict[str, float]] = []
        self.links_ = ColumnLinks()
        self.context_: tuple[str, ...] = ()

    def get_params(self) -> dict[str, Any]:
        """The options, by name: ``AnyOrderAR(**model.get_params())`` is an unfitted copy."""
        return asdict(self.config)

    # -- fitting ---------------------------------------------------------------------------
    def fit(
        self,
        data: EncodedTable,
        *,
        seed: int,
        progress: Progress | None = None,
        context: Sequence[str] = (),
        budget: Budget | None = None,
    ) -> Self:
        """Tokenise the columns and train the network with early stopping; ``max_time`` counts
        from here, tokenising included.

        ``context`` names columns that every sample will give (a sequence's history, a child's
        parent): they come before the other columns in every training order and are not learnt
        themselves, so the model spends its capacity on the others given them all."""
        started = time.perf_counter()
        self.config = cfg = _sized_for(self.config, len(data.columns))
        if budget is not None:
            return self._fit_private(data, context, budget, progress)
        unknown = sorted(set(context) - {c.name for c in data.columns})
        if unknown:
            raise ConfigError(f"Context column(s) {unknown} are not columns of the table.")
        self.columns_ = data.columns
        self.context_ = tuple(c.name for c in data.columns if c.name in set(context))
        self.tokenizers_ = [
            Tokenizer.fit(c, data.column(c.name), max_bins=cfg.max_bins, fine=cfg.fine) for c in data.columns
        ]
        self.history_ = []
        if not self.columns_:
            self.net_ = None
            return self
        values = [data.column(c.name) for c in self.columns_]
        given = np.array([c.name in self.context_ for c in self.columns_])
        self.links_ = (
            ColumnLinks.fit(self.tokenizers_, values, fine=cfg.fine, given=frozenset(np.flatnonzero(given).tolist()))
            if cfg.equality_links
            else ColumnLinks()
        )
        tokens = torch.from_numpy(_token_matrix(self.tokenizers_, values, self.links_))
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            given_mask = torch.from_numpy(given) if given.any() else None
            self.net_ = self._train(tokens, given_mask, torch.Generator().manual_seed(seed), progress, started)
        return self

    def _fit_private(
        self, data: EncodedTable, context: Sequence[str], budget: Budget, progress: Progress | None
    ) -> Self:
        """Train under differential privacy (DP-SGD) on discrete columns: nothing is learnt
        outside the noisy gradients — no links, no unseen-token mask, no output bias from
        counts, no validation split or early stopping, no loss history."""
        continuous = [c.name for c in data.columns if c.kind != "discrete"]
        if continuous or context:
            raise ConfigError(
                f"Under differential privacy argn learns discrete columns without a context; got continuous "
                f"{continuous} and context {list(context)}: fit through datatwin.fit(..., epsilon=)."
            )
        cfg = self.config
        self.columns_, self.context_, self.history_, self.links_ = data.columns, (), [], ColumnLinks()
        self.tokenizers_ = [
            Tokenizer.fit(c, data.column(c.name), max_bins=cfg.max_bins, fine=cfg.fine) for c in data.columns
        ]
        if not data.columns:
            self.net_ = None
            return self
        cards = self._cardinalities()
        net = FusedHeads(
            cards,
            torch.zeros(len(cards), max(cards), dtype=torch.bool),
            embedding_dim=min(cfg.dp_embedding_dim, cfg.embedding_dim),
            hidden=min(cfg.dp_hidden, cfg.hidden),
            dropout=cfg.dropout,
        )
        targets = torch.arange(len(cards))
        tokens = torch.from_numpy(
            _token_matrix(self.tokenizers_, [data.column(c.name) for c in data.columns], self.links_)
        )

        def loss_of(params: dict[str, torch.Tensor], row: torch.Tensor, before: torch.Tensor) -> torch.Tensor:
            return _nll_with(net, params, row[None], before[None], targets)

        train_private(
            net,
            tokens,
            loss_of,
            lambda b, generator: random_orders(b, net, generator),
            budget,
            rows=budget.rows or len(tokens),
            epochs=cfg.dp_epochs,
            batch_size=cfg.dp_batch_size,
            clip=cfg.dp_clip,
            learning_rate=cfg.learning_rate,
            progress=progress,
        )
        net.eval().sampling_tables()
        self.net_ = net
        return self

    def _cardinalities(self) -> list[int]:
        """Tokens per model column: one column per encoded column, then the links' columns."""
        return [t.cardinality for t in self.tokenizers_] + self.links_.cardinalities

    def _train(
        self,
        tokens: torch.Tensor,
        given: torch.Tensor | None,
        generator: torch.Generator,
        progress: Progress | None,
        started: float,
    ) -> FusedHeads:
        """Train the heads; ``given`` marks the context columns (``None``: none)."""
        cfg = self.config
        cards = self._cardinalities()
        counts = torch.stack([torch.bincount(tokens[:, j], minlength=max(cards)) for j in range(len(cards))])
        net = FusedHeads(
            cards,
            counts == 0,
            n_inputs=len(self.tokenizers_),  # the links refine the table's own columns, drawn last
            embedding_dim=cfg.embedding_dim,
            hidden=cfg.hidden,
            dropout=cfg.dropout,
            link_hidden=cfg.link_hidden,
        )
        _init_output_bias(net, counts, cards)
        targets = target_columns(net, given)
        finish_seconds = _sampling_tables_seconds(net) if cfg.max_time else 0.0
        order = torch.randperm(len(tokens), generator=generator)
        n_val = int(len(tokens) * cfg.validation_share) if len(tokens) >= 50 else 0
        val, train = tokens[order[:n_val]], tokens[order[n_val:]]
        optimiser = torch.optim.AdamW(net.parameters(), lr=cfg.learning_rate, weight_decay=cfg.weight_decay)
        batch = min(cfg.batch_size, max(SMALLEST_BATCH, len(train) // STEPS_AT_LEAST), _rows_in_memory(net))
        val_orders = random_orders(n_val, net, generator, given)  # fixed, so epochs compare like with like
        best, best_state, stale, val_seconds = math.inf, None, 0, 0.0
        steps_per_epoch = math.ceil(len(train) / batch)
        cosine = cfg.schedule == "cosine"
        planned = planned_epochs(cfg, steps_per_epoch) if cosine else cfg.max_epochs
        for epoch in range(cfg.max_epochs):
            net.train()
            shuffled = train[torch.randperm(len(train), generator=generator)]
            train_loss = 0.0
            seen, out_of_time = 0, False
            epoch_started = time.perf_counter()
            for step, start in enumerate(range(0, len(shuffled), batch)):
                tick = time.perf_counter()
                if cosine:
                    done = (epoch * steps_per_epoch + step) / (planned * steps_per_epoch)
                    for group in optimiser.param_groups:
                        group["lr"] = cosine_rate(cfg.learning_rate, done)
                rows = shuffled[start : start + batch].long()
                loss = net.nll(rows, random_orders(len(rows), net, generator, given), targets)
                optimiser.zero_grad(set_to_none=True)
                loss.backward()
                optimiser.step()
                train_loss += loss.item() * len(rows)
                seen += len(rows)
                now = time.perf_counter()
                if cfg.max_time and now - started + (now - tick) + val_seconds + finish_seconds > cfg.max_time:
                    out_of_time = True  # another batch, the validation and building the sampling tables
                    break  # would overrun: a wide table's epoch can be long, so the budget is kept inside it
            tick = time.perf_counter()
            val_loss = _validation_loss(net, val, val_orders, targets) if n_val else train_loss / seen
            val_seconds = time.perf_counter() - tick
            rate = optimiser.param_groups[0]["lr"]
            self.history_.append({"epoch": epoch + 1, "train": train_loss / seen, "validation": val_loss, "lr": rate})
            advance(progress, "training", epoch + 1, cfg.max_epochs)
            if cosine and cfg.max_time and epoch == 0:  # planned for the budget
                epoch_seconds = time.perf_counter() - epoch_started + val_seconds
                left = cfg.max_time - (time.perf_counter() - started) - finish_seconds
                planned = int(min(planned, max(2, 1 + left // max(epoch_seconds, 1e-9))))
            if not math.isfinite(best) or best - val_loss > max(MIN_GAIN, MIN_RELATIVE_GAIN * abs(best)):
                best, stale = val_loss, 0
                best_state = {k: v.detach().clone() for k, v in net.state_dict().items()}
            else:
                stale += 1
                if not cosine and cfg.lr_decay < 1 and stale % 2 == 0:
                    for group in optimiser.param_groups:
                        group["lr"] *= cfg.lr_decay
            if stale >= cfg.patience or out_of_time or (cfg.max_time and time.perf_counter() - started > cfg.max_time):
                break
            if epoch + 1 >= planned:
                break
        advance(progress, "training", cfg.max_epochs, cfg.max_epochs)
        if best_state is not None:
            net.load_state_dict(best_state)
        net.eval().sampling_tables()  # built with the model, not by its first sample
        return net

    # -- sampling --------------------------------------------------------------------------
    def sample(
        self,
        n: int,
        *,
        seed: int,
        conditions: Conditions | None = None,
        context: dict[str, np.ndarray] | None = None,
    ) -> EncodedTable:
        """Draw ``n`` rows; ``conditions`` maps encoded column names to allowed code sets
        (discrete) or ``(low, high)`` intervals (continuous); ``context`` gives some encoded
        columns' values row by row (e.g. each child row's parent), which the rows keep and the
        other columns follow."""
        check_sample_request(self.name, self.columns_ is not None, n, conditions, conditional=True)
        assert self.columns_ is not None
        conditions = dict(conditions or {})
        unknown = sorted(set(conditions) - {c.name for c in self.columns_})
        if unknown:
            raise ConfigError(f"Conditions name unknown encoded column(s) {unknown}.")
        names = [c.name for c in self.columns_]
        weights = {names.index(k): self.tokenizers_[names.index(k)].log_weights(v) for k, v in conditions.items()}
        for j, w in weights.items():
            possible = np.isfinite(w) & ~self.net_.padding[j, : len(w)].numpy() if self.net_ is not None else w
            if not np.any(possible):
                raise ConfigError(f"No value of {names[j]!r} seen in training satisfies {conditions[names[j]]!r}.")
        missing = [k for k in self.context_ if k not in (context or {})]
        if missing:
            raise ConfigError(f"The model was fitted to be given {missing} as context; give them to sample().")
        fixed = self._context_tokens(context or {}, n, conditions)
        rng = np.random.default_rng(seed)
        generator = torch.Generator().manual_seed(int(rng.integers(0, 2**62)))
        if self.net_ is None:
            tokens = np.zeros((n, 0), dtype=np.int64)
        else:
            taken = set(weights) | set(fixed)
            free = np.array([j for j in range(self.net_.n_inputs) if j not in taken], dtype=np.int64)
            sampler = TokenSampler(self.net_, temperature=self.config.temperature, weights=weights)
            tokens = sampler.draw(n, sorted(fixed) + sorted(weights), free, fixed, rng, generator)
        intervals = {
            j: conditions[c.name]
            for j, c in enumerate(self.columns_)
            if c.kind == "continuous" and c.name in conditions
        }
        values = [t.values_of(tokens[:, j], rng, intervals.get(j)) for j, t in enumerate(self.tokenizers_)]
        self.links_.apply(values, tokens, self.tokenizers_, intervals, keep=set(fixed), rng=rng)
        for j in fixed:  # context columns keep their exact values
            assert context is not None
            values[j] = np.asarray(context[self.columns_[j].name], dtype=values[j].dtype)
        data = {c.name: v for c, v in zip(self.columns_, values, strict=True)}
        return EncodedTable(self.columns_, data, n_rows=n)

    def _context_tokens(self, context: dict[str, np.ndarray], n: int, conditions: Conditions) -> dict[int, np.ndarray]:
        """Tokens of the context columns, by model column index."""
        assert self.columns_ is not None
        names = [c.name for c in self.columns_]
        problems = [f"unknown encoded column {k!r}" for k in context if k not in names]
        problems += [f"{k!r} has {len(v)} values for {n} rows" for k, v in context.items() if len(v) != n]
        problems += [f"{k!r} is both context and condition" for k in context if k in conditions]
        if problems:
            raise ConfigError("Context: " + "; ".join(problems) + ".")
        return {names.index(k): self.tokenizers_[names.index(k)].tokens(np.asarray(v)) for k, v in context.items()}

    # -- persistence -----------------------------------------------------------------------
    def to_state(self) -> ModelState:
        """Config, tokenizers and network weights."""
        check_sample_request(self.name, self.columns_ is not None, 1, None, conditional=True)
        assert self.columns_ is not None
        links_config, links_arrays = self.links_.to_state()
        config = {
            "options": self.get_params(),
            "links": links_config,
            "columns": [c.to_dict() for c in self.columns_],
            "tokenizers": [t.to_state()[0] for t in self.tokenizers_],
            "history": self.history_,
            "context": list(self.context_),
        }
        arrays = {f"links/{k}": v for k, v in links_arrays.items()}
        for j, tokenizer in enumerate(self.tokenizers_):
            arrays.update({f"tokens/{j}/{k}": v for k, v in tokenizer.to_state()[1].items()})
        if self.net_ is not None:
            arrays.update({f"net/{k}": v.detach().numpy() for k, v in self.net_.state_dict().items()})
        return config, arrays

    @classmethod
    def from_state(cls, state: ModelState) -> Self:
        """Rebuild a fitted model."""
        config, arrays = state
        model = cls(**config["options"])
        model.columns_ = tuple(EncodedColumn.from_dict(c) for c in config["columns"])
        model.history_ = list(config["history"])
        model.context_ = tuple(config.get("context", ()))
        model.links_ = ColumnLinks.from_state(config["links"], _under(arrays, "links/"))
        model.tokenizers_ = [
            Tokenizer.from_state(t, _under(arrays, f"tokens/{j}/")) for j, t in enumerate(config["tokenizers"])
        ]
        if model.columns_:
            cfg = model.config
            cards = model._cardinalities()
            weights = {k: torch.from_numpy(np.array(v)) for k, v in _under(arrays, "net/").items()}
            link_heads = weights.get("link_heads.w1")
            net = FusedHeads(
                cards,
                weights["padding"],
                n_inputs=len(weights["heads.w1"]),
                embedding_dim=weights["embedding.weight"].shape[1],  # as trained (narrower under DP)
                hidden=weights["heads.w1"].shape[-1],
                dropout=cfg.dropout,
                link_hidden=None if link_heads is None else link_heads.shape[-1],
            )
            net.load_state_dict(weights)
            model.net_ = net.eval()
            net.sampling_tables()  # built with the model, not by its first sample
        return model

    @classmethod
    def search_space(cls) -> SearchSpace:
        """Candidate options for tuning."""
        return {
            "hidden": (32, 48, 64, 128),
            "embedding_dim": (8, 16, 32),
            "batch_size": (256, 512, 1024),
            "max_bins": (50, 100, 200),
        }


def _under(arrays: dict[str, np.ndarray], prefix: str) -> dict[str, np.ndarray]:
    """The arrays whose names start with ``prefix``, by the rest of their names."""
    return {k[len(prefix) :]: v for k, v in arrays.items() if k.startswith(prefix)}


FIRST_LAYER_WEIGHTS = 1 << 24
"""Most weights the heads' first layer may have (``columns² × (embedding_dim + 1) × hidden``);
a wider table gets narrower embeddings, then narrower heads, so that it fits in memory."""


def _sized_for(config: ArgnConfig, columns: int) -> ArgnConfig:
    """``config`` with the embedding and head widths a table of ``columns`` columns can afford
    (unchanged for tables up to about 70 columns at the default widths)."""
    embedding_dim, hidden = config.embedding_dim, config.hidden
    weights = lambda e, h: columns * columns * (e + 1) * h  # noqa: E731
    while weights(embedding_dim, hidden) > FIRST_LAYER_WEIGHTS and embedding_dim > 4:
        embedding_dim //= 2
    while weights(embedding_dim, hidden) > FIRST_LAYER_WEIGHTS and hidden > 8:
        hidden //= 2
    link_hidden = min(config.link_hidden, hidden)
    if (embedding_dim, hidden, link_hidden) == (config.embedding_dim, config.hidden, config.link_hidden):
        return config
    return replace(config, embedding_dim=embedding_dim, hidden=hidden, link_hidden=link_hidden)


MIN_GAIN, MIN_RELATIVE_GAIN = 1e-4, 1e-4
"""An epoch improves on the best when its validation loss is lower by more than both
:data:`MIN_GAIN` and :data:`MIN_RELATIVE_GAIN` of the best. The loss sums every column's, so an
absolute threshold alone would keep a wide table training on gains negligible for each column
(``docs/throughput.md``)."""


TRAINING_MEMORY_BYTES = 1 << 30
"""Memory a training batch's orders and activations may take: wide tables train in smaller batches."""


SMALLEST_BATCH, STEPS_AT_LEAST = 32, 16
"""A small table trains in batches of a sixteenth of its rows (at least 32): an epoch of a few
large batches is a few steps, and early stopping then ends training after a few dozen."""
SCHEDULES = ("plateau", "cosine")
MIN_STEPS, MAX_STEPS = 1_500, 8_000
"""A cosine schedule plans ``epochs`` epochs, but at least :data:`MIN_STEPS` steps (a small table's
epoch is a few steps) and at most :data:`MAX_STEPS` (a large table's epochs are long), within
``max_epochs``."""


def planned_epochs(config: ArgnConfig, steps_per_epoch: int) -> int:
    """Epochs a cosine schedule plans for a table of ``steps_per_epoch`` steps an epoch."""
    steps = min(max(config.epochs * steps_per_epoch, MIN_STEPS), MAX_STEPS)
    return int(min(config.max_epochs, max(1, math.ceil(steps / steps_per_epoch))))


WARMUP_SHARE = 0.05
FINAL_RATE_SHARE = 0.02


def cosine_rate(peak: float, done: float) -> float:
    """The learning rate after ``done`` (0 … 1) of the planned steps: a linear warm-up over the
    first :data:`WARMUP_SHARE`, then a cosine down to :data:`FINAL_RATE_SHARE` of the peak."""
    if done < WARMUP_SHARE:
        return peak * (0.1 + 0.9 * done / WARMUP_SHARE)
    progress = min(1.0, (done - WARMUP_SHARE) / (1 - WARMUP_SHARE))
    return peak * (FINAL_RATE_SHARE + (1 - FINAL_RATE_SHARE) * 0.5 * (1 + math.cos(math.pi * progress)))


def _rows_in_memory(net: FusedHeads) -> int:
    """Rows per training batch whose orders (``p × n_inputs`` floats, booleans and table
    indices a row) and activations (about five hidden layers' worth per head, three logits'
    worth per padded logit: each head's logits are padded within its group, see
    :func:`similar_widths`) fit in :data:`TRAINING_MEMORY_BYTES`."""
    cards = net.cardinalities
    logits = sum(len(group) * max(cards[j] for j in group) for group in similar_widths(cards))
    per_row = net.p * (9 * net.n_inputs + 4 * 5 * net.heads.w1.shape[-1]) + 4 * 3 * logits
    return max(1, TRAINING_MEMORY_BYTES // per_row)


def _validation_loss(net: FusedHeads, val: torch.Tensor, orders: torch.Tensor, targets: torch.Tensor) -> float:
    chunk = min(4096, 3 * _rows_in_memory(net))  # no gradients: a third of the memory a row
    net.eval()
    with torch.no_grad():
        total = sum(
            float(net.nll(rows.long(), before, targets)) * len(rows)
            for rows, before in zip(val.split(chunk), orders.split(chunk), strict=True)
        )
    return total / len(val)


def _nll_with(
    net: FusedHeads, params: dict[str, torch.Tensor], rows: torch.Tensor, before: torch.Tensor, targets: torch.Tensor
) -> torch.Tensor:
    """:meth:`FusedHeads.nll` computed from :meth:`FusedHeads.forward`, with the network's
    parameters replaced by ``params``: the per-row gradients of differential privacy."""
    logits = torch.func.functional_call(net, params, (rows.long(), before, targets))
    return torch.nn.functional.cross_entropy(
        logits.reshape(-1, logits.shape[-1]), rows.long()[:, targets].reshape(-1), reduction="sum"
    ) / len(rows)


def _token_matrix(tokenizers: list[Tokenizer], values: list[np.ndarray], links: ColumnLinks) -> np.ndarray:
    """Training rows as 32-bit tokens (the table's columns, then the links'), filled a column at
    a time: a table of millions of rows and a hundred columns holds one copy at half the width."""
    n = len(values[0])
    matrix = np.empty((n, len(tokenizers) + len(links.cardinalities)), dtype=np.int32)
    for j, (tokenizer, column) in enumerate(zip(tokenizers, values, strict=True)):
        matrix[:, j] = tokenizer.tokens(column)
    for j, column in enumerate(links.tokens(values), start=len(tokenizers)):
        matrix[:, j] = column
    return matrix


def _sampling_tables_seconds(net: FusedHeads) -> float:
    """How long building ``net``'s sampling tables takes (done once more after training, so a
    time budget keeps room for it); the tables built here are dropped."""
    tick = time.perf_counter()
    with torch.no_grad():
        net.eval().sampling_tables()
    net.train()._sampling_tables = None
    return time.perf_counter() - tick


def _init_output_bias(net: FusedHeads, counts: torch.Tensor, cards: list[int]) -> None:
    """Start each head at its column's log marginal frequencies (fewer steps to fit marginals)."""
    with torch.no_grad():
        for j, k in enumerate(cards):
            smoothed = counts[j, :k].float() + 0.5
            own = j < net.n_inputs
            bias = net.heads.b_out[j] if own else net.link_heads.b_out[j - net.n_inputs]  # type: ignore[union-attr]
            bias[:k] = torch.log(smoothed / smoothed.sum())
