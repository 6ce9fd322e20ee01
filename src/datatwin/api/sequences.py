"""The public sequence twin: :func:`datatwin.fit` with ``order=`` (and ``entity=``) learns one."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from datatwin.conditions import Wanted
from datatwin.io.artifact import save_twin
from datatwin.lineage import Lineage
from datatwin.monitor.audit import logged_call
from datatwin.progress import Progress
from datatwin.schema import Schema, SequenceKeys
from datatwin.seeds import DEFAULT_SEED
from datatwin.sequential import FittedSequences, sample_sequences, sequences_document


class SequenceTwin:
    """A fitted generator of sequences: entities with event histories, or long series.

    Made by :func:`datatwin.fit` with ``order=`` or :func:`datatwin.load`, not directly.
    """

    def __init__(self, fitted: FittedSequences) -> None:
        self.fitted = fitted

    @property
    def schema(self) -> Schema:
        """The event table's columns, with its ``sequence`` keys."""
        return self.fitted.schema

    @property
    def keys(self) -> SequenceKeys:
        """Entity, order and static columns."""
        return self.fitted.keys

    @property
    def mode(self) -> str:
        """``"events"`` (draws new entities) or ``"series"`` (draws new series of its real entities)."""
        return self.fitted.mode

    @property
    def lineage(self) -> Lineage:
        """Where the events came from and how they were fitted."""
        return self.fitted.lineage

    def __repr__(self) -> str:
        keys = self.keys
        return (
            f"SequenceTwin(mode={self.mode!r}, entity={keys.entity!r}, order={keys.order!r}, "
            f"static={list(keys.static or ())}, source={self.lineage.source!r}, rows={self.lineage.n_rows})"
        )

    @logged_call("sample", inputs=("self",), settings=("entities", "horizon", "seed"))
    def sample(
        self,
        entities: int | None = None,
        *,
        horizon: int | None = None,
        context: pd.DataFrame | None = None,
        start: pd.DataFrame | None = None,
        conditions: dict[str, Wanted] | None = None,
        seed: int = DEFAULT_SEED,
        progress: Progress | None = None,
    ) -> pd.DataFrame:
        """Draw synthetic sequences, sorted by entity, then time.

        Parameters
        ----------
        entities
            Number of new entities (event twins; default: as many as were learnt from).
        horizon
            Steps per entity: a series twin draws each of its entities' series this long (default:
            as long as the real one); an event twin gives every entity this many events instead of
            a drawn number (at most twice the longest sequence seen: longer is capped, with a
            logged warning).
        context
            Entities to draw events for, one row each: static columns (an event twin draws the
            rest of each entity given them, and keeps an entity column given here), or a series
            twin's entity keys.
        start
            Series twins: the first steps of some series (whole rows, the same number for each
            entity), which the drawn series continue; the result begins with them, and
            ``horizon`` counts the steps drawn after them.
        conditions
            Per column, the value, list of values, :class:`~datatwin.conditions.Range` or
            ``None`` every event (event columns) or entity (static columns) must have; met
            exactly at every step.
        seed
            The same arguments and seed give the same rows.
        progress
            Callback receiving the steps drawn.
        """
        return sample_sequences(
            self.fitted,
            entities=entities,
            horizon=horizon,
            context=context,
            start=start,
            conditions=conditions,
            seed=seed,
            progress=progress,
        )

    @logged_call("save", inputs=("self",), outputs=("path",))
    def save(self, path: str | Path, *, key: bytes | None = None, encryption_key: bytes | str | None = None) -> None:
        """Save to one file (see :mod:`datatwin.io.artifact`), atomically.

        Parameters
        ----------
        path
            Target file; its folder must exist.
        key
            Secret key to sign the file with; defaults to ``$DATATWIN_SIGNING_KEY`` if set.
        encryption_key
            Passphrase to encrypt the file with (AES-256-GCM, scrypt): it then opens only with
            the same passphrase (``datatwin.load(..., encryption_key=)`` or
            ``$DATATWIN_ENCRYPTION_KEY``).
        """
        document, arrays = sequences_document(self.fitted)
        save_twin(path, document, arrays, key=key, encryption_key=encryption_key)
