"""Labels: one discrete code per known label, one for pooled rare labels, one for missing.

Labels outside the schema's ``categories`` (the rare ones) share the ``<other>`` code and are
never written back verbatim. Decoding ``<other>`` writes the schema's ``other_label`` if set;
otherwise, when pooled labels were a small share, it redraws a known label in proportion to
its frequency (no label is invented), and when they were most of the column (codes such as
ticket numbers) it generates new strings in the labels' shapes — unless the spec's ``stats``
say ``closed_labels`` (a rule's combination tokens: only those learnt may be written) or the
pooled labels are phrases (job titles: shapes would give random letters), which are redrawn.
"""

from __future__ import annotations

from typing import Any, ClassVar, Self

import numpy as np
import pandas as pd

from datatwin.conditions import Wanted
from datatwin.encoded import EncodedColumn
from datatwin.schema import ColumnKind, ColumnSpec
from datatwin.transforms import _shapes
from datatwin.transforms._conditions import label_codes
from datatwin.transforms.base import TransformState, require_fitted

_CODES_SHARE = 0.2
"""Pooled share above which pooled labels are regenerated as codes rather than redrawn."""


_PHRASES_SHARE = 0.8
"""Pooled labels are phrases (words, not codes) when this share has a space and no digit."""


def _phrases(labels: pd.Series) -> bool:
    """Whether pooled labels are phrases (job titles): new ones in their character shapes would
    be strings of random letters, so known labels are redrawn instead."""
    text = labels.astype(str)
    return bool((text.str.contains(r"\s", regex=True) & ~text.str.contains(r"\d", regex=True)).mean() >= _PHRASES_SHARE)


class CategoricalTransform:
    """Categorical columns."""

    kinds: ClassVar[tuple[ColumnKind, ...]] = (ColumnKind.CATEGORICAL,)

    def __init__(self, spec: ColumnSpec) -> None:
        self.spec = spec
        self.categories = list(spec.categories or ())
        self._code = f"{spec.name}::code"
        self.frequencies_: np.ndarray | None = None
        self.pooled_share_: float | None = None
        self.shapes_: list[str] = []
        self.shape_weights_: np.ndarray = np.zeros(0)

    @property
    def _other(self) -> int:
        return len(self.categories)

    @property
    def _null(self) -> int:
        return len(self.categories) + 1

    def fit(self, values: pd.Series, *, rng: np.random.Generator) -> Self:
        """Learn label frequencies, the pooled share and the shapes of pooled labels."""
        codes = self._codes(values)
        present = codes != self._null
        counts = np.bincount(codes[present], minlength=len(self.categories) + 1).astype(np.float64)
        known = counts[: len(self.categories)]
        self.frequencies_ = known / known.sum() if known.sum() else known
        self.pooled_share_ = float(counts[self._other] / max(present.sum(), 1))
        pooled = values[present & (codes == self._other)]
        if (
            len(pooled)
            and self.pooled_share_ > _CODES_SHARE
            and not self.spec.stats.get("closed_labels")
            and not _phrases(pooled)
        ):
            self.shapes_, self.shape_weights_ = _shapes.learn_shapes(pooled)
        return self

    def encoded_columns(self) -> list[EncodedColumn]:
        """One discrete column: known labels, ``<other>``, missing."""
        return [EncodedColumn(self._code, "discrete", len(self.categories) + 2)]

    def label_shares(self) -> dict[Any, float]:
        """Share of each known label among present cells (for rebalancing)."""
        require_fitted(self, "frequencies_")
        assert self.frequencies_ is not None
        return dict(zip(self.categories, self.frequencies_.tolist(), strict=True))

    def condition(self, wanted: Wanted) -> dict[str, Any]:
        """The allowed codes: one label, a list of labels, or ``None`` for missing."""
        return {self._code: label_codes(self.spec.name, wanted, self.categories, self._null)}

    def encode(self, values: pd.Series, *, rng: np.random.Generator) -> dict[str, np.ndarray]:
        """Codes of the labels."""
        return {self._code: self._codes(values)}

    def _codes(self, values: pd.Series) -> np.ndarray:
        index = pd.Index(self.categories, dtype=object) if self.categories else pd.Index([], dtype=object)
        codes = index.get_indexer(values.astype(object)).astype(np.int64)
        codes[codes < 0] = self._other
        codes[values.isna().to_numpy()] = self._null
        return codes

    def decode(self, encoded: dict[str, np.ndarray], n: int, *, rng: np.random.Generator) -> pd.Series:
        """Labels for the codes; pooled ones resolved as described in the module."""
        require_fitted(self, "frequencies_")
        codes = encoded[self._code]
        out = np.empty(n, dtype=object)
        known = codes < self._other
        out[known] = np.asarray(self.categories, dtype=object)[codes[known]] if known.any() else []
        out[codes == self._null] = None
        pooled = np.flatnonzero(codes == self._other)
        if len(pooled):
            out[pooled] = self._pooled_labels(len(pooled), rng)
        return pd.Series(out, dtype=object)

    def _pooled_labels(self, n: int, rng: np.random.Generator) -> np.ndarray:
        if self.spec.other_label is not None:
            return np.full(n, self.spec.other_label, dtype=object)
        if self.shapes_:
            return _shapes.sample_shapes(self.shapes_, self.shape_weights_, n, rng)
        if self.categories and self.frequencies_ is not None and self.frequencies_.sum() > 0:
            picks = rng.choice(len(self.categories), size=n, p=self.frequencies_)
            return np.asarray(self.categories, dtype=object)[picks]
        return np.full(n, None, dtype=object)

    def to_state(self) -> TransformState:
        """Frequencies, pooled share and pooled shapes."""
        require_fitted(self, "frequencies_")
        assert self.frequencies_ is not None
        config: dict[str, Any] = {"pooled_share": self.pooled_share_, "shapes": self.shapes_}
        arrays = {"frequencies": self.frequencies_, "shape_weights": self.shape_weights_}
        return config, arrays

    @classmethod
    def from_state(cls, spec: ColumnSpec, state: TransformState) -> Self:
        """Rebuild a fitted transform."""
        config, arrays = state
        transform = cls(spec)
        transform.frequencies_ = arrays["frequencies"].astype(np.float64)
        transform.pooled_share_ = float(config["pooled_share"])
        transform.shapes_ = list(config["shapes"])
        transform.shape_weights_ = arrays["shape_weights"].astype(np.float64)
        return transform
