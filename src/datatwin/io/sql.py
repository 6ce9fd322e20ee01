"""Connections to database servers through SQLAlchemy: URLs, engines and the drivers they need."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from datatwin.errors import SourceError

if TYPE_CHECKING:
    import sqlalchemy as sa

DRIVERS = {
    "psycopg": ("postgres", None),
    "psycopg2": ("postgres", "postgresql+psycopg://"),
    "pymysql": ("mysql", None),
    "MySQLdb": ("mysql", "mysql+pymysql://"),
}
"""Per driver module: datatwin's optional-dependency group that installs a driver for it, and
the URL prefix that uses that driver when it is another one."""


def is_database_url(text: str | Path) -> bool:
    """Whether ``text`` looks like a SQLAlchemy URL (``sqlite:///…``, ``postgresql://…``)."""
    return "://" in str(text)


def engine_for(url: str) -> sa.Engine:
    """An engine for ``url``, or a SourceError saying why there cannot be one."""
    import sqlalchemy as sa
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError

    try:
        return sa.create_engine(url)
    except (ArgumentError, NoSuchModuleError) as exc:
        raise SourceError(f"Not a usable database URL {safe_url(url)}: {exc}.") from None
    except ModuleNotFoundError as exc:
        raise SourceError(missing_driver(safe_url(url), exc.name)) from None


def missing_driver(where: str, module: str | None) -> str:
    """The message for a database whose driver module is not installed, naming the extra."""
    extra, prefix = DRIVERS.get((module or "").split(".")[0], (None, None))
    if extra is None:
        return f"The driver for {where} is not installed (module {module!r}): pip install {module}."
    switch = f"write the URL as {prefix}… and " if prefix else ""
    return f'The driver for {where} is not installed (module {module!r}): {switch}pip install "datatwin[{extra}]".'


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite URL, or ``None`` for other databases (and in-memory SQLite).

    Raises
    ------
    SourceError
        When ``url`` is not a URL SQLAlchemy can parse.
    """
    import sqlalchemy as sa
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = sa.engine.make_url(url)
    except ArgumentError as exc:
        raise SourceError(f"Not a usable database URL {safe_url(url)}: {exc}.") from None
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        return Path(parsed.database)
    return None


def safe_url(url: str) -> str:
    """The URL without its password."""
    import sqlalchemy as sa
    from sqlalchemy.exc import ArgumentError

    try:
        return sa.engine.make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return repr(url)
