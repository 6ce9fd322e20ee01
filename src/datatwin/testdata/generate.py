"""Test data from a schema alone: read the spec, settle the layout, write every table."""

from __future__ import annotations

from pathlib import Path

from datatwin.errors import ConfigError, SourceError
from datatwin.progress import Progress, advance
from datatwin.testdata.build import Layout
from datatwin.testdata.ddl import spec_from_ddl
from datatwin.testdata.sink import write
from datatwin.testdata.spec import DataSpec, spec_from_json


def read_spec(source: str | Path, dialect: str = "postgres") -> DataSpec:
    """A spec from a DDL script (``.sql``, in ``dialect``) or a JSON spec (``.json``).

    Raises
    ------
    SourceError
        When the file does not exist.
    ConfigError
        When it does not parse or cannot be made (see :func:`spec_from_ddl`, :func:`spec_from_json`).
    """
    path = Path(source)
    if not path.is_file():
        raise SourceError(f"Spec file {str(path)!r} does not exist.")
    if path.suffix.lower() == ".json":
        return spec_from_json(path)
    if path.suffix.lower() != ".sql":
        raise ConfigError(f"A spec is SQL DDL (.sql) or a datatwin test-data spec (.json), not {path.name!r}.")
    return spec_from_ddl(path.read_text(encoding="utf-8"), dialect, source=path.name)


def generate_tables(
    spec: DataSpec,
    target: str | Path,
    *,
    rows: int,
    sizes: dict[str, int],
    seed: int,
    edge_cases: float,
    replace: bool,
    table_format: str,
    progress: Progress | None = None,
) -> dict[str, int]:
    """Make and write every table of ``spec``; the rows written per table."""
    if not 0 <= edge_cases <= 1:
        raise ConfigError(f"--edge-cases is a share between 0 and 1, not {edge_cases}.")
    layout = Layout(spec, rows=rows, sizes=sizes, seed=seed)

    def written(table: str, done: int) -> None:
        advance(progress, f"writing {table}", done, layout.sizes[table])

    return write(
        spec, layout, target, replace=replace, table_format=table_format, edge_share=edge_cases, progress=written
    )
