"""Equality and near-equality between numeric columns, which bins cannot express, as extra tokens.

Quantile bins capture how two numbers move together only to the width of a bin, so "this
month's bill equals last month's", or "is within 2% of it", is lost. A link pairs a binned
column with the earlier column (its source) it is closest to most often: equal or within 5%
(relative) in at least 5% of rows outside the column's point masses, or exactly equal in at
least 1% (a payment that settles last month's bill, an unchanged balance). The link's token
says, row by row, "unrelated", "equal", or in which of a few equal-mass bins of relative
difference the column lies; the sampled row then copies the source's value, or scales it by a
relative difference drawn from that bin's own quantiles. Sources come before their columns, so
chains (bill 3 ≈ bill 2 ≈ bill 1) resolve in column order.

The model draws the link tokens last, given every column of the row (see
:mod:`datatwin.models._argn_net`); a row whose link says "unrelated" but whose own draw landed
near its source is drawn again inside its bin, outside the near band (real unrelated rows are
never near).

Measured on credit default (two-sample AUC, same split): 0.676 without links, 0.658 with equality
alone; equal-bill rows 3.7% → 7.3% (real 8.9%), payment = previous bill 8.4% → 20.7% (real
21.5%). Near links (with rounding habits kept inside bins) took it to 0.594 — bills within 5% of
the previous month's: 21% → 39–40% (real 35%) — and drawing links last to 0.585. The 3–4 points
too many near rows were "unrelated" rows that four redraws inside their bin could not move out
of the band; drawing them from the bin with the band cut out (exact, no retries) leaves 1%:
near shares 38/35/36% → 37/34/35% (real 34/33/33%), AUC unchanged (0.573). Binned absolute
differences ``column − source`` as tokens of their own were tried and measured worse (0.671), as
were within-bin segments as tokens (0.766).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from datatwin.models._tokens import Interval, Tokenizer, knot_quantile

MIN_EQUAL_SHARE = 0.01
MIN_NEAR_SHARE = 0.05
NEAR = 0.05
"""Largest relative difference ``|column / source − 1|`` that counts as near."""
NEAR_BINS = 6
MIN_ROWS_PER_NEAR_BIN = 20
_UNRELATED, _EQUAL = 0, 1


@dataclass
class ColumnLinks:
    """The links of one table.

    Attributes
    ----------
    equal
        ``(column, source)`` pairs, ``source < column``.
    near
        Per link, ``(bins, fine + 1)`` quantiles of the relative difference inside each
        near bin; no bins (too few near rows): equality only.
    """

    equal: list[tuple[int, int]] = field(default_factory=list)
    near: list[np.ndarray] = field(default_factory=list)

    @classmethod
    def fit(
        cls,
        tokenizers: list[Tokenizer],
        values: list[np.ndarray],
        *,
        fine: int = 16,
        given: frozenset[int] = frozenset(),
    ) -> ColumnLinks:
        """Find the links worth learning. Columns in ``given`` (context every sample gives) are
        neither linked nor sources: a sequence's lags and means would otherwise add a head each,
        and a change linked to the previous change turns a series into a drifting walk."""
        links = cls()
        for column, tokenizer in enumerate(tokenizers):
            if column in given:
                continue
            sources = [s for s in range(column) if s not in given and tokenizers[s].kind != "discrete"]
            if tokenizer.kind != "binned" or not sources:
                continue
            in_bins = ~np.isin(values[column], tokenizer.values)
            equal = [np.mean(in_bins & (values[column] == values[s])) for s in sources]
            near = [np.mean(in_bins & _is_near(values[column], values[s])) for s in sources]
            best = int(np.argmax(near))
            if near[best] >= MIN_NEAR_SHARE or max(equal) >= MIN_EQUAL_SHARE:
                source = sources[best] if near[best] >= MIN_NEAR_SHARE else sources[int(np.argmax(equal))]
                links.equal.append((column, source))
                links.near.append(_near_knots(values[column][in_bins], values[source][in_bins], fine))
        return links

    @property
    def cardinalities(self) -> list[int]:
        """Tokens of each extra column: unrelated, equal, then the near bins."""
        return [2 + len(knots) for knots in self.near]

    def tokens(self, values: list[np.ndarray]) -> list[np.ndarray]:
        """The extra token columns of training rows."""
        out = []
        for (column, source), knots in zip(self.equal, self.near, strict=True):
            x, s = values[column], values[source]
            token = np.where(x == s, _EQUAL, _UNRELATED)
            if len(knots):
                lows = knots[1:, 0]
                signed = _signed_relative(x, s)
                near = (token == _UNRELATED) & (np.abs(signed) <= NEAR)
                token[near] = 2 + np.searchsorted(lows, signed[near], side="right")
            out.append(token.astype(np.int64))
        return out

    def apply(
        self,
        values: list[np.ndarray],
        tokens: np.ndarray,
        tokenizers: list[Tokenizer],
        intervals: dict[int, Interval],
        keep: set[int],
        rng: np.random.Generator,
    ) -> None:
        """Write the linked columns' values (``values``: one array per column, rewritten in place;
        ``tokens``: the drawn tokens, the table's own columns then the links').

        Where a link says equal, the source's value is copied; where it says near, the source's
        value is scaled by a relative difference drawn from that bin and rounded the way the
        column's values are. Where it says unrelated but the column's own draw landed near the
        source anyway, the column is drawn again from the part of its bin outside the near band
        (left as drawn when the whole bin lies inside it): real unrelated rows are never near. A
        column with a condition keeps it (a value that would break it is not written); columns
        in ``keep`` (given as context) are never rewritten.
        """
        own = len(tokenizers)
        for k, ((column, source), knots) in enumerate(zip(self.equal, self.near, strict=True)):  # chains resolve
            if column in keep:
                continue
            link, derived = tokens[:, own + k], values[source].astype(np.float64)
            interval = intervals.get(column)
            unrelated = np.flatnonzero(link == _UNRELATED)
            clash = unrelated[_is_near(values[column][unrelated], derived[unrelated])]
            if len(clash):
                band = NEAR * np.abs(derived[clash])
                values[column][clash] = tokenizers[column].values_avoiding(
                    tokens[clash, column], derived[clash] - band, derived[clash] + band, rng, interval
                )
            near = link >= 2
            if near.any():
                difference = knot_quantile(knots, link[near] - 2, rng.random(int(near.sum())))
                scaled = derived[near] * (1.0 + difference)
                derived[near] = tokenizers[column].rounded_like_data(scaled, rng)
            lo, hi = interval if interval is not None else (-np.inf, np.inf)
            rewrite = (link != _UNRELATED) & (derived >= lo) & (derived <= hi)
            values[column] = np.where(rewrite, derived.astype(values[column].dtype), values[column])

    def to_state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        """JSON-able pairs and the near bins' quantile arrays."""
        arrays = {f"near/{k}": knots for k, knots in enumerate(self.near)}
        return {"equal": [list(link) for link in self.equal]}, arrays

    @classmethod
    def from_state(cls, config: dict[str, Any], arrays: dict[str, np.ndarray]) -> ColumnLinks:
        """Inverse of :meth:`to_state`."""
        pairs = [(int(c), int(s)) for c, s in config["equal"]]
        return cls(equal=pairs, near=[np.asarray(arrays[f"near/{k}"]) for k in range(len(pairs))])


def _signed_relative(x: np.ndarray, source: np.ndarray) -> np.ndarray:
    """``x / source − 1`` (infinite where the source is 0)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        out = x / source - 1.0
    return np.where(source == 0, np.inf, out)


def _is_near(x: np.ndarray, source: np.ndarray) -> np.ndarray:
    """``|x / source − 1| <= NEAR`` (never where the source is 0), without dividing."""
    return (np.abs(x - source) <= NEAR * np.abs(source)) & (source != 0)


def _near_knots(x: np.ndarray, source: np.ndarray, fine: int) -> np.ndarray:
    """``(bins, fine + 1)`` quantiles of the near, unequal rows' relative differences, cut into
    equal-mass bins; no bins when too few rows are near."""
    signed = _signed_relative(x, source)
    near = np.sort(signed[(x != source) & (np.abs(signed) <= NEAR)])
    n_bins = min(NEAR_BINS, len(near) // MIN_ROWS_PER_NEAR_BIN)
    if n_bins == 0:
        return np.zeros((0, fine + 1))
    parts = np.array_split(near, n_bins)
    return np.stack([np.quantile(part, np.linspace(0.0, 1.0, fine + 1)) for part in parts])
