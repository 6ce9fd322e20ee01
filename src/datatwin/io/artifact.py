"""The saved-twin file: a zip of JSON and safetensors, checksummed, optionally signed.

Layout (format ``datatwin.twin``, version 2; older versions are upgraded on reading by
:mod:`datatwin.io.upgrades`):

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

The whole zip may be encrypted at rest under a passphrase (:mod:`datatwin.io.encryption`).
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import os
import warnings
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
from safetensors.numpy import load as load_arrays
from safetensors.numpy import save as save_arrays

from datatwin.errors import ArtifactError, DatatwinWarning
from datatwin.io.encryption import MAGIC, decrypt, encrypt, is_encrypted, resolve_passphrase
from datatwin.io.upgrades import UPGRADES
from datatwin.io.writers import write_bytes

FORMAT = "datatwin.twin"
FORMAT_VERSION = 2
_DOCUMENT = "twin.json"
_ARRAYS = "arrays.safetensors"
_MANIFEST = "MANIFEST.json"
_SIGNATURE = "SIGNATURE"
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)

SIGNING_KEY_ENV = "DATATWIN_SIGNING_KEY"
"""Environment variable holding a key to sign saved twins with and check loaded ones against."""

REQUIRE_SIGNATURE_ENV = "DATATWIN_REQUIRE_SIGNATURE"
"""Set to 1 to refuse twin files whose signature is absent or not checked against a key."""

MAX_MEMBER_BYTES = {_DOCUMENT: 1 << 28, _ARRAYS: 1 << 34, _MANIFEST: 1 << 16, _SIGNATURE: 1 << 10}
"""Largest uncompressed size of each member of a twin file (256 MiB of JSON, 16 GiB of arrays)."""

MAX_COMPRESSION_RATIO = 200
"""Largest ratio of uncompressed to stored size of a member over 1 MiB; twins compress 2–20×."""

_RATIO_FLOOR = 1 << 20


class SignatureNotCheckedWarning(DatatwinWarning):
    """A signed twin file was loaded without a key, so its signature was not checked."""


def write_artifact(
    path: str | Path,
    document: dict[str, Any],
    arrays: dict[str, np.ndarray],
    *,
    key: bytes | None = None,
    encryption_key: bytes | None = None,
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
    encryption_key
        Optional passphrase to encrypt the whole file with.
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
            # float weights barely compress, and deflating a wide model's arrays takes seconds
            method = zipfile.ZIP_STORED if name == _ARRAYS else zipfile.ZIP_DEFLATED
            archive.writestr(zipfile.ZipInfo(name, date_time=_FIXED_TIME), content, method)
    content = buffer.getvalue()
    write_bytes(path, content if encryption_key is None else encrypt(content, encryption_key), private=True)


def read_artifact(
    path: str | Path, *, key: bytes | None = None, encryption_key: bytes | None = None
) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """Read and verify a twin file; returns its document (upgraded to this version) and arrays.

    Without a key, a signed file loads with a :class:`SignatureNotCheckedWarning`; with
    ``$DATATWIN_REQUIRE_SIGNATURE`` set to 1, a file whose signature is absent or not checked
    against a key is refused. An encrypted file is decrypted with ``encryption_key`` first.

    Raises
    ------
    ArtifactError
        When the file is missing, not a twin, too large, corrupt, wrongly signed, unsigned
        where a signature is required, of an unknown version, or encrypted and the key is
        missing or wrong.
    """
    path = Path(path)
    if not path.is_file():
        raise ArtifactError(f"Twin file {str(path)!r} does not exist.")
    members = _read_members(path, encryption_key)
    manifest_bytes = members[_MANIFEST]
    signature = members.get(_SIGNATURE, b"").decode("ascii", "replace")
    if key is not None:
        if not signature:
            raise ArtifactError(f"Twin file {str(path)!r} is not signed, but a key was given.")
        if not hmac.compare_digest(signature, _sign(manifest_bytes, key)):
            raise ArtifactError(
                f"Twin file {str(path)!r} failed its signature check: it was altered or the key is wrong."
            )
    elif os.environ.get(REQUIRE_SIGNATURE_ENV, "") not in ("", "0"):
        state = "signed, but no key was given to check it" if signature else "not signed"
        raise ArtifactError(
            f"Twin file {str(path)!r} is {state}, and ${REQUIRE_SIGNATURE_ENV} requires a checked signature: "
            f"set ${SIGNING_KEY_ENV} to the key it was signed with."
        )
    elif signature:
        warnings.warn(
            f"Twin file {str(path)!r} is signed, but its signature was NOT checked (no key given): "
            f"set ${SIGNING_KEY_ENV} to verify it, or ${REQUIRE_SIGNATURE_ENV}=1 to refuse unchecked twins.",
            SignatureNotCheckedWarning,
            stacklevel=2,
        )
    try:
        manifest = json.loads(manifest_bytes)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise ArtifactError(f"Twin file {str(path)!r} has a corrupt manifest.") from None
    if not isinstance(manifest, dict):
        raise ArtifactError(f"Twin file {str(path)!r} has a corrupt manifest (not a JSON object).")
    for name in (_DOCUMENT, _ARRAYS):
        if manifest.get(name) != _sha256(members[name]):
            raise ArtifactError(f"Twin file {str(path)!r} is corrupt: {name} does not match its checksum.")
    try:
        document = json.loads(members[_DOCUMENT])
        arrays = load_arrays(members[_ARRAYS])
    except Exception as exc:  # JSON or safetensors decoding: both mean a bad file
        raise ArtifactError(f"Twin file {str(path)!r} cannot be decoded: {exc}") from None
    return _upgrade(path, document, arrays)


def _read_members(path: Path, encryption_key: bytes | None) -> dict[str, bytes]:
    source: Path | io.BytesIO = path
    with path.open("rb") as file:
        encrypted = is_encrypted(file.read(len(MAGIC)))
    if encrypted:
        limit = sum(MAX_MEMBER_BYTES.values())
        if path.stat().st_size > limit:
            raise ArtifactError(f"Twin file {str(path)!r} is refused: larger than any twin ({limit:,} bytes).")
        source = io.BytesIO(decrypt(path.read_bytes(), encryption_key, f"Twin file {str(path)!r}"))
    try:
        with zipfile.ZipFile(source) as archive:
            infos = {info.filename: info for info in archive.infolist()}
            missing = {_DOCUMENT, _ARRAYS, _MANIFEST} - set(infos)
            if missing:
                raise ArtifactError(f"{str(path)!r} is not a datatwin twin file (missing {sorted(missing)}).")
            wanted = [infos[name] for name in (_DOCUMENT, _ARRAYS, _MANIFEST, _SIGNATURE) if name in infos]
            for info in wanted:
                _check_size(path, info)
            return {info.filename: _read_bounded(archive, info) for info in wanted}
    except (zipfile.BadZipFile, EOFError, OSError, zipfile.LargeZipFile, NotImplementedError) as exc:
        raise ArtifactError(f"{str(path)!r} is not a readable twin file ({exc}).") from None


def _check_size(path: Path, info: zipfile.ZipInfo) -> None:
    """Refuse a member whose declared size or compression ratio no twin has (a zip bomb)."""
    limit = MAX_MEMBER_BYTES.get(info.filename, MAX_MEMBER_BYTES[_MANIFEST])
    ratio = info.file_size / max(info.compress_size, 1)
    if info.file_size > limit or (info.file_size > _RATIO_FLOOR and ratio > MAX_COMPRESSION_RATIO):
        raise ArtifactError(
            f"Twin file {str(path)!r} is refused: its {info.filename} would inflate to {info.file_size:,} bytes "
            f"({ratio:,.0f}× its stored size; limits {limit:,} bytes and {MAX_COMPRESSION_RATIO}×)."
        )


def _read_bounded(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    """A member's bytes, reading no more than it declares (a forged size cannot make it read more)."""
    with archive.open(info) as member:
        content = member.read(info.file_size + 1)
    if len(content) != info.file_size:
        raise zipfile.BadZipFile(f"{info.filename} does not hold the {info.file_size:,} bytes it declares")
    return content


def _upgrade(path: Path, document: Any, arrays: dict[str, np.ndarray]) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
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
        try:
            document, arrays = UPGRADES[version](document, arrays)
        except (KeyError, TypeError, ValueError, IndexError, AttributeError) as exc:
            raise ArtifactError(
                f"Twin file {str(path)!r} of format version {version} cannot be upgraded: {exc!r}"
            ) from None
        version += 1
        document["format_version"] = version
    return document, arrays


def _sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def _sign(manifest: bytes, key: bytes) -> str:
    return hmac.new(key, manifest, hashlib.sha256).hexdigest()


def save_twin(
    path: str | Path,
    document: dict[str, Any],
    arrays: dict[str, np.ndarray],
    *,
    key: bytes | None = None,
    encryption_key: bytes | str | None = None,
) -> None:
    """:func:`write_artifact` signed with ``key`` or ``$DATATWIN_SIGNING_KEY`` (if set), and
    encrypted with ``encryption_key`` when one is given."""
    passphrase = None if encryption_key is None else resolve_passphrase(encryption_key)
    write_artifact(path, document, arrays, key=signing_key(key), encryption_key=passphrase)


def open_twin(
    path: str | Path, *, key: bytes | None = None, encryption_key: bytes | str | None = None
) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """:func:`read_artifact` checked against ``key`` or ``$DATATWIN_SIGNING_KEY``, and
    decrypted (when encrypted) with ``encryption_key`` or ``$DATATWIN_ENCRYPTION_KEY``."""
    return read_artifact(path, key=signing_key(key), encryption_key=resolve_passphrase(encryption_key))


def signing_key(key: bytes | None) -> bytes | None:
    """``key``, or the one in ``$DATATWIN_SIGNING_KEY``, or none."""
    if key is not None:
        return key
    env = os.environ.get(SIGNING_KEY_ENV)
    return env.encode("utf-8") if env else None


@contextmanager
def invalid_content(where: str) -> Iterator[None]:
    """Turn the errors of reading a twin document whose parts do not fit together (a missing key,
    a wrong type or shape) into one :class:`ArtifactError` naming ``where``."""
    try:
        yield
    except ArtifactError:
        raise
    except (KeyError, TypeError, ValueError, IndexError, AttributeError) as exc:
        raise ArtifactError(f"{where} has invalid content: {exc}") from None


def prefixed(arrays: dict[str, np.ndarray], prefix: str) -> dict[str, np.ndarray]:
    """The arrays whose names start with ``prefix``, without it."""
    return {k[len(prefix) :]: v for k, v in arrays.items() if k.startswith(prefix)}
