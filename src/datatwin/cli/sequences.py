"""What `datatwin fit` says about a sequence twin, and its report against held-out entities."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from datatwin.cli._console import console, progress_bars
from datatwin.cli.evaluate import write_report

if TYPE_CHECKING:
    import pandas as pd


def describe_sequences(twin: object) -> None:
    """One line on what the twin learnt: entities or series, static columns, time, lengths."""
    import datatwin

    assert isinstance(twin, datatwin.SequenceTwin)
    keys, lengths = twin.keys, twin.fitted.lengths
    kind = (
        f"event sequences of {lengths['entities']:,} entities (new entities are drawn)"
        if twin.mode == "events"
        else f"{lengths['entities']} series (new series are drawn for these entities)"
    )
    static = ", ".join(keys.static or ()) or "none"
    ties = (
        f"; {lengths['ties']:,} events share their time with the previous one (kept in file order)"
        if lengths["ties"]
        else ""
    )
    console.print(
        f"Sequences: {kind}; order {keys.order!r}, static columns: {static}; "
        f"longest {lengths['longest']:,} events, median {lengths['median']:,}{ties}."
    )


def report_sequences(
    twin: object, real: pd.DataFrame, holdout: pd.DataFrame, report: Path, *, seed: int
) -> dict[str, Any]:
    """The trust report of the twin's sequences against held-out entities (written; returned as JSON)."""
    import datatwin

    assert isinstance(twin, datatwin.SequenceTwin)
    keys = twin.keys
    with progress_bars() as progress:
        synthetic = twin.sample(seed=seed, progress=progress)
        result = datatwin.evaluate(
            real,
            synthetic,
            holdout,
            schema=twin.schema,
            lineage=twin.lineage,
            seed=seed,
            progress=progress,
            entity=keys.entity,
            order=keys.order,
        )
    write_report(result, report, None)
    return result.to_dict()
