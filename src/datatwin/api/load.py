"""Opening a saved twin of any kind: the file says what it holds."""

from __future__ import annotations

from pathlib import Path

from datatwin.api.database import DatabaseTwin
from datatwin.api.sequences import SequenceTwin
from datatwin.api.table import Twin
from datatwin.errors import ArtifactError
from datatwin.io.artifact import open_twin
from datatwin.pipeline import TABLE_KIND, table_from_document
from datatwin.relational import DATABASE_KIND, database_from_document
from datatwin.sequential import SEQUENCES_KIND, sequences_from_document

KINDS = (TABLE_KIND, DATABASE_KIND, SEQUENCES_KIND)
"""What a twin file can hold."""


def load(
    path: str | Path, *, key: bytes | None = None, encryption_key: bytes | str | None = None
) -> Twin | DatabaseTwin | SequenceTwin:
    """Open a twin saved by ``save``: a :class:`Twin` for a table, a :class:`DatabaseTwin` for a
    database, a :class:`SequenceTwin` for sequences. Its checksum is verified, and its signature
    when a key is given or set.

    Parameters
    ----------
    path
        The twin file.
    key
        Secret key the file was signed with; defaults to ``$DATATWIN_SIGNING_KEY`` if set.
    encryption_key
        Passphrase of an encrypted file; defaults to ``$DATATWIN_ENCRYPTION_KEY`` if set.

    Raises
    ------
    ArtifactError
        When the file is missing, corrupt, tampered with, of an unknown version or kind,
        names an unknown model, or is encrypted and the passphrase is missing or wrong.
    """
    document, arrays = open_twin(path, key=key, encryption_key=encryption_key)
    where = f"Twin file {str(path)!r}"
    kind = document.get("kind", TABLE_KIND)
    if kind == DATABASE_KIND:
        return DatabaseTwin(database_from_document(document, arrays, where))
    if kind == SEQUENCES_KIND:
        return SequenceTwin(sequences_from_document(document, arrays, where))
    if kind == TABLE_KIND:
        return Twin(table_from_document(document, arrays, where))
    raise ArtifactError(f"{where} holds a twin of unknown kind {kind!r}; this datatwin reads {list(KINDS)}.")


def load_database(
    path: str | Path, *, key: bytes | None = None, encryption_key: bytes | str | None = None
) -> DatabaseTwin:
    """Open a saved database twin (see :func:`load`).

    Raises
    ------
    ArtifactError
        As :func:`load` does, and when the file holds a table twin.
    """
    loaded = load(path, key=key, encryption_key=encryption_key)
    if not isinstance(loaded, DatabaseTwin):
        raise ArtifactError(f"Twin file {str(path)!r} holds a table twin, not a database twin: use datatwin.load.")
    return loaded
