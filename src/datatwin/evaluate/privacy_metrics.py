"""Privacy-risk metrics: copies, closeness, membership and re-identification attacks."""

from __future__ import annotations

import numpy as np

from datatwin.evaluate import attacks
from datatwin.evaluate.inputs import EvaluationData
from datatwin.evaluate.privacy import distance_profile, duplicate_rate, exact_match_rate
from datatwin.evaluate.result import MetricResult, Threshold, measured, skipped
from datatwin.schema import ColumnKind

_NEEDS_HOLDOUT = "Needs real rows the generator never saw (--holdout) to compare against."
_HISTOGRAM_BINS = 30
_NEEDS_HOLDOUT_KEYS = (
    "dcr_share",
    "nndr",
    "near_copies",
    "membership_inference",
    "singling_out",
    "linkability",
    "attribute_inference",
)


def privacy_metrics(data: EvaluationData, thresholds: dict[str, Threshold], *, seed: int) -> list[MetricResult]:
    """Every privacy check; without a holdout only exact copies (against the real table's own duplicates)."""
    results = [_exact_copies(data, thresholds), _key_collisions(data, thresholds)]
    if data.holdout is None:
        return results + [skipped(k, _NEEDS_HOLDOUT, thresholds) for k in _NEEDS_HOLDOUT_KEYS]
    return results + _distance_metrics(data, thresholds, seed) + _attack_metrics(data, thresholds, seed)


def _exact_copies(data: EvaluationData, thresholds: dict[str, Threshold]) -> MetricResult:
    rate = exact_match_rate(data.real, data.synthetic, data.schema)
    if data.holdout is not None:
        base, base_from = exact_match_rate(data.real, data.holdout, data.schema), "holdout rows"
    else:
        base, base_from = duplicate_rate(data.real, data.schema), "real rows duplicating another real row"
    return measured(
        "exact_copies",
        rate,
        base,
        f"{100 * rate:.3f}% of synthetic rows copy a real row exactly; the natural rate ({base_from}) is "
        f"{100 * base:.3f}%.",
        thresholds,
        {"base_rate_from": base_from},
    )


def _key_collisions(data: EvaluationData, thresholds: dict[str, Threshold]) -> MetricResult:
    """The share of synthetic keys (``id`` columns) that are real keys: a join on such a key
    links a synthetic row to a real person."""
    keys = [c.name for c in data.schema.columns if c.kind is ColumnKind.ID]
    if not keys:
        return skipped("key_collisions", "The table has no key (id) column.", thresholds)
    shares = {}
    for column in keys:
        real = set(data.real[column].dropna().astype(str))
        synthetic = data.synthetic[column].dropna().astype(str)
        shares[column] = float(synthetic.isin(real).mean()) if len(synthetic) else 0.0
    worst = max(shares, key=lambda c: shares[c])
    return measured(
        "key_collisions",
        shares[worst],
        0.0,
        f"{100 * shares[worst]:.2f}% of the synthetic values of key {worst!r} are keys of real rows"
        + (" (a join on it would link synthetic rows to real people)." if shares[worst] else "."),
        thresholds,
        {"columns": shares},
    )


def _distance_metrics(data: EvaluationData, thresholds: dict[str, Threshold], seed: int) -> list[MetricResult]:
    assert data.holdout is not None
    profile = distance_profile(data.real, data.holdout, data.synthetic, data.schema, seed=seed)
    nndr_synth, nndr_holdout = profile.nndr
    near_synth, near_holdout = profile.near_copies
    membership = profile.membership_auc
    top = float(np.quantile(np.r_[profile.synth_to_train[:, 0], profile.holdout_to_train[:, 0]], 0.99)) or 1.0
    edges = np.linspace(0, top, _HISTOGRAM_BINS + 1)
    histogram = lambda d: (np.histogram(np.clip(d, 0, top), edges)[0] / len(d)).round(5).tolist()  # noqa: E731
    return [
        measured(
            "dcr_share",
            profile.dcr_share,
            0.5,
            f"{100 * profile.dcr_share:.1f}% of synthetic rows are closer to a training row than to a holdout row "
            "(50% = no closer to the training rows than to fresh ones).",
            thresholds,
            {
                "edges": edges.round(6).tolist(),
                "synthetic_to_train": histogram(profile.synth_to_train[:, 0]),
                "holdout_to_train": histogram(profile.holdout_to_train[:, 0]),
            },
        ),
        measured(
            "nndr",
            nndr_synth,
            nndr_holdout,
            f"Median ratio of nearest to second-nearest training row: {nndr_synth:.3f} for synthetic rows, "
            f"{nndr_holdout:.3f} for holdout rows (lower = sitting on one training row).",
            thresholds,
        ),
        measured(
            "near_copies",
            near_synth,
            near_holdout,
            f"{100 * near_synth:.2f}% of synthetic rows are closer to a training row than 95% of holdout rows are "
            f"(holdout: {100 * near_holdout:.2f}%).",
            thresholds,
        ),
        measured(
            "membership_inference",
            membership,
            0.5,
            f"An attacker guessing whether a row was in training from its distance to the synthetic rows "
            f"reaches AUC {membership:.3f} (0.5 = a coin flip).",
            thresholds,
        ),
    ]


def _attack_metrics(data: EvaluationData, thresholds: dict[str, Threshold], seed: int) -> list[MetricResult]:
    assert data.holdout is not None
    tables = (data.real, data.holdout, data.synthetic, data.schema, data.columns)
    results = [
        _attack(
            "singling_out",
            attacks.singling_out(*tables, seed=seed),
            thresholds,
            "predicates isolating one synthetic row isolate one training row",
        ),
        _attack(
            "linkability",
            attacks.linkability(*tables, seed=seed),
            thresholds,
            "two halves of a record link up through the synthetic table",
        ),
    ]
    secrets = list(dict.fromkeys([*data.sensitive, *([data.target] if data.target else [])]))
    secrets = [s for s in secrets if s in data.columns]
    if not secrets:
        why = "Needs a column to guess: name --sensitive columns or a --target."
        return [
            *results,
            skipped("attribute_inference", why, thresholds),
        ]
    for secret in secrets:
        outcome = attacks.attribute_inference(*tables, secret, seed=seed)
        results.append(
            _attack(
                "attribute_inference",
                outcome,
                thresholds,
                f"{secret!r} is guessed from the other columns via the nearest synthetic row",
                subject=secret,
            )
        )
    return results


def _attack(
    key: str,
    outcome: attacks.AttackResult,
    thresholds: dict[str, Threshold],
    what: str,
    subject: str | None = None,
) -> MetricResult:
    low, high = outcome.risk_interval
    return measured(
        key,
        outcome.risk,
        0.0,
        f"Risk {outcome.risk:.3f} (95% interval {low:.3f}–{high:.3f}): {what} in "
        f"{100 * outcome.train_success:.1f}% of {outcome.n_attacks} attacks "
        f"on training rows vs {100 * outcome.control_success:.1f}% on unseen rows, "
        f"the attacker holding {outcome.synthetic_rows:,} synthetic rows.",
        thresholds,
        outcome.to_dict(),
        subject=subject,
    )
