"""Metrics comparing real and synthetic tables: fidelity, detection, utility, privacy and fairness.

:func:`evaluate` runs them all and returns a :class:`Report`; it is also ``datatwin.evaluate``.
Import the building blocks from this package (``from datatwin.evaluate import detection_auc``).
"""

from datatwin.evaluate.detection import detection_auc, detection_test
from datatwin.evaluate.privacy import dcr_share, exact_match_rate
from datatwin.evaluate.report import Report, evaluate
from datatwin.evaluate.result import DEFAULT_THRESHOLDS, MetricResult, Status, Threshold
from datatwin.evaluate.shapes import column_shape_similarity, column_shapes
from datatwin.evaluate.trends import pair_trends
from datatwin.evaluate.utility import train_test_auc

__all__ = [
    "DEFAULT_THRESHOLDS",
    "MetricResult",
    "Report",
    "Status",
    "Threshold",
    "column_shape_similarity",
    "column_shapes",
    "dcr_share",
    "detection_auc",
    "detection_test",
    "evaluate",
    "exact_match_rate",
    "pair_trends",
    "train_test_auc",
]
