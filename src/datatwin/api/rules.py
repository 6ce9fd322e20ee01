"""Finding the rules a table keeps in every row, to read, edit and pass back."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from datatwin.constraints import Rule, discover_rules
from datatwin.io import TableSource, read_table
from datatwin.schema import Schema, coerce_table, infer_schema
from datatwin.seeds import DEFAULT_SEED, check_seed


def find_rules(
    data: pd.DataFrame | TableSource | str | Path, *, schema: Schema | None = None, seed: int = DEFAULT_SEED
) -> list[Rule]:
    """The rules that hold in every row of a table: orderings, formulas, fixed combinations
    and conditional missingness (see :mod:`datatwin.constraints.discover`), each with its
    support. :func:`datatwin.fit` finds and holds them unless told otherwise.

    Parameters
    ----------
    data
        A DataFrame, the path of a CSV or Parquet file, or a table already read.
    schema
        The table's schema (default: inferred).
    seed
        Seeds the check that an ordering does not hold by chance.
    """
    check_seed(seed)
    if isinstance(data, str | Path):
        data = read_table(Path(data))
    frame = data.data if isinstance(data, TableSource) else data
    schema = infer_schema(frame) if schema is None else schema
    return discover_rules(coerce_table(frame, schema), schema, seed=seed)
