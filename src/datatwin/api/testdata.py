"""Test databases from a schema alone: ``datatwin.generate("shop.sql", "sqlite:///test.db")``."""

from __future__ import annotations

from pathlib import Path

from datatwin.progress import Progress
from datatwin.seeds import DEFAULT_SEED, check_seed
from datatwin.testdata import DataSpec, generate_tables, read_spec


def generate(
    spec: str | Path | DataSpec,
    target: str | Path,
    *,
    rows: int = 1000,
    sizes: dict[str, int] | None = None,
    seed: int = DEFAULT_SEED,
    edge_cases: float = 0.0,
    dialect: str = "postgres",
    locale: str | None = None,
    replace: bool = False,
    table_format: str = "csv",
    progress: Progress | None = None,
) -> dict[str, int]:
    """Make test data from a schema alone and write it, all or nothing.

    Parameters
    ----------
    spec
        SQL DDL (a ``.sql`` file of ``CREATE TABLE`` statements: keys, NOT NULL, UNIQUE, CHECK),
        a datatwin test-data spec (``.json``: per-column generators, sizes, children per parent),
        or a spec already read.
    target
        A SQLAlchemy URL (``sqlite:///test.db``, ``postgresql+psycopg://…``,
        ``mysql+pymysql://…``) or a folder (one CSV or Parquet file per table).
    rows
        Rows per table, unless ``sizes``, the spec or a children-per-parent range says otherwise.
    sizes
        Rows of named tables.
    seed
        The same spec, options and seed give the same rows.
    edge_cases
        Share of each non-key column's cells replaced by awkward values its schema allows (empty
        and maximum-length strings, characters beyond the basic plane, bounds, leap days, NULLs).
    dialect
        The DDL's SQL dialect: ``postgres``, ``mysql`` (MariaDB) or ``sqlite``.
    locale
        Faker locale of names, addresses and the like (default: the spec's, else ``en_US``).
    replace
        Overwrite a target that already holds data.
    table_format
        ``csv`` or ``parquet``, for a folder target.

    Returns
    -------
    dict
        Rows written per table.
    """
    check_seed(seed)
    read = spec if isinstance(spec, DataSpec) else read_spec(spec, dialect)
    if locale is not None:
        read.locale = locale
    return generate_tables(
        read,
        target,
        rows=rows,
        sizes=dict(sizes or {}),
        seed=seed,
        edge_cases=edge_cases,
        replace=replace,
        table_format=table_format,
        progress=progress,
    )
