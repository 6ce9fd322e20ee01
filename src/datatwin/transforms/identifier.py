"""Keys: never copied, generated anew and unique.

Whole-number keys are drawn, in a random order, from the numbers just above the largest real
key, as densely as the real keys fill their own range: keys 1 … 30,000 (all taken) become
30,001 … 60,000 shuffled; 30,000 keys spread over 10,000,000 … 99,999,999 become keys spread
over a range as wide above 99,999,999. So no synthetic key is a real one — a join on the key
cannot link a synthetic row to a real person — while the keys keep their digits and spacing.
Only the real keys' smallest and largest value and their number are stored. String keys become
random strings in the real keys' shapes, unique however many parts a sample is drawn in.
"""

from __future__ import annotations

from typing import Any, ClassVar, Self

import numpy as np
import pandas as pd

from datatwin.conditions import Wanted
from datatwin.encoded import EncodedColumn
from datatwin.errors import ConfigError
from datatwin.schema import ColumnKind, ColumnSpec
from datatwin.transforms import _shapes
from datatwin.transforms.base import TransformState, require_fitted


def key_block(n: int, minimum: int, maximum: int, count: int) -> tuple[int, int]:
    """Where ``n`` new whole keys are drawn from, beyond ``count`` real keys spread over
    ``minimum … maximum``: ``(first, size)`` of a run of numbers just above ``maximum`` (or just
    below ``minimum`` when the numbers above would need more digits and those below would not)
    that new keys fill as densely as the real keys fill their range."""
    width = max(maximum - minimum + 1, 1)
    density = min(max(count, 1) / width, 1.0)
    block = max(int(np.ceil(n / density)), n)
    above, below = maximum + 1, minimum - block
    digits = lambda v: len(str(abs(int(v))))  # noqa: E731
    keeps_digits_below = below >= 0 and digits(below) == digits(minimum)
    if above + block > np.iinfo(np.int64).max or (digits(above + block) > digits(maximum) and keeps_digits_below):
        return below, block
    return above, block


def new_whole_keys(
    n: int,
    minimum: int,
    maximum: int,
    count: int,
    rng: np.random.Generator,
    *,
    start: int = 0,
    total: int | None = None,
) -> np.ndarray:
    """``n`` distinct whole numbers from :func:`key_block`, in a random order: none is a real key.

    Rows ``start … start + n`` of a sample of ``total`` rows drawn in parts, each on its own,
    take their own share of the block (in proportion to their place), so no two parts repeat a
    key; by default the rows are the whole sample."""
    total = n if total is None else total
    first, block = key_block(total, minimum, maximum, count)
    low, high = first + start * block // max(total, 1), first + (start + n) * block // max(total, 1)
    return low + rng.choice(high - low, size=n, replace=False).astype(np.int64)


def new_codes(
    n: int,
    length: int,
    rng: np.random.Generator,
    *,
    start: int = 0,
    total: int | None = None,
    part: int = 0,
    parts: int = 1,
) -> np.ndarray:
    """``n`` distinct upper-case codes of ``length`` letters (longer when the sample of ``total``
    rows, by default these, needs more than half the codes of that length), in a random order;
    rows ``start … start + n`` drawn as part ``part`` of ``parts`` take their own share of the
    codes (:func:`~datatwin.transforms._shapes.unique_in_shapes`), so no two parts repeat one."""
    total = n if total is None else total
    while 26**length < 2 * total:
        length += 1
    shape = [_shapes.UPPER * length]
    return _shapes.unique_in_shapes(shape, np.ones(1), n, rng, share=part, shares=parts, offset=start)


class IdTransform:
    """Unique key columns; they take no part in the model."""

    kinds: ClassVar[tuple[ColumnKind, ...]] = (ColumnKind.ID,)

    def __init__(self, spec: ColumnSpec) -> None:
        self.spec = spec
        self.start_: int | None = None
        self.maximum_: int = 0
        self.count_: int = 0
        self.as_text_: bool = False
        self.shapes_: list[str] = []
        self.shape_weights_: np.ndarray = np.zeros(0)

    def fit(self, values: pd.Series, *, rng: np.random.Generator) -> Self:
        """Learn whether keys are whole numbers (and where they start) or the keys' shapes."""
        observed = values.dropna()
        numbers = pd.to_numeric(observed, errors="coerce")
        text = observed.astype(str)
        whole = numbers.notna().all() and (numbers == numbers.round()).all()
        if whole and not text.str.match(r"^[+-]?0\d").any():
            self.start_ = int(numbers.min()) if len(numbers) else 1
            self.maximum_ = int(numbers.max()) if len(numbers) else 0
            self.count_ = int(numbers.nunique())
            self.as_text_ = bool(len(observed)) and isinstance(observed.iloc[0], str)
        else:
            self.start_ = 0
            self.shapes_, self.shape_weights_ = _shapes.learn_shapes(text)
        return self

    def encoded_columns(self) -> list[EncodedColumn]:
        """None: keys are generated, not modelled."""
        return []

    def condition(self, wanted: Wanted) -> dict[str, Any]:
        """None can be met: keys are drawn anew, never chosen."""
        raise ConfigError(f"Column {self.spec.name!r} is a key, drawn anew for every row: it cannot be conditioned on.")

    def encode(self, values: pd.Series, *, rng: np.random.Generator) -> dict[str, np.ndarray]:
        """Nothing to encode."""
        return {}

    def decode(self, encoded: dict[str, np.ndarray], n: int, *, rng: np.random.Generator) -> pd.Series:
        """``n`` new unique keys."""
        require_fitted(self, "start_")
        if self.shapes_:
            return pd.Series(_shapes.unique_in_shapes(self.shapes_, self.shape_weights_, n, rng), dtype=object)
        assert self.start_ is not None
        series = pd.Series(new_whole_keys(n, self.start_, self.maximum_, self.count_, rng))
        return series.astype("str") if self.as_text_ else series  # 10x faster than str objects first

    def keys_for(
        self, start: int, size: int, total: int, *, part: int, parts: int, rng: np.random.Generator
    ) -> pd.Series:
        """Keys for rows ``start … start + size`` (part ``part`` of ``parts``) of a sample of
        ``total`` rows drawn in parts, each part on its own: whole numbers from the part's own
        share of the key range, text keys from the part's own share of their shapes' strings
        (:func:`~datatwin.transforms._shapes.unique_in_shapes`), so no two parts repeat a key."""
        require_fitted(self, "start_")
        if self.shapes_:
            keys = _shapes.unique_in_shapes(
                self.shapes_, self.shape_weights_, size, rng, share=part, shares=parts, offset=start
            )
            return pd.Series(keys, dtype=object)
        assert self.start_ is not None
        keys = new_whole_keys(size, self.start_, self.maximum_, self.count_, rng, start=start, total=total)
        return pd.Series(keys).astype("str") if self.as_text_ else pd.Series(keys)

    def to_state(self) -> TransformState:
        """The real keys' range and number, or their shapes."""
        require_fitted(self, "start_")
        config = {
            "start": self.start_,
            "maximum": self.maximum_,
            "count": self.count_,
            "as_text": self.as_text_,
            "shapes": self.shapes_,
        }
        return config, {"shape_weights": self.shape_weights_}

    @classmethod
    def from_state(cls, spec: ColumnSpec, state: TransformState) -> Self:
        """Rebuild a fitted transform."""
        config, arrays = state
        transform = cls(spec)
        transform.start_ = int(config["start"])
        transform.maximum_ = int(config["maximum"])
        transform.count_ = int(config["count"])
        transform.as_text_ = bool(config["as_text"])
        transform.shapes_ = list(config["shapes"])
        transform.shape_weights_ = arrays["shape_weights"].astype(np.float64)
        return transform
