"""Twin files encrypted at rest: AES-256-GCM under a key derived from a passphrase with scrypt.

A twin is as sensitive as the data it learnt from, so it can be stored encrypted: the whole
twin file (its zip: schema, model, lineage, signature) becomes the ciphertext of an encrypted
file, which reveals nothing but its own length.

Layout: :data:`MAGIC`, the header's length (4 bytes, big-endian), the header (JSON: the KDF and
its parameters, the salt and nonce, hex), then the ciphertext with GCM's tag. The header is
authenticated with the ciphertext (GCM's associated data), so changing the KDF parameters, the
salt or any byte is detected as a wrong key or an altered file. Every save draws a new salt and
nonce from the operating system, so two saves of one twin differ byte for byte (a reused nonce
would break GCM), while the twin they decrypt to is the same.
"""

from __future__ import annotations

import json
import os
import struct
from pathlib import Path

from datatwin.errors import ArtifactError, ConfigError

MAGIC = b"DATATWIN-ENCRYPTED\n"
"""First bytes of an encrypted twin file."""

ENCRYPTION_KEY_ENV = "DATATWIN_ENCRYPTION_KEY"
"""Environment variable holding the passphrase that encrypts and decrypts twin files."""

SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**15, 8, 1
"""scrypt's cost (32 MiB of memory, about a tenth of a second), as RFC 7914 recommends for files."""

_SALT_BYTES, _NONCE_BYTES, _KEY_BYTES = 16, 12, 32
_MAX_HEADER = 4096


def resolve_passphrase(key: bytes | str | None = None, key_file: str | Path | None = None) -> bytes | None:
    """The passphrase given, else the contents of ``key_file`` (a trailing newline dropped), else
    ``$DATATWIN_ENCRYPTION_KEY``, else ``None``.

    Raises
    ------
    ConfigError
        When the key file cannot be read or is empty, or the key given is empty.
    """
    if key is not None:
        passphrase = key.encode("utf-8") if isinstance(key, str) else bytes(key)
    elif key_file is not None:
        try:
            passphrase = Path(key_file).read_bytes().rstrip(b"\r\n")
        except OSError as exc:
            raise ConfigError(f"Key file {str(key_file)!r} cannot be read: {exc.strerror or exc}.") from None
    else:
        env = os.environ.get(ENCRYPTION_KEY_ENV)
        passphrase = env.encode("utf-8") if env else b""
        if not passphrase:
            return None
    if not passphrase:
        where = f"key file {str(key_file)!r}" if key is None else "encryption key"
        raise ConfigError(f"The {where} is empty: a twin cannot be encrypted with an empty passphrase.")
    return passphrase


def is_encrypted(content: bytes) -> bool:
    """Whether ``content`` (a file's bytes, or its first bytes) is an encrypted twin file."""
    return content.startswith(MAGIC)


def encrypt(content: bytes, passphrase: bytes) -> bytes:
    """``content`` as an encrypted file under ``passphrase`` (a fresh salt and nonce)."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    salt, nonce = os.urandom(_SALT_BYTES), os.urandom(_NONCE_BYTES)
    header = json.dumps(
        {
            "cipher": "AES-256-GCM",
            "kdf": "scrypt",
            "n": SCRYPT_N,
            "r": SCRYPT_R,
            "p": SCRYPT_P,
            "salt": salt.hex(),
            "nonce": nonce.hex(),
        },
        sort_keys=True,
    ).encode("ascii")
    prefix = MAGIC + struct.pack(">I", len(header)) + header
    return prefix + AESGCM(_derive(passphrase, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)).encrypt(nonce, content, prefix)


def decrypt(content: bytes, passphrase: bytes | None, where: str) -> bytes:
    """The plain bytes of an encrypted file; ``where`` names it in errors.

    Raises
    ------
    ArtifactError
        Without a passphrase, with the wrong one, or when the file was altered or is truncated.
    """
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    if passphrase is None:
        raise ArtifactError(
            f"{where} is encrypted: set ${ENCRYPTION_KEY_ENV} to its passphrase, or give --key-file "
            "(encryption_key= in Python)."
        )
    start = len(MAGIC) + 4
    (length,) = struct.unpack(">I", content[len(MAGIC) : start]) if len(content) >= start else (_MAX_HEADER + 1,)
    try:
        if length > _MAX_HEADER:
            raise ValueError("header too long")
        header = json.loads(content[start : start + length])
        if header.get("cipher") != "AES-256-GCM" or header.get("kdf") != "scrypt":
            raise ValueError(f"unknown cipher {header.get('cipher')!r} or KDF {header.get('kdf')!r}")
        salt, nonce = bytes.fromhex(header["salt"]), bytes.fromhex(header["nonce"])
        n, r, p = int(header["n"]), int(header["r"]), int(header["p"])
        if not (2 <= n <= 2**20 and 1 <= r <= 32 and 1 <= p <= 16):  # refuse costs meant to stall the reader
            raise ValueError("KDF parameters out of range")
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ArtifactError(f"{where} is not a readable encrypted twin file ({exc}).") from None
    prefix = content[: start + length]
    try:
        return AESGCM(_derive(passphrase, salt, n, r, p)).decrypt(nonce, content[start + length :], prefix)
    except (InvalidTag, ValueError):
        raise ArtifactError(f"{where} could not be decrypted: the key is wrong, or the file was altered.") from None


def _derive(passphrase: bytes, salt: bytes, n: int, r: int, p: int) -> bytes:
    from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

    return Scrypt(salt=salt, length=_KEY_BYTES, n=n, r=r, p=p).derive(passphrase)
