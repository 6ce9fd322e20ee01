"""Which transform handles which column kind: one explicit table."""

from __future__ import annotations

from datatwin.schema import ColumnKind, ColumnSpec
from datatwin.transforms.base import ColumnTransform
from datatwin.transforms.boolean import BooleanTransform
from datatwin.transforms.categorical import CategoricalTransform
from datatwin.transforms.datetime import DatetimeTransform
from datatwin.transforms.identifier import IdTransform
from datatwin.transforms.numeric import NumericTransform
from datatwin.transforms.pii import PiiTransform
from datatwin.transforms.text import TextTransform

TRANSFORMS: dict[ColumnKind, type[ColumnTransform]] = {
    kind: transform
    for transform in (
        NumericTransform,
        CategoricalTransform,
        BooleanTransform,
        DatetimeTransform,
        IdTransform,
        PiiTransform,
        TextTransform,
    )
    for kind in transform.kinds
}


def transform_for(spec: ColumnSpec) -> ColumnTransform:
    """A new, unfitted transform for the column."""
    return TRANSFORMS[spec.kind](spec)
