"""Fitting one table under (ε, δ)-differential privacy, one row being the unit of privacy.

Nothing the data decides reaches the twin except through the ledger:

1. the ledger is opened with the user's ε and δ (δ must lie below 1/n);
2. each column's kind comes from the declared schema or its storage type (a text column's is
   bought); bounds and labels the schema leaves open are bought (:func:`~datatwin.dp.schema.dp_schema`,
   :data:`SCHEMA_SHARE` of the budget) — or refused when buying bounds is turned off;
3. the row count the twin records is bought (:data:`COUNT_SHARE`), and so is the fine shape of
   each number and date column within its bins (:data:`SHAPE_SHARE`);
4. the columns become codes of bins and labels laid down by that schema alone
   (:class:`~datatwin.transforms.private.PrivateEncoder`), and a DP model spends the rest;
5. the source's hash, which would tell one dataset from its neighbour, is not recorded.

All noise comes from a secure generator, never from the seed: the same seed gives a different
twin at each fit, and the same twin gives the same rows for the same seed.
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from datatwin.dp import Budget, PrivacyLedger
from datatwin.dp.accountant import gaussian_sigma
from datatwin.dp.discretize import Discretizer, as_numbers
from datatwin.dp.estimates import dp_row_count, dp_shape
from datatwin.dp.mechanisms import secure_generator
from datatwin.dp.schema import RANGED_KINDS, as_kinds, dp_schema, public_kinds
from datatwin.errors import ConfigError, DataError, PrivacyBudgetError
from datatwin.io import TableSource
from datatwin.lineage import Lineage
from datatwin.models import registry
from datatwin.pipeline.fitted import FittedTable
from datatwin.progress import Progress, advance
from datatwin.schema import Schema, coerce_table
from datatwin.seeds import DEFAULT_SEED, check_seed
from datatwin.transforms.private import PrivateEncoder

DEFAULT_DELTA = 1e-6
"""δ when the user names none (it must also lie below 1/n)."""
SCHEMA_SHARE = 0.1
"""Share of the budget spent on the bounds and labels the schema leaves open (when any are)."""
COUNT_SHARE = 0.01
"""Share of the budget spent on the row count."""
SHAPE_SHARE = 0.05
"""Share of the budget spent on the fine shapes of number and date columns (when any)."""
DEFAULT_DP_MODEL = "aim"
"""The DP model ``"auto"`` picks."""
WITHHELD = "withheld: differentially private fit"
"""What a DP twin's lineage records instead of the source's hash."""


def fit_private_table(
    source: TableSource,
    *,
    epsilon: float,
    delta: float | None = None,
    model: str = registry.AUTO,
    seed: int = DEFAULT_SEED,
    schema: Schema | str | Path | None = None,
    model_options: dict[str, Any] | None = None,
    dp_bounds: bool = True,
    progress: Progress | None = None,
) -> FittedTable:
    """Learn a table under (ε, δ)-DP (see the module and :func:`datatwin.fit`).

    Raises
    ------
    ConfigError
        For a bad ε or δ, a model that cannot train under DP, a schema with rules or with
        columns a DP twin cannot learn, or open bounds when ``dp_bounds`` is off.
    PrivacyBudgetError
        When the budget is too small to learn a column's range or labels, or to count the rows.
    """
    check_seed(seed)
    frame = source.data
    model_name = DEFAULT_DP_MODEL if model == registry.AUTO else registry.resolve(model, len(frame))
    if not registry.get(model_name).capabilities.dp:
        raise ConfigError(
            f"Model {model_name!r} cannot train under differential privacy; choose model='aim' or leave it to 'auto'."
        )
    generator = registry.create(model_name, model_options)
    delta = DEFAULT_DELTA if delta is None else delta
    _check_delta(delta, len(frame))
    declared = Schema.from_json(schema) if isinstance(schema, str | Path) else schema
    if declared is not None and declared.rules:
        raise ConfigError(
            "A differentially private twin does not hold rules yet: remove 'rules' from the schema, "
            "or fit without epsilon."
        )
    advance(progress, "checking data", 0, 1)
    public = public_kinds(frame, declared)
    ledger = PrivacyLedger(epsilon, delta, unit="row", label_releases=len(public.open_kinds))
    rng = secure_generator()
    resolved = (
        dp_schema(frame, public, ledger, SCHEMA_SHARE * ledger.budget, rng, buy_bounds=dp_bounds)
        if public.releases
        else public.schema
    )
    n_rows = dp_row_count(len(frame), ledger, COUNT_SHARE * ledger.budget, rng)
    if 3 * gaussian_sigma(1.0, COUNT_SHARE * ledger.budget) > n_rows:
        raise PrivacyBudgetError(
            f"epsilon = {epsilon:g} is too small to learn anything from this table: even its number of rows "
            "drowns in the noise; raise epsilon, or fit on more rows."
        )
    table = coerce_table(as_kinds(frame, resolved), Schema(tuple(c.without_bounds() for c in resolved.columns)))
    shapes = _shapes(table, resolved, ledger, rng)
    advance(progress, "checking data", 1, 1)
    encoder = PrivateEncoder(resolved, shapes)
    encoded = encoder.encode(table)
    generator.fit(encoded, seed=seed, progress=progress, budget=Budget(ledger, ledger.left, rng, n_rows))
    recorded = Lineage.record(source=source.name, source_sha256=WITHHELD, data=frame, model=model_name, seed=seed)
    lineage = dataclasses.replace(recorded, n_rows=n_rows)
    return FittedTable(resolved, encoder, generator, lineage, privacy=ledger)


def _shapes(
    table: pd.DataFrame, schema: Schema, ledger: PrivacyLedger, rng: np.random.Generator
) -> dict[str, np.ndarray]:
    """The fine shape of every number and date column, :data:`SHAPE_SHARE` of the budget in all."""
    ranged = [c for c in schema.columns if c.kind in RANGED_KINDS]
    discretizer = Discretizer(schema)
    share = SHAPE_SHARE * ledger.budget / max(len(ranged), 1)
    return {
        spec.name: dp_shape(
            as_numbers(table[spec.name], spec), discretizer.fine_edges(spec), ledger, share, spec.name, rng
        )
        for spec in ranged
    }


def _check_delta(delta: float, n: int) -> None:
    if isinstance(delta, bool) or not isinstance(delta, int | float) or not math.isfinite(delta) or not 0 < delta < 1:
        raise ConfigError(f"delta must be a number between 0 and 1 (e.g. 1e-6); got {delta!r}.")
    if n and delta >= 1 / n:
        raise ConfigError(
            f"delta = {delta:g} is not below 1/n for this table: a larger delta lets a row be released outright; "
            f"use at most {1 / n**2:.1g} (1/n²)."
        )
    if n == 0:
        raise DataError(["The table has no rows."])
