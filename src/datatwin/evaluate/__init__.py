"""Metrics comparing real and synthetic tables."""

from datatwin.evaluate.shapes import column_shape_similarity, column_shapes

__all__ = ["column_shape_similarity", "column_shapes"]
