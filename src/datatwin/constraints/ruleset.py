"""A table's rules, held while the twin learns and draws.

Before the model sees a table, :meth:`RuleSet.forward` rewrites it so that the rules cannot be
broken: order and difference rules become gaps (:mod:`~datatwin.constraints.order`),
combinations become one token (:mod:`~datatwin.constraints.combination`), a formula's column is
left out and computed. After drawing, :meth:`RuleSet.restore` rebuilds the table's own columns,
sets what conditional rules fix (a missing cell, a value), and redraws a string that misses its
format from the format itself. What construction cannot hold — uniqueness, a conditional that
allows several values, a condition on a rebuilt column — :meth:`RuleSet.unmet` marks for a
bounded, counted redraw (:mod:`datatwin.pipeline.sample`).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable, Iterator
from graphlib import CycleError, TopologicalSorter
from typing import Any, cast

import numpy as np
import pandas as pd

from datatwin.conditions import Range, Wanted
from datatwin.constraints.combination import CombinationPlan
from datatwin.constraints.order import OrderPlan
from datatwin.constraints.pattern import draw_matching
from datatwin.constraints.rules import (
    Combination,
    Conditional,
    Difference,
    Format,
    Formula,
    Order,
    Rule,
    Unique,
    rule_from_dict,
)
from datatwin.constraints.wanted import is_wanted
from datatwin.errors import ConfigError, ConstraintError
from datatwin.schema import ColumnKind, Schema, coerce_table
from datatwin.transforms import TableEncoder

NUMBER_KINDS = (ColumnKind.NUMERIC, ColumnKind.INTEGER)


def parse_rules(rules: Iterable[Rule | dict[str, Any]]) -> list[Rule]:
    """Rules from rule objects or their JSON form."""
    return [r if isinstance(r, Rule) else rule_from_dict(r, f"rules[{i}]") for i, r in enumerate(rules)]


class RuleSet:
    """The rules of one table, checked against its schema.

    Parameters
    ----------
    rules
        Rule objects or their JSON form.
    schema
        The table's schema (before any rule rewrites it).

    Raises
    ------
    ConstraintError
        When a rule names a column the table does not have, a column of the wrong kind, or
        when rules contradict each other (each time saying which).
    """

    def __init__(self, rules: Iterable[Rule | dict[str, Any]], schema: Schema, given: Iterable[str] = ()) -> None:
        self.schema = schema
        parsed = parse_rules(rules)
        for rule in parsed:
            unknown = [c for c in rule.columns() if c not in schema.names]
            if unknown:
                raise ConstraintError(
                    f"Rule '{rule}' names unknown column(s) {unknown}; the columns are {schema.names}."
                )
        self.rules = [_with_decimals(rule, schema) for rule in parsed]
        self.order = OrderPlan([r for r in self.rules if isinstance(r, Order | Difference)], schema, frozenset(given))
        self.combinations = CombinationPlan([r for r in self.rules if isinstance(r, Combination)], schema)
        self.formulas = _formula_order([r for r in self.rules if isinstance(r, Formula)], schema)
        _check_overlaps(self)
        self.outputs: TableEncoder | None = None
        self.model_schema = schema

    def __bool__(self) -> bool:
        return bool(self.rules)

    def __iter__(self) -> Iterator[Rule]:
        return iter(self.rules)

    @property
    def rebuilt(self) -> list[str]:
        """Columns the model does not draw as they are: rebuilt from gaps, tokens or formulas."""
        columns = [*self.order.targets, *(c for r in self.combinations.rules for c in r.columns())]
        return [*columns, *(f.column for f in self.formulas)]

    # -- fitting ---------------------------------------------------------------------------------

    def fit(self, table: pd.DataFrame, *, rare_threshold: int, seed: int) -> RuleSet:
        """Learn what holding the rules needs from a working-form table: the model's schema
        (:attr:`model_schema`) and how to write rebuilt columns back in the table's formats."""
        if not self.rules:
            return self
        derived = {s.name: s for s in self.order.fit(table, self.schema)}
        derived.update({s.name: s for s in self.combinations.fit(table, rare_threshold)})
        columns, placed = [], set()
        for spec in self.schema.columns:
            for name in self._model_names(spec.name):
                if name not in placed:
                    columns.append(derived.get(name, spec))
                    placed.add(name)
        self.model_schema = Schema(tuple(columns))
        rebuilt = Schema(tuple(self.schema[c].without_bounds() for c in self.rebuilt))
        if rebuilt.columns:
            self.outputs = TableEncoder(rebuilt).fit(table[rebuilt.names], seed=seed).unbounded(rebuilt.names)
        return self

    def _model_names(self, column: str) -> list[str]:
        if column in self.order.targets:
            alone = [self.order.alone_name(column)] if column in self.order.orphans else []
            return [self.order.gap_name(column), *alone]
        for rule in self.combinations.rules:
            if column in rule.columns():
                return [self.combinations.token_name(rule)]
        return [] if column in {f.column for f in self.formulas} else [column]

    def forward(self, table: pd.DataFrame) -> pd.DataFrame:
        """A working-form table rewritten as the model learns it."""
        if not self.rules:
            return table
        derived = {**self.order.forward(table), **self.combinations.forward(table)}
        return pd.DataFrame(
            {name: derived[name] if name in derived else table[name] for name in self.model_schema.names},
            index=pd.RangeIndex(len(table)),
        )

    def broken_in(self, table: pd.DataFrame) -> dict[str, int]:
        """Rows of a working-form table that break each rule (the data a twin learns from)."""
        return {str(r): int(n) for r in self.rules if (n := self._broken(table, r).sum())}

    # -- drawing ---------------------------------------------------------------------------------

    def restore(self, rows: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
        """Drawn rows (in the model's columns, decoded) as rows of the table, rules held."""
        if not self.rules:
            return rows
        rows = rows.reset_index(drop=True)
        if self.rebuilt:
            assert self.outputs is not None
            work = self.combinations.backward(self._working(rows))
            work = self.order.backward(work, self.schema)
            for formula in self.formulas:
                value = formula.compute(work)
                work[formula.column] = np.round(value, formula.decimals or 0)
            seed = int(rng.integers(2**31))
            shown = self.outputs.decode(self.outputs.encode(work[self.rebuilt], seed=seed), seed=seed)
            rows = rows.drop(columns=[c for c in rows.columns if c not in self.schema.names])
            for column in self.rebuilt:
                rows[column] = shown[column].to_numpy()
        rows = rows[self.schema.names]
        for rule in self.rules:
            if isinstance(rule, Conditional):
                rows = self._set(rows, rule)
            elif isinstance(rule, Format):
                wrong = ~rule.matches(rows[rule.column])
                if wrong.any():
                    rows[rule.column] = rows[rule.column].astype(object)
                    rows.loc[wrong, rule.column] = draw_matching(rule.pattern, int(wrong.sum()), rng)
        return rows

    def _working(self, rows: pd.DataFrame) -> pd.DataFrame:
        """The columns rebuilding reads, in working form (numbers and datetimes parsed)."""
        specs = {}
        for target in self.order.targets:
            for bound in self.order.bounds[target]:
                specs[bound.base] = self.schema[bound.base]
            if target in self.order.orphans:
                specs[self.order.alone_name(target)] = dataclasses.replace(
                    self.schema[target], name=self.order.alone_name(target)
                )
        for formula in self.formulas:
            specs.update({c: self.schema[c] for c in formula.inputs})
        given = [name for name in specs if name in rows.columns]
        parsed = coerce_table(rows[given], Schema(tuple(specs[n].without_bounds() for n in given)))
        work = rows.copy()
        for name in given:
            work[name] = parsed[name]
        return work

    def _set(self, rows: pd.DataFrame, rule: Conditional) -> pd.DataFrame:
        column, wanted = rule.target
        if not rule.fixes_one_value:
            return rows  # several values allowed: the rows that miss them are redrawn
        applies = rule.applies(rows)
        if not applies.any():
            return rows
        spec = self.schema[column]
        if wanted is None:
            if spec.kind is ColumnKind.INTEGER:
                rows[column] = rows[column].astype("Int64")
            elif pd.api.types.is_bool_dtype(rows[column].dtype):
                rows[column] = rows[column].astype("boolean")
        elif spec.kind is ColumnKind.BOOLEAN and isinstance(wanted, bool) and spec.true_label is not None:
            wanted = spec.true_label if wanted else spec.false_label
        rows.loc[applies, column] = wanted
        return rows

    def unmet(self, rows: pd.DataFrame, conditions: dict[str, Wanted], taken: dict[str, set[Any]]) -> np.ndarray:
        """Rows to redraw: they break a rule that construction cannot hold (uniqueness, here
        and against ``taken`` rows of earlier batches; a conditional allowing several values;
        a rebuilt value outside its column's bounds, where its bases leave no room) or miss a
        condition on a rebuilt column."""
        out = np.zeros(len(rows), dtype=bool)
        for column, wanted in conditions.items():
            out |= ~is_wanted(rows[column], wanted)
        for column in [*self.order.targets, *(f.column for f in self.formulas)]:
            spec = self.schema[column]  # a rule's value outside its column's bounds (the rule wins): redraw
            if spec.minimum is not None or spec.maximum is not None:
                within = is_wanted(rows[column], Range(spec.minimum, spec.maximum))
                out |= rows[column].notna().to_numpy() & ~within
        for rule in self.rules:
            if isinstance(rule, Conditional) and not rule.fixes_one_value:
                out |= rule.broken(rows)
            elif isinstance(rule, Unique):
                keys = _keys(rows, rule)
                earlier = taken.get(str(rule), set())
                repeated = pd.Series(keys).duplicated().to_numpy() | np.array([k in earlier for k in keys], dtype=bool)
                out |= repeated & np.array([k is not None for k in keys], dtype=bool)
        return out

    def check_room(self, n: int) -> None:
        """Refuse, before drawing, more rows than a unique rule's columns have values for.

        Raises
        ------
        ConstraintError
            Naming the rule and how many distinct values its columns can take.
        """
        for rule in self.rules:
            if not isinstance(rule, Unique):
                continue
            sizes = [_domain(self.schema[c]) for c in rule.columns()]
            if None not in sizes and (room := int(np.prod([s or 0 for s in sizes]))) < n:
                raise ConstraintError(
                    f"Rule '{rule}' allows at most {room:,} distinct row(s), fewer than the {n:,} asked for."
                )

    def remember(self, rows: pd.DataFrame, taken: dict[str, set[Any]]) -> None:
        """Add the rows' unique values to ``taken``, for the next batches."""
        for rule in self.rules:
            if isinstance(rule, Unique):
                keys = _keys(rows, rule)
                taken.setdefault(str(rule), set()).update(k for k in keys if k is not None)

    def split_conditions(self, conditions: dict[str, Wanted]) -> tuple[dict[str, Wanted], dict[str, Wanted]]:
        """Conditions the model can draw under (on its own columns, or a combination's token),
        and those checked on the rebuilt rows (a rebuilt number: its rows are redrawn)."""
        if not self.rules:
            return conditions, {}
        drawn: dict[str, Wanted] = {}
        checked: dict[str, Wanted] = {}
        for column, wanted in conditions.items():
            rule = next((r for r in self.combinations.rules if column in r.columns()), None)
            if rule is not None:
                token = self.combinations.token_name(rule)
                allowed = self._tokens_with(rule, column, wanted)
                drawn[token] = sorted(set(drawn.get(token, allowed)) & set(allowed))
            elif column in self.rebuilt:
                checked[column] = wanted
            else:
                drawn[column] = wanted
        return drawn, checked

    def _tokens_with(self, rule: Combination, column: str, wanted: Wanted) -> list[str]:
        tokens = sorted(self.combinations.seen[self.combinations.token_name(rule)])
        parts = pd.DataFrame([_split(t) for t in tokens], columns=list(rule.columns()))
        allowed = [t for t, ok in zip(tokens, is_wanted(parts[column], wanted), strict=True) if ok]
        if not allowed:
            raise ConstraintError(
                f"No combination of rule '{rule}' the twin learnt has {column} as asked ({wanted!r})."
            )
        return allowed

    def as_context(self, context: pd.DataFrame, encoder: TableEncoder, rng: np.random.Generator) -> pd.DataFrame:
        """A working-form context in the model's columns: a combination's given columns become
        a token seen with them (drawn by how often each was seen).

        Raises
        ------
        ConfigError
            When the context gives a column rebuilt from a gap or a formula.
        """
        combined = {c for r in self.combinations.rules for c in r.columns()}
        rebuilt = [c for c in context.columns if c in self.rebuilt and c not in combined]
        if rebuilt:
            raise ConfigError(f"Context column(s) {rebuilt} are rebuilt by the twin's rules and cannot be given.")
        out = context.reset_index(drop=True)
        for rule in self.combinations.rules:
            if not set(rule.columns()) & set(out.columns):
                continue
            token = self.combinations.token_name(rule)
            shares = cast(Any, encoder.transforms_)[token].label_shares()
            out[token] = self.combinations.given(out, shares, rule, rng)
            out = out.drop(columns=[c for c in rule.columns() if c in out.columns])
        return out

    def label_shares(self, column: str, encoder: TableEncoder) -> dict[object, float] | None:
        """Shares of a combination column's labels (from its token's), or ``None``."""
        rule = next((r for r in self.combinations.rules if column in r.columns()), None)
        if rule is None:
            return None
        transform = cast(Any, encoder.transforms_)[self.combinations.token_name(rule)]
        shares: dict[object, float] = {}
        position = list(rule.columns()).index(column)
        for token, share in transform.label_shares().items():
            label = _split(str(token))[position]
            shares[label] = shares.get(label, 0.0) + share
        return shares

    # -- checking --------------------------------------------------------------------------------

    def broken(self, rows: pd.DataFrame) -> dict[str, int]:
        """Rows of a drawn table (as written) breaking each rule; empty when every rule holds
        (only the columns the rules name are read back: this runs on every drawn batch)."""
        if not self.rules:
            return {}
        named = [c for c in self.schema.names if any(c in r.columns() for r in self.rules)]
        return self.broken_in(coerce_table(rows[named], Schema(tuple(self.schema[c].without_bounds() for c in named))))

    def _broken(self, table: pd.DataFrame, rule: Rule) -> np.ndarray:
        if isinstance(rule, Combination) and self.combinations.seen:
            return self.combinations.broken(table, rule)
        return rule.broken(table)

    # -- saving ----------------------------------------------------------------------------------

    def to_state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        config: dict[str, Any] = {
            "rules": [r.to_dict() for r in self.rules],
            "order": self.order.to_state(),
            "combinations": self.combinations.to_state(),
            "model_schema": self.model_schema.to_dict(),
        }
        arrays: dict[str, np.ndarray] = {}
        if self.outputs is not None:
            outputs_config, arrays = self.outputs.to_state()
            config["outputs"] = outputs_config
        return config, arrays

    @classmethod
    def from_state(cls, schema: Schema, config: dict[str, Any], arrays: dict[str, np.ndarray]) -> RuleSet:
        rules = cls(config["rules"], schema)
        rules.order.load_state(config["order"])
        rules.combinations.load_state(config["combinations"])
        rules.model_schema = Schema.from_dict(config["model_schema"])
        if "outputs" in config:
            rebuilt = Schema(tuple(schema[c].without_bounds() for c in rules.rebuilt))
            rules.outputs = TableEncoder.from_state(rebuilt, config["outputs"], arrays).unbounded(rebuilt.names)
        return rules


def save_rules(rules: RuleSet, document: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
    """Add a twin's rules (if any) to its saved ``document`` and ``arrays``, in place."""
    if rules:
        config, state = rules.to_state()
        document["rules"] = config
        arrays.update({f"rules/{k}": v for k, v in state.items()})


def load_rules(schema: Schema, document: dict[str, Any], arrays: dict[str, np.ndarray]) -> RuleSet:
    """The rules :func:`save_rules` saved with a twin of ``schema`` (none when it saved none)."""
    if "rules" not in document:
        return RuleSet([], schema)
    state = {k.removeprefix("rules/"): v for k, v in arrays.items() if k.startswith("rules/")}
    return RuleSet.from_state(schema, document["rules"], state)


def _with_decimals(rule: Rule, schema: Schema) -> Rule:
    """A formula rounds to its column's decimals unless it says otherwise (whole numbers: none)."""
    if not isinstance(rule, Formula) or rule.decimals is not None:
        return rule
    spec = schema[rule.column]
    decimals = 0 if spec.kind is ColumnKind.INTEGER else spec.decimals
    return rule if decimals is None else dataclasses.replace(rule, decimals=decimals)


def _formula_order(formulas: list[Formula], schema: Schema) -> list[Formula]:
    """Formulas in an order where each one's inputs are computed first."""
    by_column: dict[str, Formula] = {}
    for formula in formulas:
        if formula.column in by_column:
            raise ConstraintError(
                f"Column {formula.column!r} has two formulas ({by_column[formula.column]}; {formula})."
            )
        by_column[formula.column] = formula
        wrong = [c for c in formula.inputs if schema[c].kind not in (*NUMBER_KINDS, ColumnKind.DATETIME)]
        wrong += [formula.column] if schema[formula.column].kind not in NUMBER_KINDS else []
        if wrong:
            raise ConstraintError(
                f"Rule '{formula}': column(s) {wrong} are not numbers (datetimes may be read, as seconds)."
            )
    graph = {f.column: [c for c in f.inputs if c in by_column] for f in formulas}
    try:
        return [by_column[c] for c in TopologicalSorter(graph).static_order() if c in by_column]
    except CycleError as exc:
        raise ConstraintError(f"Formulas compute each other in a circle: {list(dict.fromkeys(exc.args[1]))}.") from None


def _check_overlaps(rules: RuleSet) -> None:
    """A column is decided by one family of rules: the order rules (which share their columns,
    whichever way a group is rebuilt), a formula, or a combination."""
    owners: dict[str, Rule] = {}
    for rule in rules.rules:
        if isinstance(rule, Formula):
            decided = [rule.column]
        elif isinstance(rule, Order | Difference | Combination):
            decided = list(rule.columns())
        else:
            continue
        for column in decided:
            other = owners.setdefault(column, rule)
            ordered = isinstance(other, Order | Difference) and isinstance(rule, Order | Difference)
            if other is not rule and not ordered:
                raise ConstraintError(
                    f"Rules contradict each other: '{other}' and '{rule}' both decide {column!r}; keep one."
                )


def _keys(rows: pd.DataFrame, rule: Unique) -> np.ndarray:
    """Each row's value (a tuple for several columns) of a unique rule; ``None`` where one is missing."""
    part = rows[list(rule.columns())].astype(object)
    complete = part.notna().all(axis=1).to_numpy()
    keys = np.empty(len(part), dtype=object)
    values = part.iloc[:, 0] if len(rule.columns()) == 1 else pd.Series(list(part.itertuples(index=False, name=None)))
    keys[complete] = values.to_numpy(dtype=object)[complete]
    return keys


def _domain(spec: Any) -> int | None:
    """How many values a column can take, when it is a closed set."""
    if spec.kind is ColumnKind.BOOLEAN:
        return 2
    if spec.kind is ColumnKind.CATEGORICAL and spec.categories is not None:
        return len(spec.categories)
    return None


def _split(token: str) -> list[Any]:
    return list(json.loads(token))
