"""Reversible encoders, one per column kind, and the table encoder that applies them."""

from datatwin.transforms.base import ColumnTransform
from datatwin.transforms.registry import TRANSFORMS, transform_for
from datatwin.transforms.table import TableEncoder

__all__ = ["TRANSFORMS", "ColumnTransform", "TableEncoder", "transform_for"]
