"""Differential privacy: the privacy ledger of a fit (:mod:`datatwin.dp.accountant`), the
mechanisms that spend from it, and DP estimates of what a schema needs (bounds, categories)."""

from datatwin.dp.accountant import Budget, PrivacyLedger, Spend

__all__ = ["Budget", "PrivacyLedger", "Spend"]
