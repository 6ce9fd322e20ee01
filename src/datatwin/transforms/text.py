"""Free text: new texts of realistic length made only of words many rows share.

A word used in fewer rows than the rare threshold is never kept, so no identifying word of
one record can reappear. Word order is not learnt (this is a placeholder-quality generator
for notes and comments, not a language model).
"""

from __future__ import annotations

from typing import ClassVar, Self

import numpy as np
import pandas as pd

from datatwin.schema import DEFAULT_RARE_THRESHOLD, ColumnKind, ColumnSpec
from datatwin.transforms.base import GeneratedTransform, TransformState, require_fitted
from datatwin.transforms.pii import seeded_faker

_MAX_WORDS = 200
_MAX_VOCABULARY = 5_000


class TextTransform(GeneratedTransform):
    """Free-text columns."""

    kinds: ClassVar[tuple[ColumnKind, ...]] = (ColumnKind.TEXT,)

    def __init__(self, spec: ColumnSpec) -> None:
        super().__init__(spec)
        self.vocabulary_: list[str] = []
        self.word_weights_ = np.zeros(0)
        self.length_weights_ = np.zeros(0)

    def fit(self, values: pd.Series, *, rng: np.random.Generator) -> Self:
        """Learn the shared vocabulary and the distribution of text lengths in words."""
        super().fit(values, rng=rng)
        words = values.dropna().astype(str).str.split()
        lengths = words.str.len().clip(1, _MAX_WORDS).to_numpy(dtype=np.int64)
        self.length_weights_ = np.bincount(lengths, minlength=_MAX_WORDS + 1) / max(len(lengths), 1)
        rows_per_word = words.map(set).explode().dropna().value_counts()
        # most shared first, ties alphabetically: a set's order changes from process to process
        rows_per_word = rows_per_word.sort_index(kind="stable").sort_values(ascending=False, kind="stable")
        shared = rows_per_word[rows_per_word >= DEFAULT_RARE_THRESHOLD].iloc[:_MAX_VOCABULARY]
        self.vocabulary_ = [str(w) for w in shared.index]
        self.word_weights_ = (shared.to_numpy() / shared.sum()) if len(shared) else np.zeros(0)
        return self

    def decode(self, encoded: dict[str, np.ndarray], n: int, *, rng: np.random.Generator) -> pd.Series:
        """``n`` texts, missing where the flag says so."""
        require_fitted(self, "has_nulls_")
        lengths = rng.choice(_MAX_WORDS + 1, size=n, p=self.length_weights_) if n else np.zeros(0, int)
        if self.vocabulary_:
            words = np.asarray(self.vocabulary_, dtype=object)
            picks = rng.choice(len(words), size=int(lengths.sum()), p=self.word_weights_)
            pieces = np.split(words[picks], np.cumsum(lengths)[:-1])
            texts = [" ".join(p) for p in pieces]
        else:
            faker = seeded_faker(rng)
            texts = [" ".join(faker.words(int(k))) for k in lengths]
        values = np.array(texts, dtype=object)
        values[self._null.missing(encoded, n)] = None
        return pd.Series(values, dtype=object)

    def to_state(self) -> TransformState:
        """Vocabulary, word and length weights."""
        config, arrays = super().to_state()
        config["vocabulary"] = self.vocabulary_
        arrays = {
            **arrays,
            "word_weights": self.word_weights_,
            "length_weights": self.length_weights_,
        }
        return config, arrays

    @classmethod
    def from_state(cls, spec: ColumnSpec, state: TransformState) -> Self:
        """Rebuild a fitted transform."""
        transform = super().from_state(spec, state)
        config, arrays = state
        transform.vocabulary_ = list(config["vocabulary"])
        transform.word_weights_ = arrays["word_weights"].astype(np.float64)
        transform.length_weights_ = arrays["length_weights"].astype(np.float64)
        return transform
