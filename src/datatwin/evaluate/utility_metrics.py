"""Utility metrics: is a model trained on the synthetic table as good as one trained on real rows?"""

from __future__ import annotations

import numpy as np

from datatwin.evaluate.inputs import EvaluationData
from datatwin.evaluate.result import MetricResult, Threshold, measured, skipped
from datatwin.evaluate.utility import importance_agreement, train_test_score

_TEST_SHARE = 0.2


def utility_metrics(data: EvaluationData, thresholds: dict[str, Threshold], *, seed: int) -> list[MetricResult]:
    """Train-synthetic-test-real against train-real-test-real, and whether both models lean on the same features.

    The test rows are the holdout; without one, 20% of the real rows (which the generator may
    have seen, so the figure flatters the synthetic table; the details say so).
    """
    if data.target is None:
        why = "Needs a target column (--target) to train a model on."
        return [
            skipped("utility", why, thresholds),
            skipped("importance_agreement", why, thresholds),
        ]
    target = data.target
    if data.holdout is not None:
        real_train, test, test_rows = data.real, data.holdout, "holdout"
    else:
        order = np.random.default_rng(seed).permutation(len(data.real))
        cut = int(len(order) * (1 - _TEST_SHARE))
        real_train, test = data.real.iloc[order[:cut]], data.real.iloc[order[cut:]]
        test_rows = "20% of the real rows (no holdout given: the generator may have seen them)"
    real = train_test_score(real_train, test, data.schema, target, seed=seed, importances=True)
    synth = train_test_score(data.synthetic, test, data.schema, target, seed=seed, importances=True)
    ratio = synth.score / real.score if real.score > 0 else float("nan")
    metric = "ROC AUC" if real.metric == "roc_auc" else "R²"
    agreement = importance_agreement(real.importances, synth.importances)
    top = lambda imp: sorted(imp, key=lambda n: -imp[n])[:3]  # noqa: E731
    return [
        measured(
            "utility",
            ratio,
            1.0,
            f"A {real.task} model predicting {target!r} scores {metric} {synth.score:.3f} trained on synthetic "
            f"rows vs {real.score:.3f} trained on real rows ({100 * ratio:.1f}%).",
            thresholds,
            {
                "task": real.task,
                "metric": real.metric,
                "synthetic_score": synth.score,
                "real_score": real.score,
                "test_rows": test_rows,
            },
        ),
        measured(
            "importance_agreement",
            agreement,
            1.0,
            f"Rank correlation {agreement:.2f} between the features each model relies on; "
            f"top features real {top(real.importances)}, synthetic {top(synth.importances)}.",
            thresholds,
            {"real": real.importances, "synthetic": synth.importances},
        ),
    ]
