"""Turning encoded columns into tokens for the autoregressive model, and tokens back into values.

Discrete columns are their own tokens. A continuous column with few distinct values gets one
token per value (exact). Otherwise each frequent value (a point mass such as 0) gets its own
token and the remaining values are cut into equal-mass quantile bins; inside a bin, a value is
drawn from the bin's own empirical quantile function (``fine`` equal-mass segments, uniform
inside each), so the marginal is kept to roughly ``bins × fine`` levels without storing values.

People round: payments of 1,500 or 2,000, credit limits in tens of thousands. Each bin also keeps
its values' *rounding units* (the share that are multiples of 1000, of 100, of 10, …), and a
value drawn inside the bin is rounded to a unit drawn from those shares — rounding habits are
kept without storing any value.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from datatwin.encoded import EncodedColumn

Interval = tuple[float, float]

UNIT_EXPONENTS = np.arange(-6, 10)
"""Rounding units ``10**e`` a value can be a multiple of (the last one that fits is its unit)."""
_UNITS = 10.0 ** UNIT_EXPONENTS.astype(np.float64)


@dataclass
class Tokenizer:
    """Tokens of one encoded column.

    Attributes
    ----------
    kind
        ``"discrete"`` (codes are tokens), ``"values"`` (one token per value) or ``"binned"``.
    cardinality
        Number of tokens.
    values
        Token values: the distinct values (``"values"``) or the point masses (``"binned"``).
    knots
        ``(bins, fine + 1)`` within-bin quantiles of a binned column.
    units
        ``(bins, len(UNIT_EXPONENTS))`` share of each bin's values whose coarsest rounding unit
        is ``10**e`` (empty: values are not rounded).
    """

    kind: str
    cardinality: int
    values: np.ndarray
    knots: np.ndarray
    units: np.ndarray = field(default_factory=lambda: np.zeros((0, len(UNIT_EXPONENTS))))
    unit_table: AliasTable = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.unit_table = AliasTable(self.units)  # built with the tokenizer, not by the first sample

    @classmethod
    def fit(cls, column: EncodedColumn, data: np.ndarray, *, max_bins: int, fine: int) -> Tokenizer:
        """Learn the tokens of one column."""
        empty = np.zeros(0)
        if column.kind == "discrete":
            return cls("discrete", column.cardinality, empty, np.zeros((0, fine + 1)))
        distinct, counts = np.unique(data, return_counts=True)
        if len(distinct) <= max_bins:
            return cls("values", len(distinct), distinct.astype(np.float64), np.zeros((0, fine + 1)))
        atoms = distinct[counts >= len(data) / (2 * max_bins)].astype(np.float64)
        rest = np.sort(data[~np.isin(data, atoms)])
        if len(rest) == 0:  # every value is frequent (few rows, many repeats): a token per value
            return cls("values", len(distinct), distinct.astype(np.float64), np.zeros((0, fine + 1)))
        n_bins = max(1, min(max_bins - len(atoms), len(np.unique(rest)) // 2))
        edges = np.quantile(rest, np.linspace(0.0, 1.0, n_bins + 1))
        bin_of = np.clip(np.searchsorted(edges, rest, side="right") - 1, 0, n_bins - 1)
        probs = np.linspace(0.0, 1.0, fine + 1)
        knots = np.stack(
            [
                np.quantile(rest[bin_of == b], probs) if (bin_of == b).any() else np.full(fine + 1, edges[b])
                for b in range(n_bins)
            ]
        )
        units = np.zeros((n_bins, len(UNIT_EXPONENTS)))
        np.add.at(units, (bin_of, _unit_index(rest)), 1.0)
        units /= np.maximum(units.sum(axis=1, keepdims=True), 1.0)
        return cls("binned", len(atoms) + n_bins, atoms, knots, units)

    def tokens(self, data: np.ndarray) -> np.ndarray:
        """Token of each value."""
        if self.kind == "discrete":
            return data.astype(np.int64)
        if self.kind == "values":
            return np.clip(np.searchsorted(self.values, data), 0, self.cardinality - 1).astype(np.int64)
        atom_index = np.searchsorted(self.values, data)
        if len(self.values):
            atom = self.values[np.minimum(atom_index, len(self.values) - 1)] == data
        else:
            atom = np.zeros(len(data), dtype=bool)
        lows = self.knots[:, 0]
        bin_index = np.clip(np.searchsorted(lows, data, side="right") - 1, 0, len(lows) - 1)
        return np.where(atom, atom_index, len(self.values) + bin_index).astype(np.int64)

    def values_of(self, tokens: np.ndarray, rng: np.random.Generator, interval: Interval | None = None) -> np.ndarray:
        """A value for each token (drawn inside its bin, within ``interval`` when given)."""
        if self.kind == "discrete":
            return tokens.astype(np.int64)
        if self.kind == "values":
            return self.values[tokens]
        out = np.empty(len(tokens), dtype=np.float64)
        atom = tokens < len(self.values)
        out[atom] = self.values[tokens[atom]]
        bins = tokens[~atom] - len(self.values)
        u = rng.random(len(bins))
        if interval is not None:
            lo_u, hi_u = self._bin_cdf(bins, interval[0]), self._bin_cdf(bins, interval[1])
            u = lo_u + u * (hi_u - lo_u)
        drawn = knot_quantile(self.knots, bins, u)
        out[~atom] = self._rounded(bins, drawn, rng, interval) if len(self.units) else drawn
        return out

    def values_avoiding(
        self,
        tokens: np.ndarray,
        band_low: np.ndarray,
        band_high: np.ndarray,
        rng: np.random.Generator,
        interval: Interval | None = None,
    ) -> np.ndarray:
        """A value for each token drawn inside its bin but outside the row's band
        ``[band_low, band_high]`` (and within ``interval`` when given): the bin's own
        distribution with the band cut out. Where nothing of the bin is left (it lies inside the
        band) or the token is a point mass, the value is drawn as :meth:`values_of` would."""
        if self.kind != "binned":
            return self.values_of(tokens, rng, interval)
        rows = np.flatnonzero(tokens >= len(self.values))
        bins = tokens[rows] - len(self.values)
        low, high = (
            (0.0, 1.0) if interval is None else (self._bin_cdf(bins, interval[0]), self._bin_cdf(bins, interval[1]))
        )
        band_start, band_end = knot_cdf(self.knots, bins, band_low[rows]), knot_cdf(self.knots, bins, band_high[rows])
        below_end = np.maximum(low, np.minimum(band_start, high))  # allowed: [low, below_end] and [above_start, high]
        above_start = np.minimum(high, np.maximum(band_end, low))
        below, above = below_end - low, high - above_start
        w = rng.random(len(rows)) * (below + above)
        u = np.where(w < below, low + w, above_start + (w - below))
        room = below + above > 0
        drawn = knot_quantile(self.knots, bins[room], u[room])
        out = np.empty(len(tokens), dtype=np.float64)
        out[rows[room]] = self._rounded(bins[room], drawn, rng, interval) if len(self.units) else drawn
        usual = np.ones(len(tokens), dtype=bool)
        usual[rows[room]] = False
        out[usual] = self.values_of(tokens[usual], rng, interval)
        return out

    def rounded_like_data(self, values: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Values made elsewhere (copied and scaled from a linked column) rounded the way this
        column's values are in the bins they fall in."""
        if self.kind != "binned" or not len(self.units):
            return values
        tokens = self.tokens(values)
        inside = tokens >= len(self.values)
        out = values.astype(np.float64)
        out[inside] = self._rounded(tokens[inside] - len(self.values), out[inside], rng, None)
        return out

    def _rounded(
        self, bins: np.ndarray, drawn: np.ndarray, rng: np.random.Generator, interval: Interval | None
    ) -> np.ndarray:
        """``drawn`` rounded to a unit drawn from its bin's rounding shares; where that rounding
        would leave the bin's range (or the condition's interval), the next finer unit is tried."""
        unit_index = self.unit_table.draw(bins, rng.random(len(bins)))
        unit_index[self.unit_table.empty[bins]] = -1  # a bin without rounding shares: left as drawn
        low, high = self.knots[:, 0][bins], self.knots[:, -1][bins]  # faster than 2-d fancy indices
        if interval is not None:
            low, high = np.maximum(low, interval[0]), np.minimum(high, interval[1])
        out = drawn.copy()
        rows = np.flatnonzero(unit_index >= 0)
        rounded = _multiple_of_unit_only(drawn[rows], _UNITS[unit_index[rows]])
        fits = (rounded >= low[rows]) & (rounded <= high[rows])
        out[rows[fits]] = rounded[fits]
        rows = rows[~fits]  # the few left: every finer unit at once, the coarsest that fits wins
        finer = unit_index[rows, None] - np.arange(1, len(_UNITS))[None, :]
        candidates = _multiple_of_unit_only(drawn[rows, None], _UNITS[np.maximum(finer, 0)])
        fits = (finer >= 0) & (candidates >= low[rows, None]) & (candidates <= high[rows, None])
        first = fits.argmax(axis=1)
        found = fits[np.arange(len(rows)), first]
        out[rows[found]] = candidates[np.arange(len(rows)), first][found]
        return out

    def _bin_cdf(self, bins: np.ndarray, value: float) -> np.ndarray:
        """Within-bin CDF at ``value``, for each row's bin."""
        return knot_cdf(self.knots, bins, np.full(len(bins), float(value)))

    def log_weights(self, condition: Any) -> np.ndarray:
        """Log-probability weights over tokens allowed by a condition (−inf where not allowed).

        A condition is a set of codes (discrete columns) or an ``(low, high)`` interval; partly
        covered bins are weighted by the share of their mass inside it.
        """
        if self.kind == "discrete":
            allowed = np.zeros(self.cardinality, dtype=bool)
            allowed[np.asarray(sorted(condition), dtype=np.int64)] = True
            return np.where(allowed, 0.0, -np.inf)
        low, high = condition
        if self.kind == "values":
            return np.where((self.values >= low) & (self.values <= high), 0.0, -np.inf)
        atoms = np.where((self.values >= low) & (self.values <= high), 0.0, -np.inf)
        every_bin = np.arange(len(self.knots))
        share = self._bin_cdf(every_bin, high) - self._bin_cdf(every_bin, low)
        inside = (self.knots[:, 0] >= low) & (self.knots[:, -1] <= high)  # covers point-like bins
        share = np.where(inside, 1.0, share)
        with np.errstate(divide="ignore"):
            return np.concatenate([atoms, np.log(share)])

    def to_state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        """JSON-able config and arrays."""
        arrays = {"values": self.values, "knots": self.knots, "units": self.units}
        return {"kind": self.kind, "cardinality": self.cardinality}, arrays

    @classmethod
    def from_state(cls, config: dict[str, Any], arrays: dict[str, np.ndarray]) -> Tokenizer:
        """Inverse of :meth:`to_state`."""
        return cls(str(config["kind"]), int(config["cardinality"]), arrays["values"], arrays["knots"], arrays["units"])


class AliasTable:
    """Categorical distributions, one per row of ``(rows, categories)`` weights, each drawn from
    in constant time by Walker's alias method: a uniform picks a category and, past that
    category's own share, its alias. A row without weight (marked in ``empty``) draws category 0.
    """

    def __init__(self, weights: np.ndarray) -> None:
        rows, self.categories = weights.shape
        totals = weights.sum(axis=1, keepdims=True)
        self.empty = totals[:, 0] <= 0
        scaled = np.zeros_like(weights, dtype=np.float64)
        np.divide(weights * self.categories, totals, out=scaled, where=totals > 0)
        scaled[self.empty, 0] = self.categories
        self.own = np.ones((rows, self.categories))
        self.alias = np.tile(np.arange(self.categories), (rows, 1))
        for row in range(rows):
            self._fill_row(row, scaled[row])

    def _fill_row(self, row: int, scaled: np.ndarray) -> None:
        """Vose's pairing of under-full categories with over-full ones (shares scaled to mean 1)."""
        small = [k for k in range(self.categories) if scaled[k] < 1.0]
        large = [k for k in range(self.categories) if scaled[k] >= 1.0]
        while small and large:
            under, over = small.pop(), large[-1]
            self.own[row, under], self.alias[row, under] = scaled[under], over
            scaled[over] -= 1.0 - scaled[under]
            if scaled[over] < 1.0:
                small.append(large.pop())
        # what is left is full up to rounding: keeps its own category (own share 1)

    def draw(self, rows: np.ndarray, u: np.ndarray) -> np.ndarray:
        """A category for each ``rows`` entry, with ``u`` uniform in [0, 1) (its integer part
        over the categories picks one, its fraction decides between it and its alias)."""
        scaled = u * self.categories
        picked = np.minimum(scaled.astype(np.int64), self.categories - 1)
        flat = rows * self.categories + picked  # flat indices: much faster than a 2-d fancy index
        keep = (scaled - picked) < self.own.ravel()[flat]
        return np.where(keep, picked, self.alias.ravel()[flat])


def knot_quantile(knots: np.ndarray, rows: np.ndarray, u: np.ndarray) -> np.ndarray:
    """The ``u``-quantile of each row's piecewise-linear quantile function ``knots[rows]``
    (``knots``: ``(functions, fine + 1)`` values at equally spaced probabilities)."""
    fine = knots.shape[1] - 1
    position = np.clip(u * fine, 0, fine - 1e-9)
    segment = position.astype(np.int64)
    flat = rows * (fine + 1) + segment
    left, right = knots.ravel()[flat], knots.ravel()[flat + 1]
    return left + (position - segment) * (right - left)


def knot_cdf(knots: np.ndarray, rows: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Inverse of :func:`knot_quantile`: the probability at which each row's quantile function
    reaches ``x`` (0 below the row's range, 1 above it)."""
    k = knots[rows]
    fine = k.shape[1] - 1
    segment = np.clip(np.count_nonzero(k <= x[:, None], axis=1) - 1, 0, fine - 1)
    left, right = k[np.arange(len(k)), segment], k[np.arange(len(k)), segment + 1]
    with np.errstate(divide="ignore", invalid="ignore"):
        within = np.where(right > left, (x - left) / (right - left), (x >= right).astype(np.float64))
    return np.clip((segment + np.clip(within, 0.0, 1.0)) / fine, 0.0, 1.0)


def _multiple_of_unit_only(values: np.ndarray, unit: np.ndarray) -> np.ndarray:
    """The nearest multiple of ``unit`` that is not a multiple of ``10 * unit`` (whose coarsest
    unit is ``unit``, as counted by :func:`_unit_index`)."""
    rounded = np.round(values / unit) * unit
    coarser = np.round(rounded / (10 * unit)) * (10 * unit) == rounded
    step = np.where(values >= rounded, unit, -unit)
    return np.where(coarser, rounded + step, rounded)


def _unit_index(values: np.ndarray) -> np.ndarray:
    """Index in :data:`UNIT_EXPONENTS` of each value's coarsest rounding unit (0 counts as
    unrounded: it is a point mass or a bin edge, not a habit)."""
    scaled = np.abs(values)[:, None] / 10.0 ** UNIT_EXPONENTS[None, :].astype(np.float64)
    nearest = np.round(scaled)
    # a millionth of the unit, plus float64's error at the value's size: a tolerance relative
    # to the value would take large numbers (timestamps in seconds) for multiples of 1,000
    multiple = (nearest >= 1) & (np.abs(scaled - nearest) <= 1e-6 + 1e-12 * nearest)
    coarsest = len(UNIT_EXPONENTS) - 1 - np.argmax(multiple[:, ::-1], axis=1)
    return np.where(multiple.any(axis=1), coarsest, 0)
