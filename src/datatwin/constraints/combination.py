"""Fixed combinations held by construction: the columns are learnt as one token per row.

``city, state, country`` become one categorical column whose labels are the combinations seen
(written as JSON lists), so a drawn row takes a whole combination or none: no Paris in Texas.
Combinations seen in fewer rows than the rare threshold are pooled like any rare label, so no
rare combination is written verbatim.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd

from datatwin.constraints.rules import Combination
from datatwin.errors import ConstraintError
from datatwin.schema import ColumnKind, ColumnSpec, Schema

COMBINED_KINDS = (ColumnKind.CATEGORICAL, ColumnKind.BOOLEAN, ColumnKind.INTEGER)


class CombinationPlan:
    """The combination rules of a table, each learnt as one token column."""

    def __init__(self, rules: list[Combination], schema: Schema) -> None:
        self.rules = rules
        seen: dict[str, Combination] = {}
        for rule in rules:
            for column in rule.columns():
                if column in seen:
                    raise ConstraintError(
                        f"Column {column!r} is in two combination rules ({seen[column]}; {rule}): make them one."
                    )
                seen[column] = rule
                if schema[column].kind not in COMBINED_KINDS:
                    raise ConstraintError(
                        f"Rule '{rule}': column {column!r} is {schema[column].kind.value}; combinations hold "
                        "categories, booleans and whole numbers."
                    )
        self.kinds = {c: schema[c].kind for c in seen}
        self.seen: dict[str, frozenset[str]] = {}

    @staticmethod
    def token_name(rule: Combination) -> str:
        return " + ".join(rule.columns())

    def fit(self, table: pd.DataFrame, rare_threshold: int) -> list[ColumnSpec]:
        """The token columns' specs: the combinations seen in at least ``rare_threshold`` rows."""
        specs = []
        for rule in self.rules:
            counts = self._tokens(table, rule).value_counts()
            kept = tuple(str(t) for t in counts.index[counts >= rare_threshold])
            if not kept:
                raise ConstraintError(
                    f"Rule '{rule}': no combination is seen in {rare_threshold} rows or more, so none can be "
                    "written without copying a rare one; drop the rule or lower the rare threshold."
                )
            self.seen[self.token_name(rule)] = frozenset(kept)
            token = ColumnSpec(self.token_name(rule), ColumnKind.CATEGORICAL, categories=kept)
            specs.append(token.with_stats(closed_labels=True))  # a rare combination is redrawn, never invented
        return specs

    def forward(self, table: pd.DataFrame) -> dict[str, pd.Series]:
        return {self.token_name(rule): self._tokens(table, rule) for rule in self.rules}

    def backward(self, table: pd.DataFrame) -> pd.DataFrame:
        """Split each token column back into its columns (working form), in place."""
        for rule in self.rules:
            tokens = table.pop(self.token_name(rule)).astype(str)
            values = np.array([json.loads(t) for t in tokens], dtype=object).reshape(len(tokens), -1)
            for i, column in enumerate(rule.columns()):
                table[column] = _as_kind(values[:, i], self.kinds[column])
        return table

    def broken(self, table: pd.DataFrame, rule: Combination) -> np.ndarray:
        """Rows whose combination was not among those the twin learnt."""
        return ~self._tokens(table, rule).isin(self.seen[self.token_name(rule)]).to_numpy()

    def _tokens(self, table: pd.DataFrame, rule: Combination) -> pd.Series:
        columns = [table[c].astype(object).to_numpy() for c in rule.columns()]
        return pd.Series([json.dumps([plain(v) for v in row]) for row in zip(*columns, strict=True)], dtype=object)

    def given(
        self, context: pd.DataFrame, shares: dict[str, float], rule: Combination, rng: np.random.Generator
    ) -> pd.Series:
        """A token per context row, among the combinations seen with the row's given columns,
        in proportion to how often each was seen (``shares``: each token's)."""
        given = [c for c in rule.columns() if c in context.columns]
        tokens = sorted(self.seen[self.token_name(rule)])
        position = [list(rule.columns()).index(c) for c in given]
        keys = [json.dumps([json.loads(t)[i] for i in position]) for t in tokens]
        weights = np.array([shares.get(t, 0.0) for t in tokens]) + 1e-12
        wanted = pd.Series(
            [json.dumps([plain(v) for v in row]) for row in context[given].astype(object).itertuples(index=False)]
        )
        out = np.empty(len(context), dtype=object)
        for key, rows in wanted.groupby(wanted).groups.items():
            candidates = [i for i, k in enumerate(keys) if k == key]
            if not candidates:
                raise ConstraintError(
                    f"Context: {dict(zip(given, json.loads(str(key)), strict=True))} is in no combination of rule "
                    f"'{rule}' the twin learnt."
                )
            p = weights[candidates] / weights[candidates].sum()
            out[np.asarray(rows)] = [tokens[i] for i in rng.choice(candidates, size=len(rows), p=p)]
        return pd.Series(out)

    def to_state(self) -> dict[str, Any]:
        return {name: sorted(tokens) for name, tokens in self.seen.items()}

    def load_state(self, state: dict[str, Any]) -> None:
        self.seen = {name: frozenset(tokens) for name, tokens in state.items()}


def plain(value: Any) -> Any:
    """A value as JSON: missing as null, numpy scalars as Python ones, whole floats as ints."""
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _as_kind(values: np.ndarray, kind: ColumnKind) -> pd.Series:
    if kind is ColumnKind.BOOLEAN:
        return pd.Series(pd.array(list(values), dtype="boolean"))
    if kind is ColumnKind.INTEGER:
        return pd.Series(pd.to_numeric(pd.Series(values), errors="coerce").astype("float64"))
    return pd.Series(values, dtype=object)
