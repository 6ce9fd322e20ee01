"""Personal identifiers: replaced by fake values from Faker, seeded, at the real missing rate.

Nothing of the real values is kept; the missing-value flag stays in the model so that
missingness keeps its relation to the other columns.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import pandas as pd
from faker import Faker

from datatwin.schema import ColumnKind
from datatwin.transforms.base import GeneratedTransform, require_fitted

_PROVIDERS = {
    "email": "email",
    "phone": "phone_number",
    "name": "name",
    "first_name": "first_name",
    "last_name": "last_name",
    "address": "street_address",
}


def seeded_faker(rng: np.random.Generator) -> Faker:
    """A Faker whose output is fixed by ``rng``."""
    faker = Faker()
    faker.seed_instance(int(rng.integers(0, 2**63 - 1)))
    return faker


class PiiTransform(GeneratedTransform):
    """PII columns (email, phone, names, addresses)."""

    kinds: ClassVar[tuple[ColumnKind, ...]] = (ColumnKind.PII,)

    def decode(self, encoded: dict[str, np.ndarray], n: int, *, rng: np.random.Generator) -> pd.Series:
        """``n`` fake values, missing where the flag says so."""
        require_fitted(self, "has_nulls_")
        make = getattr(seeded_faker(rng), _PROVIDERS[str(self.spec.pii_type)])
        values = np.array([make() for _ in range(n)], dtype=object)
        values[self._null.missing(encoded, n)] = None
        return pd.Series(values, dtype=object)
