"""Equality between numeric columns, which bins cannot express, learnt as extra tokens.

Quantile bins capture how two numbers move together only to the width of a bin, so "this
month's bill equals last month's" is lost. An equality link pairs a binned column with the
earlier column (its source) it equals most often, when that happens in at least 1% of rows
outside the column's point masses (a payment that settles last month's bill exactly, an
unchanged balance). A yes/no token says when; the sampled row then copies the source's value.
Sources come before their columns, so chains (bill 3 = bill 2 = bill 1) resolve in column order.

Measured on credit default (two-sample AUC, same split): 0.676 without links, 0.658 with them;
equal-bill rows 3.7% → 7.3% (real 8.9%), payment = previous bill 8.4% → 20.7% (real 21.5%).
Modelling differences to a correlated column the same way (binned ``column − source`` tokens)
was tried and measured worse (0.671), as were within-bin segments as tokens (0.766).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from datatwin.models._tokens import Interval, Tokenizer

MIN_EQUAL_SHARE = 0.01


@dataclass
class ColumnLinks:
    """The equality links of one table: ``(column, source)`` pairs, ``source < column``."""

    equal: list[tuple[int, int]] = field(default_factory=list)

    @classmethod
    def fit(cls, tokenizers: list[Tokenizer], values: list[np.ndarray]) -> ColumnLinks:
        """Find the links worth learning."""
        links = cls()
        for column, tokenizer in enumerate(tokenizers):
            sources = [s for s in range(column) if tokenizers[s].kind != "discrete"]
            if tokenizer.kind != "binned" or not sources:
                continue
            in_bins = ~np.isin(values[column], tokenizer.values)
            shares = [np.mean(in_bins & (values[column] == values[s])) for s in sources]
            if max(shares) >= MIN_EQUAL_SHARE:
                links.equal.append((column, sources[int(np.argmax(shares))]))
        return links

    @property
    def cardinalities(self) -> list[int]:
        """Tokens of each extra column (yes/no flags)."""
        return [2] * len(self.equal)

    def tokens(self, values: list[np.ndarray]) -> list[np.ndarray]:
        """The extra token columns of training rows."""
        return [(values[c] == values[s]).astype(np.int64) for c, s in self.equal]

    def apply(
        self, values: list[np.ndarray], flags: np.ndarray, intervals: dict[int, Interval], keep: set[int]
    ) -> None:
        """Copy the source's value into each column whose drawn flag says equal (``values``: one
        array per column, rewritten in place). A column with a condition keeps it: a copy that
        would break it is not made; columns in ``keep`` (given as context) are never rewritten."""
        for k, (column, source) in enumerate(self.equal):  # in column order: chains resolve
            if column in keep:
                continue
            lo, hi = intervals.get(column, (-np.inf, np.inf))
            copied = values[source]
            equal = (flags[:, k] == 1) & (copied >= lo) & (copied <= hi)
            values[column] = np.where(equal, copied, values[column])

    def to_state(self) -> dict[str, Any]:
        return {"equal": [list(link) for link in self.equal]}

    @classmethod
    def from_state(cls, config: dict[str, Any]) -> ColumnLinks:
        return cls(equal=[(int(c), int(s)) for c, s in config.get("equal", [])])
