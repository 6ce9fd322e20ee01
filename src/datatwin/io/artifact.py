"""The saved-twin file: a zip of JSON and safetensors, checksummed, optionally signed.

Layout (format ``datatwin.twin``, version 1):

``twin.json``
    Everything but arrays: format and version, datatwin version, schema, encoder and model
    state, lineage.
``arrays.safetensors``
    Every numeric array, by name (no pickle, no code).
``MANIFEST.json``
    SHA-256 of the two files above: corruption is caught on loading.
``SIGNATURE``
    Optional HMAC-SHA256 of the manifest with a secret key: catches deliberate tampering,
    which a checksum alone cannot (anyone can recompute a checksum).
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from safetensors.numpy import load as load_arrays
from safetensors.numpy import save as save_arrays

from datatwin.errors import ArtifactError
from datatwin.io.writers import write_bytes

FORMAT = "datatwin.twin"
FORMAT_VERSION = 1
_DOCUMENT = "twin.json"
_ARRAYS = "arrays.safetensors"
_MANIFEST = "MANIFEST.json"
_SIGNATURE = "SIGNATURE"
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)

UPGRADES: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {}
"""``UPGRADES[v]`` turns a version-``v`` document into version ``v + 1`` (none yet)."""


def write_artifact(
    path: str | Path,
    document: dict[str, Any],
    arrays: dict[str, np.ndarray],
    *,
    key: bytes | None = None,
) -> None:
    """Write a twin file atomically.

    Parameters
    ----------
    path
        Target file; its folder must exist.
    document
        JSON-able content; ``format`` and ``format_version`` are added.
    arrays
        Named numeric arrays.
    key
        Optional secret key to sign the file with.
    """
    body = {"format": FORMAT, "format_version": FORMAT_VERSION, **document}
    document_bytes = json.dumps(body, indent=1, ensure_ascii=False, sort_keys=True).encode("utf-8")
    arrays_bytes = save_arrays({k: np.ascontiguousarray(v) for k, v in arrays.items()})
    manifest = json.dumps({_DOCUMENT: _sha256(document_bytes), _ARRAYS: _sha256(arrays_bytes)}, sort_keys=True).encode(
        "utf-8"
    )
    members = {_DOCUMENT: document_bytes, _ARRAYS: arrays_bytes, _MANIFEST: manifest}
    if key is not None:
        members[_SIGNATURE] = _sign(manifest, key).encode("ascii")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(zipfile.ZipInfo(name, date_time=_FIXED_TIME), content, zipfile.ZIP_DEFLATED)
    write_bytes(path, buffer.getvalue())


def read_artifact(path: str | Path, *, key: bytes | None = None) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """Read and verify a twin file; returns its document (upgraded to this version) and arrays.

    Raises
    ------
    ArtifactError
        When the file is missing, not a twin, corrupt, wrongly signed or of an unknown version.
    """
    path = Path(path)
    if not path.is_file():
        raise ArtifactError(f"Twin file {str(path)!r} does not exist.")
    members = _read_members(path)
    manifest_bytes = members[_MANIFEST]
    if key is not None:
        signature = members.get(_SIGNATURE, b"").decode("ascii", "replace")
        if not signature:
            raise ArtifactError(f"Twin file {str(path)!r} is not signed, but a key was given.")
        if not hmac.compare_digest(signature, _sign(manifest_bytes, key)):
            raise ArtifactError(
                f"Twin file {str(path)!r} failed its signature check: it was altered or the key is wrong."
            )
    try:
        manifest = json.loads(manifest_bytes)
    except json.JSONDecodeError:
        raise ArtifactError(f"Twin file {str(path)!r} has a corrupt manifest.") from None
    for name in (_DOCUMENT, _ARRAYS):
        if manifest.get(name) != _sha256(members[name]):
            raise ArtifactError(f"Twin file {str(path)!r} is corrupt: {name} does not match its checksum.")
    try:
        document = json.loads(members[_DOCUMENT])
        arrays = load_arrays(members[_ARRAYS])
    except Exception as exc:  # JSON or safetensors decoding: both mean a bad file
        raise ArtifactError(f"Twin file {str(path)!r} cannot be decoded: {exc}") from None
    return _upgrade(path, document), arrays


def _read_members(path: Path) -> dict[str, bytes]:
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            missing = {_DOCUMENT, _ARRAYS, _MANIFEST} - names
            if missing:
                raise ArtifactError(f"{str(path)!r} is not a datatwin twin file (missing {sorted(missing)}).")
            return {name: archive.read(name) for name in names & {_DOCUMENT, _ARRAYS, _MANIFEST, _SIGNATURE}}
    except (zipfile.BadZipFile, EOFError, OSError, zipfile.LargeZipFile) as exc:
        raise ArtifactError(f"{str(path)!r} is not a readable twin file ({exc}).") from None


def _upgrade(path: Path, document: dict[str, Any]) -> dict[str, Any]:
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ArtifactError(f"{str(path)!r} is not a datatwin twin file.")
    version = document.get("format_version")
    if not isinstance(version, int) or version < 1:
        raise ArtifactError(f"Twin file {str(path)!r} has an unknown format version {version!r}.")
    if version > FORMAT_VERSION:
        raise ArtifactError(
            f"Twin file {str(path)!r} has format version {version}, newer than this datatwin "
            f"reads ({FORMAT_VERSION}): upgrade datatwin."
        )
    while version < FORMAT_VERSION:
        document = UPGRADES[version](document)
        version += 1
        document["format_version"] = version
    return document


def _sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def _sign(manifest: bytes, key: bytes) -> str:
    return hmac.new(key, manifest, hashlib.sha256).hexdigest()
