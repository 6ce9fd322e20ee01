"""An append-only audit log of what was done with twins: who, when, which inputs and outputs.

Each entry is one JSON line: its number, the UTC time, the OS user and host, the action
(``fit``, ``sample``, ``evaluate``, ``drift``, ``refresh``, …), whether it succeeded, the
SHA-256 of every input and output file (a folder: of its files' names and hashes), the
settings, and ``prev``, the hash of the entry before it; ``hash`` is the SHA-256 of the
entry's canonical JSON without it (an HMAC-SHA256 when ``$DATATWIN_SIGNING_KEY`` is set, so
the chain cannot be rebuilt without the key). Editing an entry breaks its hash; deleting one
breaks the next entry's ``prev`` and the numbering; deleting the last ones is caught by the
head file written beside the log (``LOG.head``: the last entry's number and hash) or by a head
kept elsewhere (``datatwin audit verify LOG --head HASH``). Appends take an exclusive lock, so
concurrent commands do not interleave.

Commands log with ``--audit-log`` (or ``$DATATWIN_AUDIT_LOG``); the Python API's functions that
make, draw from, check or save twins (:func:`logged_call`) log to ``$DATATWIN_AUDIT_LOG`` when
it is set, once per call a user makes (a call made by a logged command or call is part of it).
Values held in memory are recorded by what identifies them: a DataFrame by its rows and SHA-256,
a twin by its source's hash, model and time of fit, a result by its verdict or score.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import getpass
import hashlib
import hmac
import inspect
import json
import os
import socket
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from datatwin._version import __version__
from datatwin.errors import ConfigError

AUDIT_LOG_ENV = "DATATWIN_AUDIT_LOG"
"""Environment variable naming the audit log every command appends to."""

GENESIS = "0" * 64
"""The ``prev`` of the first entry."""

_CHUNK = 1 << 20
_LOGGING = contextvars.ContextVar("datatwin_audit_logging", default=False)
"""Whether a logged command or call is running (the calls it makes are part of its entry)."""
Function = TypeVar("Function", bound=Callable[..., Any])


@dataclass
class Verification:
    """What :func:`verify_log` found.

    Parameters
    ----------
    entries
        Entries read.
    head
        Hash of the last entry (keep it elsewhere to detect a truncated log later).
    problems
        One line per broken link, naming the entry; empty when the log is intact.
    """

    entries: int
    head: str
    problems: list[str] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.problems


def file_digest(path: str | Path) -> str | None:
    """SHA-256 of a file's bytes, or of a folder's files (names and hashes, sorted); ``None`` for
    a path that is neither (a database URL)."""
    path = Path(path)
    if path.is_file():
        digest = hashlib.sha256()
        with path.open("rb") as file:
            while chunk := file.read(_CHUNK):
                digest.update(chunk)
        return digest.hexdigest()
    if path.is_dir():
        digest = hashlib.sha256()
        for member in sorted(p for p in path.rglob("*") if p.is_file()):
            digest.update(f"{member.relative_to(path).as_posix()}\0{file_digest(member)}\n".encode())
        return digest.hexdigest()
    return None


def append_entry(
    log: str | Path,
    action: str,
    *,
    inputs: Mapping[str, Any] | None = None,
    outputs: Mapping[str, Any] | None = None,
    settings: Mapping[str, Any] | None = None,
    status: str = "ok",
    error: str | None = None,
) -> dict[str, Any]:
    """Append one entry to the log (created if missing) and return it.

    Parameters
    ----------
    log
        The log file (JSON lines).
    action
        What was done (the command's name).
    inputs, outputs
        Named files, folders or database URLs (recorded with their hashes), or values held in
        memory (recorded by what identifies them, see :func:`_description`).
    settings
        The options that shaped the result (JSON-able; no secrets).
    status, error
        ``"ok"``, or ``"failed"`` with the error's message.

    Raises
    ------
    ConfigError
        When the log cannot be written or its last entry cannot be read.
    """
    log = Path(log)
    try:
        with _locked(log) as file:
            last = _last_entry(file, log)
            entry: dict[str, Any] = {
                "seq": 0 if last is None else int(last["seq"]) + 1,
                "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
                "user": _user(),
                "host": socket.gethostname(),
                "datatwin_version": __version__,
                "action": action,
                "status": status,
                "inputs": _described(inputs),
                "outputs": _described(outputs),
                "settings": dict(settings or {}),
                "prev": GENESIS if last is None else last["hash"],
            }
            if error is not None:
                entry["error"] = error
            entry["hash"] = entry_hash(entry)
            line = json.dumps(entry, sort_keys=True, ensure_ascii=False, default=str) + "\n"
            file.seek(0, os.SEEK_END)
            file.write(line.encode("utf-8"))
            file.flush()
            os.fsync(file.fileno())
            _write_head(log, entry)
    except OSError as exc:
        raise ConfigError(f"The audit log {str(log)!r} cannot be written: {exc.strerror or exc}.") from None
    return entry


@contextlib.contextmanager
def audited(
    log: str | Path | None,
    action: str,
    *,
    inputs: Mapping[str, Any] | None = None,
    outputs: Mapping[str, Any] | None = None,
    settings: Mapping[str, Any] | None = None,
) -> Iterator[None]:
    """Run the block and log it (nothing when ``log`` is ``None``) with the inputs and outputs
    named (those that are ``None`` left out; outputs as they are once the block ends); an error
    is logged as a failure and raised again."""
    named_inputs = {k: v for k, v in (inputs or {}).items() if v is not None}

    def written() -> dict[str, Any]:
        return {
            k: v
            for k, v in (outputs or {}).items()
            if v is not None and (not isinstance(v, str | Path) or "://" in str(v) or Path(v).exists())
        }

    token = _LOGGING.set(True) if log is not None else None
    try:
        yield
    except BaseException as exc:
        if log is not None:
            message = str(exc) or type(exc).__name__
            append_entry(
                log, action, inputs=named_inputs, outputs=written(), settings=settings, status="failed", error=message
            )
        raise
    finally:
        if token is not None:
            _LOGGING.reset(token)
    if log is not None:
        append_entry(log, action, inputs=named_inputs, outputs=written(), settings=settings)


def logged_call(
    action: str, *, inputs: tuple[str, ...] = (), settings: tuple[str, ...] = (), outputs: tuple[str, ...] = ()
) -> Callable[[Function], Function]:
    """Log each call of the decorated function to ``$DATATWIN_AUDIT_LOG`` (when set, and no logged
    command or call is running): ``inputs`` and ``outputs`` name its parameters holding what it
    reads and writes (files, frames, twins; ``self``, a twin's method's own twin, is recorded as
    ``twin``), ``settings`` those recorded as they are; its result is recorded as an output too."""

    def decorate(function: Function) -> Function:
        signature = inspect.signature(function)

        @functools.wraps(function)
        def call(*args: Any, **kwargs: Any) -> Any:
            log = os.environ.get(AUDIT_LOG_ENV) or None
            if log is None or _LOGGING.get():
                return function(*args, **kwargs)
            bound = signature.bind(*args, **kwargs)
            bound.apply_defaults()
            given = bound.arguments
            chosen = {name: _setting(given.get(name)) for name in settings}
            written: dict[str, Any] = {}
            read = {("twin" if n == "self" else n): given.get(n) for n in inputs}
            with audited(log, action, inputs=read, outputs=written, settings=chosen):
                result = function(*args, **kwargs)
                written.update({name: given.get(name) for name in outputs})
                written["result"] = result
            return result

        return call  # type: ignore[return-value]

    return decorate


def verify_log(log: str | Path, *, head: str | None = None) -> Verification:
    """Check every entry's hash and link, the numbering, and the head file or ``head``.

    Raises
    ------
    ConfigError
        When the log does not exist.
    """
    log = Path(log)
    if not log.is_file():
        raise ConfigError(f"The audit log {str(log)!r} does not exist.")
    problems: list[str] = []
    previous, count = GENESIS, 0
    with log.open("rb") as file:
        for number, raw in enumerate(file, start=1):
            count = number
            try:
                entry = json.loads(raw)
                if not isinstance(entry, dict):
                    raise ValueError("not an object")
            except ValueError:
                problems.append(f"line {number}: not a JSON entry (edited or damaged)")
                previous = GENESIS
                continue
            if entry.get("seq") != number - 1:
                problems.append(
                    f"line {number}: entry number {entry.get('seq')!r} where {number - 1} was due "
                    "(an entry before it was deleted or inserted)"
                )
            if entry.get("prev") != previous:
                problems.append(f"line {number}: does not follow the entry before it (one was deleted or edited)")
            if entry.get("hash") != entry_hash(entry):
                problems.append(f"line {number}: its content does not match its hash (it was edited)")
            previous = str(entry.get("hash"))
    head_file = _head_path(log)
    if head_file.is_file():
        try:
            recorded = json.loads(head_file.read_text(encoding="utf-8"))
        except ValueError:
            recorded = {}
        if recorded.get("hash") != previous or recorded.get("seq") != count - 1:
            problems.append(
                f"the log ends at entry {count - 1}, but its head file records entry {recorded.get('seq')!r} "
                "(entries at the end were deleted, or the head file was edited)"
            )
    if head is not None and head != previous:
        problems.append("the last entry's hash is not the head given (entries at the end were deleted or changed)")
    return Verification(entries=count, head=previous, problems=problems)


def entry_hash(entry: Mapping[str, Any]) -> str:
    """The hash of an entry's content (every field but ``hash``), keyed when a signing key is set."""
    body = json.dumps(
        {k: v for k, v in entry.items() if k != "hash"}, sort_keys=True, ensure_ascii=False, default=str
    ).encode("utf-8")
    from datatwin.io.artifact import SIGNING_KEY_ENV  # numpy and safetensors: not at the CLI's start

    key = os.environ.get(SIGNING_KEY_ENV)
    if key:
        return hmac.new(key.encode("utf-8"), body, hashlib.sha256).hexdigest()
    return hashlib.sha256(body).hexdigest()


def _described(values: Mapping[str, Any] | None) -> dict[str, dict[str, Any]]:
    return {name: _description(value) for name, value in (values or {}).items()}


def _description(value: Any) -> dict[str, Any]:
    """What identifies a file, folder or URL (path and hash), a frame (rows and hash), a twin
    (its source's hash, model, time of fit), a database (each table's hash) or a result."""
    if isinstance(value, str | Path):
        text = str(value)
        if "://" in text:  # a database URL: its password is not the log's business
            return {"path": _without_password(text), "sha256": None}
        return {"path": str(Path(text).resolve()), "sha256": file_digest(text)}
    if isinstance(value, tuple) and value:  # (twin, changes) and the like: the first is the result
        return _description(value[0])
    import pandas as pd

    from datatwin.lineage import hash_frame

    kind = f"<{type(value).__name__}>"
    if isinstance(value, pd.DataFrame):
        return {"path": kind, "rows": len(value), "sha256": hash_frame(value)}
    lineage = getattr(value, "lineage", None)
    if lineage is not None:
        facts = lineage.to_dict() if hasattr(lineage, "to_dict") else dict(lineage)
        keys = ("source", "source_sha256", "tables_sha256", "model", "seed", "created_at")
        return {"path": kind, **{k: facts[k] for k in keys if k in facts}}
    tables = getattr(value, "tables", None)
    if isinstance(tables, Mapping) and all(isinstance(t, pd.DataFrame) for t in tables.values()):
        hashes = {name: hash_frame(t) for name, t in tables.items()}
        return {"path": kind, "source": getattr(value, "source", None), "tables_sha256": hashes}
    found = {k: getattr(value, k) for k in ("verdict", "score") if isinstance(getattr(value, k, None), str | float)}
    if isinstance(value, int | float | str):
        found["value"] = value
    return {"path": kind, **found}


def _setting(value: Any) -> Any:
    """A setting as the log keeps it: plain values as they are, anything else by its type's name."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list | tuple) and all(isinstance(v, bool | int | float | str) for v in value):
        return list(value)
    return f"<{type(value).__name__}>"


def _without_password(url: str) -> str:
    scheme, _, rest = url.partition("://")
    credentials, at, host = rest.rpartition("@")
    if not at or ":" not in credentials:
        return url
    return f"{scheme}://{credentials.split(':', 1)[0]}:***@{host}"


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (a container)
        return f"uid {os.getuid()}" if hasattr(os, "getuid") else "unknown"


@contextlib.contextmanager
def _locked(log: Path) -> Iterator[Any]:
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("a+b") as file:
        try:
            import fcntl
        except ImportError:  # Windows: appends are not locked
            yield file
            return
        fcntl.flock(file.fileno(), fcntl.LOCK_EX)
        try:
            yield file
        finally:
            fcntl.flock(file.fileno(), fcntl.LOCK_UN)


def _last_entry(file: Any, log: Path) -> dict[str, Any] | None:
    """The log's last entry, read from its end."""
    end = file.seek(0, os.SEEK_END)
    if end == 0:
        return None
    size = min(end, 1 << 16)
    while True:
        file.seek(end - size)
        tail = file.read(size)
        lines = tail.rstrip(b"\n").split(b"\n")
        if len(lines) > 1 or size == end:
            break
        size = min(end, size * 4)
    try:
        entry = json.loads(lines[-1])
        int(entry["seq"]), str(entry["hash"])
    except (ValueError, KeyError, TypeError):
        raise ConfigError(
            f"The audit log {str(log)!r} does not end with a valid entry: check it with `datatwin audit verify`."
        ) from None
    return dict(entry)


def _head_path(log: Path) -> Path:
    return log.with_name(log.name + ".head")


def _write_head(log: Path, entry: Mapping[str, Any]) -> None:
    head = _head_path(log)
    temporary = head.with_name(head.name + ".tmp")
    temporary.write_text(json.dumps({"seq": entry["seq"], "hash": entry["hash"]}) + "\n", encoding="utf-8")
    os.replace(temporary, head)
