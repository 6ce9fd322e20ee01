"""Metrics comparing real and synthetic tables: fidelity, detection, utility and privacy."""

from datatwin.evaluate.detection import detection_auc
from datatwin.evaluate.privacy import dcr_share, exact_match_rate
from datatwin.evaluate.shapes import column_shape_similarity, column_shapes
from datatwin.evaluate.trends import pair_trends
from datatwin.evaluate.utility import train_test_auc

__all__ = [
    "column_shape_similarity",
    "column_shapes",
    "dcr_share",
    "detection_auc",
    "exact_match_rate",
    "pair_trends",
    "train_test_auc",
]
