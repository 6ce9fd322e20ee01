"""Printing a differentially private twin's ledger: its guarantee and what it was spent on."""

from __future__ import annotations

from datatwin.cli._console import console
from datatwin.dp import PrivacyLedger


def describe_privacy(ledger: PrivacyLedger) -> None:
    """Print the guarantee, its unit, and the budget's shares by kind of release."""
    console.print(
        f"Differential privacy: (ε = {ledger.epsilon_spent():.3g} of {ledger.epsilon:g}, δ = {ledger.delta:g}), "
        f"one {ledger.unit} being the unit; ρ = {ledger.spent:.4g} of {ledger.budget:.4g} spent on:",
        markup=False,
        highlight=False,
    )
    for what, releases, share in ledger.summary():
        console.print(f"  {what}: {releases:,} release(s), {share:.1%}", markup=False, highlight=False)
