"""The Twin: a fitted schema, encoder and model, with lineage; and the functions that make one."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from datatwin import models
from datatwin._version import __version__
from datatwin.conditions import Wanted
from datatwin.errors import ArtifactError, ConfigError, DataError
from datatwin.io import TableSource, read_artifact, read_table, write_artifact
from datatwin.lineage import Lineage, hash_frame
from datatwin.models import Generator
from datatwin.models.base import check_row_count
from datatwin.progress import Progress, report
from datatwin.rebalance import rebalanced_counts
from datatwin.schema import DEFAULT_RARE_THRESHOLD, Schema, coerce_table, infer_schema
from datatwin.transforms import TableEncoder

MIN_ROWS = 5
"""Fewer rows than this cannot be learnt from without copying them."""

DEFAULT_SEED = 0
"""Seed used when none is given: results are reproducible by default."""

SAMPLE_BATCH_ROWS = 100_000
"""Rows drawn and decoded at a time, bounding memory for large samples."""

TABLE_KIND = "table"
"""The ``kind`` of a saved single-table twin (a database twin file says ``"database"``)."""

SIGNING_KEY_ENV = "DATATWIN_SIGNING_KEY"
"""Environment variable holding a key to sign saved twins with and check loaded ones against."""


class Twin:
    """A fitted generator of synthetic tables: schema + encoder + model + lineage.

    Made by :func:`fit` or :func:`load`, not directly.
    """

    def __init__(self, schema: Schema, encoder: TableEncoder, model: Generator, lineage: Lineage) -> None:
        self.schema = schema
        self.encoder = encoder
        self.model = model
        self.lineage = lineage

    def __repr__(self) -> str:
        return (
            f"Twin(model={self.lineage.model!r}, columns={len(self.schema.columns)}, "
            f"source={self.lineage.source!r}, rows={self.lineage.n_rows})"
        )

    def sample(
        self,
        n: int,
        *,
        seed: int = DEFAULT_SEED,
        conditions: dict[str, Wanted] | None = None,
        rebalance: str | None = None,
        ratio: float | None = None,
        context: pd.DataFrame | None = None,
        progress: Progress | None = None,
    ) -> pd.DataFrame:
        """Draw ``n`` synthetic rows with the source's columns, kinds and formats.

        Parameters
        ----------
        n
            Number of rows, at least 1.
        seed
            The same arguments and seed give the same rows.
        conditions
            Per column, the value, list of values, :class:`~datatwin.conditions.Range` or
            ``None`` (missing) every row must have. Met exactly, without rejection sampling
            (needs a conditional model such as ``argn``).
        rebalance
            A categorical or boolean column whose labels should be drawn in new proportions:
            every label rarer than ``ratio`` is raised to ``ratio`` (default: all labels equal),
            the others shrink in proportion.
        ratio
            Target share of each rare label when rebalancing.
        context
            ``n`` rows of some of the table's columns: row ``i`` of the result keeps row ``i``'s
            values and draws the other columns given them (e.g. child rows given each parent's
            attributes). Needs a model that supports it (``argn``).
        progress
            Callback receiving the number of rows made so far.
        """
        _check_seed(seed)
        check_row_count(n)
        conditions = dict(conditions or {})
        if context is not None:
            if rebalance is not None:
                raise ConfigError("Rebalancing and a context cannot be combined: the context fixes the rows.")
            return self._sample_in_context(int(n), seed, conditions, context, progress)
        if rebalance is None:
            if ratio is not None:
                raise ConfigError("ratio applies to rebalancing: name the column with rebalance=.")
            return self._sample_rows(int(n), seed, conditions, progress)
        if rebalance in conditions:
            raise ConfigError(f"Column {rebalance!r} cannot be both rebalanced and conditioned on.")
        counts = rebalanced_counts(self._label_shares(rebalance), int(n), ratio)
        seeds = np.random.SeedSequence(seed).generate_state(len(counts) + 1)
        parts = [
            self._sample_rows(count, int(s), {**conditions, rebalance: label}, None)
            for (label, count), s in zip(counts.items(), seeds, strict=False)
            if count
        ]
        report(progress, "sampling rows", int(n), int(n))
        rows = pd.concat(parts, ignore_index=True)
        return rows.iloc[np.random.default_rng(seeds[-1]).permutation(len(rows))].reset_index(drop=True)

    def _sample_in_context(
        self, n: int, seed: int, conditions: dict[str, Wanted], context: pd.DataFrame, progress: Progress | None
    ) -> pd.DataFrame:
        if not self.model.capabilities.context:
            raise ConfigError(f"Model {self.model.name!r} cannot sample in a context; fit with model='argn'.")
        problems = [f"column {c!r} is not in the twin's table" for c in context.columns if c not in self.schema.names]
        problems += [f"column {c!r} is both context and condition" for c in context.columns if c in conditions]
        if len(context) != n:
            problems.append(f"the context has {len(context)} rows for {n} rows to draw")
        if problems:
            raise ConfigError("Context: " + "; ".join(problems) + ".")
        columns = [str(c) for c in context.columns]
        # context values may lie outside the learnt bounds (a new parent): they map to the edge tokens
        partial = Schema(tuple(self.schema[c].without_bounds() for c in columns))
        encoded = self.encoder.encode_columns(coerce_table(context.set_axis(columns, axis=1), partial), seed=seed)
        return self._sample_rows(n, seed, conditions, progress, encoded)

    def _sample_rows(
        self,
        n: int,
        seed: int,
        conditions: dict[str, Wanted],
        progress: Progress | None,
        context: dict[str, np.ndarray] | None = None,
    ) -> pd.DataFrame:
        encoded_conditions = self.encoder.conditions(conditions) if conditions else None
        batches = range(0, n, SAMPLE_BATCH_ROWS)
        seeds = np.random.SeedSequence(seed).generate_state(2 * len(batches))
        parts = []
        for i, start in enumerate(batches):
            size = min(SAMPLE_BATCH_ROWS, n - start)
            options: dict[str, Any] = {"conditions": encoded_conditions}
            if context is not None:
                options["context"] = {k: v[start : start + size] for k, v in context.items()}
            encoded = self.model.sample(size, seed=int(seeds[2 * i]), **options)
            parts.append(self.encoder.decode(encoded, seed=int(seeds[2 * i + 1])))
            report(progress, "sampling rows", start + size, n)
        return pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]

    def _label_shares(self, column: str) -> dict[object, float]:
        transform = self.encoder.transforms_.get(column) if self.encoder.transforms_ else None
        if transform is None or not hasattr(transform, "label_shares"):
            raise ConfigError(f"Only a categorical or boolean column can be rebalanced; {column!r} is not one.")
        return transform.label_shares()

    def save(self, path: str | Path, *, key: bytes | None = None) -> None:
        """Save to one file (see :mod:`datatwin.io.artifact`), atomically.

        Parameters
        ----------
        path
            Target file; its folder must exist.
        key
            Secret key to sign the file with; defaults to ``$DATATWIN_SIGNING_KEY`` if set.
        """
        document, arrays = self.to_document()
        write_artifact(path, document, arrays, key=signing_key(key))

    def to_document(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        """The twin as a JSON-able document and named arrays (what :meth:`save` writes)."""
        encoder_config, encoder_arrays = self.encoder.to_state()
        model_config, model_arrays = self.model.to_state()
        document = {
            "datatwin_version": __version__,
            "schema": self.schema.to_dict(),
            "encoder": encoder_config,
            "model": {"name": self.model.name, "state": model_config},
            "lineage": self.lineage.to_dict(),
        }
        arrays = {f"encoder/{k}": v for k, v in encoder_arrays.items()}
        arrays.update({f"model/{k}": v for k, v in model_arrays.items()})
        return document, arrays

    @classmethod
    def from_document(cls, document: dict[str, Any], arrays: dict[str, np.ndarray], where: str) -> Twin:
        """The twin of a document made by :meth:`to_document`; ``where`` names it in errors.

        Raises
        ------
        ArtifactError
            When the document names an unknown model or its content does not fit together.
        """
        try:
            schema = Schema.from_dict(document["schema"])
            encoder = TableEncoder.from_state(schema, document["encoder"], prefixed(arrays, "encoder/"))
            model_cls = models.get(document["model"]["name"])
            model = model_cls.from_state((document["model"]["state"], prefixed(arrays, "model/")))
            lineage = Lineage.from_dict(document["lineage"])
        except ArtifactError:
            raise
        except (KeyError, TypeError, ValueError, IndexError) as exc:
            raise ArtifactError(f"{where} has invalid content: {exc}") from None
        return cls(schema, encoder, model, lineage)


def load(path: str | Path, *, key: bytes | None = None) -> Twin:
    """Load a twin saved by :meth:`Twin.save`, verifying its checksum (and signature, if keyed).

    Raises
    ------
    ArtifactError
        When the file is missing, corrupt, tampered with, of an unknown version, names an
        unknown model, or holds a database twin (load that with :func:`datatwin.load_database`).
    """
    document, arrays = read_artifact(path, key=signing_key(key))
    if document.get("kind", TABLE_KIND) != TABLE_KIND:
        raise ArtifactError(
            f"Twin file {str(path)!r} holds a {document['kind']} twin: load it with datatwin.load_database."
        )
    return Twin.from_document(document, arrays, f"Twin file {str(path)!r}")


def fit(
    data: pd.DataFrame | TableSource | str | Path,
    *,
    model: str = models.AUTO,
    seed: int = DEFAULT_SEED,
    schema: Schema | str | Path | None = None,
    model_options: dict[str, Any] | None = None,
    rare_threshold: int = DEFAULT_RARE_THRESHOLD,
    max_time: float | None = None,
    min_rows: int = MIN_ROWS,
    progress: Progress | None = None,
) -> Twin:
    """Learn a twin of a table.

    Parameters
    ----------
    data
        A DataFrame, the path of a CSV (any delimiter, gzip too) or Parquet file, or a table
        already read with :func:`datatwin.io.read_table`.
    model
        Registered model name, or ``"auto"`` to let datatwin choose.
    seed
        The same data, options and seed give the same twin.
    schema
        A schema (or the path of its JSON file) to use instead of inferring one; fitting then
        takes bounds and category domains from it, not from the data.
    model_options
        Options of the model family (see its config class).
    rare_threshold
        When inferring the schema: labels seen in fewer rows are pooled, never written verbatim.
    max_time
        Training time budget in seconds, for models that train iteratively.
    min_rows
        Smaller tables are refused. Below the rare-label threshold every label is pooled and
        regenerated, so a lower limit only suits tables without identifying numbers (lookup
        tables of a database, which :func:`datatwin.fit_database` learns this way).
    progress
        Callback receiving progress of the long steps.

    Returns
    -------
    Twin
        The fitted twin.
    """
    _check_seed(seed)
    if model == models.AUTO and model_options:
        raise ConfigError("Name the model (model=...) when giving model options.")
    if model != models.AUTO:
        models.create(model, model_options)  # fail on a bad name or option before reading data
    source_name, source_hash, frame = _load_source(data)
    model_name = models.resolve(model, len(frame))
    options = dict(model_options or {})
    if max_time is not None and models.get(model_name).capabilities.time_budget:
        options["max_time"] = max_time
    generator = models.create(model_name, options)
    report(progress, "checking data", 0, 1)
    resolved_schema = _resolve_schema(schema, frame, rare_threshold)
    table = coerce_table(frame, resolved_schema)
    if len(table) < min_rows:
        raise DataError(
            [f"The table has {len(table)} row(s); at least {min_rows} are needed to learn from it without copying it."]
        )
    report(progress, "checking data", 1, 1)
    encoder_seed, model_seed = np.random.SeedSequence(seed).generate_state(2)
    encoder = TableEncoder(resolved_schema).fit(table, seed=int(encoder_seed))
    encoded = encoder.encode(table, seed=int(encoder_seed))
    generator.fit(encoded, seed=int(model_seed), progress=progress)
    lineage = Lineage.record(source=source_name, source_sha256=source_hash, data=frame, model=model_name, seed=seed)
    return Twin(resolved_schema, encoder, generator, lineage)


def _load_source(data: pd.DataFrame | TableSource | str | Path) -> tuple[str, str, pd.DataFrame]:
    if isinstance(data, TableSource):
        return data.name, data.sha256, data.data
    if isinstance(data, pd.DataFrame):
        if data.shape[1] == 0 or len(data) == 0:
            raise DataError(["The DataFrame is empty: it needs rows and columns."])
        return "<DataFrame>", hash_frame(data), data
    if isinstance(data, str | os.PathLike):
        source = read_table(data)
        return source.name, source.sha256, source.data
    raise ConfigError(f"data must be a DataFrame or a file path; got {type(data).__name__}.")


def _resolve_schema(schema: Schema | str | Path | None, frame: pd.DataFrame, rare_threshold: int) -> Schema:
    if schema is None:
        return infer_schema(frame, rare_threshold=rare_threshold)
    if isinstance(schema, Schema):
        return schema
    return Schema.from_json(schema)


def _check_seed(seed: int) -> None:
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ConfigError(f"seed must be a non-negative integer; got {seed!r}.")


def signing_key(key: bytes | None) -> bytes | None:
    """``key``, or the one in ``$DATATWIN_SIGNING_KEY``, or none."""
    if key is not None:
        return key
    env = os.environ.get(SIGNING_KEY_ENV)
    return env.encode("utf-8") if env else None


def prefixed(arrays: dict[str, np.ndarray], prefix: str) -> dict[str, np.ndarray]:
    """The arrays whose names start with ``prefix``, without it."""
    return {k[len(prefix) :]: v for k, v in arrays.items() if k.startswith(prefix)}
