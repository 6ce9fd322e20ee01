"""Column-shape similarity: how alike one column's distribution is in two tables.

Numbers and datetimes: 1 − the Kolmogorov–Smirnov statistic; labels: 1 − the total variation
distance (SDMetrics' KSComplement and TVComplement definitions; missing cells left out).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import ks_2samp

from datatwin.schema import ColumnKind, Schema
from datatwin.schema.features import as_float

_CONTINUOUS = (ColumnKind.NUMERIC, ColumnKind.INTEGER, ColumnKind.DATETIME)
_LABELS = (ColumnKind.CATEGORICAL, ColumnKind.BOOLEAN)


def column_shape_similarity(real: pd.Series, synthetic: pd.Series, kind: ColumnKind) -> float | None:
    """Similarity in [0, 1] of one column's distribution; ``None`` for kinds it does not apply to."""
    real, synthetic = real.dropna(), synthetic.dropna()
    if kind not in (*_CONTINUOUS, *_LABELS) or len(real) == 0 or len(synthetic) == 0:
        return None
    if kind in _CONTINUOUS:
        return 1.0 - float(ks_2samp(as_float(real), as_float(synthetic), method="asymp").statistic)  # p-value unused
    p = real.astype(str).value_counts(normalize=True)
    q = synthetic.astype(str).value_counts(normalize=True)
    p, q = p.align(q, fill_value=0.0)
    return 1.0 - 0.5 * float(np.abs(p - q).sum())


def column_shapes(real: pd.DataFrame, synthetic: pd.DataFrame, schema: Schema) -> dict[str, float | None]:
    """:func:`column_shape_similarity` of every column of the schema."""
    return {
        spec.name: column_shape_similarity(real[spec.name], synthetic[spec.name], spec.kind) for spec in schema.columns
    }
