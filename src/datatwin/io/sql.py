"""Connections to database servers through SQLAlchemy: URLs, engines and the drivers they need."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from datatwin.errors import SourceError

if TYPE_CHECKING:
    import sqlalchemy as sa

DRIVER_EXTRAS = {"psycopg": "postgres", "psycopg2": "postgres", "pymysql": "mysql", "MySQLdb": "mysql"}
"""The optional-dependency group of datatwin that installs each database driver."""


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
    extra = DRIVER_EXTRAS.get((module or "").split(".")[0])
    install = f'pip install "datatwin[{extra}]"' if extra else f"pip install {module}"
    return f"The driver for {where} is not installed (module {module!r}): {install}."


def safe_url(url: str) -> str:
    """The URL without its password."""
    import sqlalchemy as sa
    from sqlalchemy.exc import ArgumentError

    try:
        return sa.engine.make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return repr(url)
