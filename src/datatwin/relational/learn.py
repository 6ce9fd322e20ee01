"""Learning a database twin: one table twin per table, each given its parent and its siblings.

For each table:

- its *value* columns (not keys) get a single-table twin; a child table's twin also sees its
  primary parent's value columns (``__parent__.<column>``), so child rows fit their parent;
- a grandchild's twin also sees the values its parent was drawn with (``__grandparent__.<column>``:
  an order line knows its order's customer segment);
- a child table whose rows are events of their parent along a time column (a customer's
  invoices) is learnt by a sequence twin whose entities are the parents
  (:mod:`datatwin.relational.events`);
- another child table whose parents have several children each is a *sequence*: its twin also
  sees the row's position among its siblings (``__position__``, in primary-key order) and the
  previous sibling's values (``__previous__.<column>``), so invoice lines follow each other as
  they do in the source;
- a parent's twin learns, per row, how many children each child table has through it
  (``__children__.<table>.<columns>``), so children-per-parent follows the parent's values;
- *reference tables* — short root lists that other tables point to and that name no one
  (genres, media types, languages, countries: at most 200 rows, no personal-data column) — are
  kept as they are, since their labels are what the children's patterns are about; the user
  can name them instead (``reference_tables``);
- other tables too small for the usual minimum (Sakila's two stores) are learnt all the same:
  every label pooled and regenerated, names and emails faked, never copied.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from datatwin.constraints import Order, parse_rules
from datatwin.constraints.cross import AfterParent, DatabaseRule, InTable, database_rules, table_rules
from datatwin.errors import ConstraintError, DataError
from datatwin.io import TableSource
from datatwin.io.database import Database, read_database
from datatwin.lineage import hash_frame
from datatwin.pipeline import MIN_ROWS, fit_table
from datatwin.pipeline.fit import MIN_TRAINING_SECONDS
from datatwin.progress import Progress, advance
from datatwin.relational.checks import key_problems
from datatwin.relational.columns import PARENT, children_counts, value_columns
from datatwin.relational.context import (
    UNLEARNT_CONTEXT,
    as_drawn,
    grandparent_context,
    is_context,
    parent_context,
    previous_context,
    sibling_order,
)
from datatwin.relational.dangling import settle_dangling
from datatwin.relational.discover import discover_keys
from datatwin.relational.events import event_time, fit_events, has_enough_parents
from datatwin.relational.model import FittedDatabase, TableModel, database_lineage
from datatwin.relational.order import GenerationPlan, generation_plan
from datatwin.relational.primary import primary_key_of
from datatwin.relational.reference import find_reference_tables, known_references, reference_table_model
from datatwin.relational.rules import with_rules, without_rules
from datatwin.schema import ColumnKind, ColumnSpec, Schema, infer_schema
from datatwin.schema.coerce import blanks_as_missing, check_unique_names, coerce_table
from datatwin.schema.keys import parent_rows
from datatwin.schema.relational import ForeignKey, RelationalSchema, TableSchema

MAX_SEQUENCE_LENGTH = 200
"""Children per parent beyond which a table is drawn without its sibling order (one model call
per position would be slow; parent context and children counts still apply)."""


def learn_database(
    source: Database | str | Path,
    *,
    schema: RelationalSchema | str | Path | None = None,
    detect_keys: bool = True,
    reference_tables: list[str] | None = None,
    seed: int = 0,
    max_time: float | None = None,
    progress: Progress | None = None,
    rules: Sequence[Any] = (),
    find_rules: bool = True,
) -> FittedDatabase:
    """Learn every table of a database, parents first (see the module docstring); the
    parameters and errors are those of :func:`datatwin.fit_database`, which wraps the result."""
    deadline = None if max_time is None else time.perf_counter() + max_time
    database = source if isinstance(source, Database) else read_database(source)
    if schema is not None:
        database = database.with_schema(schema if isinstance(schema, RelationalSchema) else _schema_file(schema))
    if detect_keys:
        database = discover_keys(database)
    plan = generation_plan(database.schema)
    if reference_tables is None:
        references = find_reference_tables(database)
    else:
        references = known_references(database, reference_tables)
    _check_before_learning(database, references)
    database, found = with_rules(database, rules, find=find_rules, plan=plan, seed=seed)
    stated_and_found = database_rules(database.schema.rules, database.schema)
    database, dangling, settled = settle_dangling(database, seed)
    models: dict[str, TableModel] = {}
    contexts: dict[str, pd.DataFrame] = {}  # per table, the parent context its twin was given
    seeds = {t.name: seed + index for index, t in enumerate(database.schema.tables)}
    budget = _Budget(deadline, {n: len(database.tables[n]) for n in plan.order if n not in references})
    unheld: list[DatabaseRule] = []
    for done, name in enumerate(plan.order):  # parents first: children see them as drawn
        advance(progress, "learning tables", done, len(plan.order))
        table = database.schema.table(name)
        if name in references:
            models[name] = reference_table_model(database, table, plan)
        else:
            models[name], left_out = _fit_table(
                database,
                table,
                plan,
                models,
                contexts,
                seed=seeds[name],
                max_time=budget.share(name),
                rules=stated_and_found,
                found=found,
            )
            unheld += left_out
    database = without_rules(database, unheld)
    models = {t.name: models[t.name] for t in database.schema.tables}
    advance(progress, "learning tables", len(database.schema.tables), len(database.schema.tables))
    lineage = database_lineage(database, seed) | ({"dangling": settled} if settled else {})
    return FittedDatabase(database.schema, models, lineage, dangling)


def _check_before_learning(database: Database, references: set[str]) -> None:
    """Every key problem and every table whose values cannot be learnt, found and reported
    together before the first table trains (a bad column in the last table must not cost the
    minutes spent on the others)."""
    problems = key_problems(database)
    for table in database.schema.tables:
        if table.name in references:
            continue
        frame = database.tables[table.name]
        try:
            check_unique_names(frame)
            values = blanks_as_missing(frame[value_columns(database.schema, table, frame)])
            if values.shape[1] and len(values):
                coerce_table(values, infer_schema(values))
        except DataError as exc:
            problems += [f"table {table.name!r}: {p}" for p in exc.problems]
    if problems:
        raise DataError(problems)


class _Budget:
    """A fit's time budget shared by its tables: each gets what is left in proportion to its
    rows among the tables still to learn, but at least half an even share (a 250-row parent
    beside 6,000 rows of children needs a few epochs too); a table that stops early leaves its
    time to the next."""

    def __init__(self, deadline: float | None, rows: dict[str, int]) -> None:
        self.deadline = deadline
        self.rows = dict(rows)

    def share(self, name: str) -> float | None:
        rows = self.rows.pop(name, 0)
        if self.deadline is None:
            return None
        left = self.deadline - time.perf_counter()
        even = left / (2 * (len(self.rows) + 1))
        return max(left * (rows + 1) / (rows + 1 + sum(self.rows.values())), even, MIN_TRAINING_SECONDS)


def _schema_file(path: str | Path) -> RelationalSchema:
    return RelationalSchema.from_json(path)


def _fit_table(
    database: Database,
    table: TableSchema,
    plan: GenerationPlan,
    fitted: dict[str, TableModel],
    contexts: dict[str, pd.DataFrame],
    *,
    seed: int,
    max_time: float | None,
    rules: list[DatabaseRule],
    found: list[DatabaseRule],
) -> tuple[TableModel, list[DatabaseRule]]:
    """A table's twin, and the rules found for it (among the database's ``rules``) that it
    cannot hold (left out)."""
    frame = database.tables[table.name]
    values = value_columns(database.schema, table, frame)
    # database text cells may be '' next to numbers (Sakila's postal_code): learnt as missing
    training = blanks_as_missing(frame[values]).reset_index(drop=True)
    children = children_counts(database, table.name, plan)
    training = training.assign(**children)
    counts = {column: float(values.mean()) for column, values in children.items()}
    primary = primary_key_of(database, table, plan)
    sequence_length = 0
    time_column = None
    if primary is not None:
        rows = parent_rows(database.tables, primary)
        context = as_drawn(parent_context(database, primary, rows), fitted[primary.parent])
        contexts[table.name] = context
        training = pd.concat([training, context, grandparent_context(contexts.get(primary.parent), rows)], axis=1)
        order = sibling_order(frame, table, primary)
        repeated = bool(values) and int(order.max(initial=0)) > 0
        if repeated and len(table.primary_key) <= 1 and has_enough_parents(rows):
            time_column = event_time(frame, values)
        if repeated and time_column is None and int(order.max()) < MAX_SEQUENCE_LENGTH:
            sequence_length = int(order.max()) + 1
            training = pd.concat([training, previous_context(frame[values], order, frame, primary)], axis=1)
    table_fit = events = None
    left_out: list[DatabaseRule] = []
    tiny = len(training) < MIN_ROWS  # a lookup table: learnt without context, every label pooled
    empty = [c for c in training.columns if is_context(c) and (tiny or training[c].isna().all())]
    training = training.drop(columns=empty)
    if training.shape[1] and len(training):
        inferred = infer_schema(training)
        unlearnt = [c.name for c in inferred.columns if c.kind in UNLEARNT_CONTEXT and is_context(c.name)]
        training = training.drop(columns=unlearnt)
        conditioned = any(is_context(c) for c in training.columns)
        model = "copula" if tiny else ("argn" if conditioned else "auto")
        schema = _with_unique_keys(inferred, [c for c in training.columns], table)
        name = f"{database.source}#{table.name}"
        drawn_as_events = time_column is not None and not tiny and schema[time_column].kind is ColumnKind.DATETIME
        along = time_column if drawn_as_events else None
        after, left_out = _after_parent(database, table, primary, list(training.columns), along, rules, found)
        own = table_rules(rules, table.name)
        if drawn_as_events:
            assert time_column is not None
            own_found = table_rules(found, table.name)
            events = fit_events(
                training,
                schema,
                rows,
                time_column,
                source=name,
                seed=seed,
                max_time=max_time,
                rules=[r for r in own if r not in own_found],
                found_rules=own_found,
                start_after=after,
            )
            held = {(r.type, r.columns()) for r in parse_rules(events.schema.rules or ())}
            left_out += [
                r
                for r in found
                if isinstance(r, InTable) and r.table == table.name and (r.rule.type, r.columns()) not in held
            ]
        else:
            table_fit = fit_table(
                TableSource(training, name, hash_frame(training)),
                model=model,
                seed=seed,
                schema=schema,
                max_time=max_time,
                min_rows=1,
                rules=[*after, *own],
                given=[c.name for c in schema.columns if is_context(c.name)],
            )
    table_model = TableModel(
        fitted=table_fit,
        value_columns=values,
        primary=primary,
        real_rows=len(frame),
        text_key_length=_text_key_length(frame, table),
        key_range=_key_range(frame, table),
        null_shares={c: float(frame[c].isna().mean()) for c in table.columns},
        mean_children=counts,
        empty_text=[c for c in values if frame[c].isna().sum() == 0 and frame[c].eq("").any()],
        sequence_length=sequence_length,
        events=events,
    )
    return table_model, left_out


def _after_parent(
    database: Database,
    table: TableSchema,
    primary: ForeignKey | None,
    columns: list[str],
    time_column: str | None,
    rules: list[DatabaseRule],
    found: list[DatabaseRule],
) -> tuple[list[Order], list[DatabaseRule]]:
    """The table's after-parent rules as orders between its parent's value (a context column)
    and its own; for a table drawn as events along ``time_column``, rules on that column only
    (each parent's first event after the parent's value: the later ones follow it). Also the
    found rules that cannot be held so (left out).

    Raises
    ------
    ConstraintError
        When a stated rule cannot be held: the table is not drawn under that parent with that
        value as context, or is drawn as events along another column.
    """
    out: list[Order] = []
    left_out: list[DatabaseRule] = []
    for rule in rules:
        if not isinstance(rule, AfterParent) or rule.table != table.name:
            continue
        given = PARENT + rule.parent_column
        if primary is None or rule.key(database.schema) != primary or given not in columns:
            problem = f"{table.name!r} is not drawn under that parent with its {rule.parent_column!r} as context"
        elif time_column is not None and rule.column != time_column:
            problem = f"{table.name!r} is drawn as events along {time_column!r}, the one column such a rule reaches"
        else:
            out.append(Order((given, rule.column), strict=rule.strict))
            continue
        if rule not in found:
            raise ConstraintError(f"Rule '{rule}': {problem}, so datatwin cannot hold it.")
        left_out.append(rule)
    return out, left_out


def _with_unique_keys(inferred: Schema, columns: list[str], table: TableSchema) -> Schema:
    """The inferred schema of the training columns, with every column the database declares
    UNIQUE on its own generated as a key (new distinct values in the real ones' shape)."""
    unique = {u[0] for u in table.unique if len(u) == 1}
    specs = [ColumnSpec(s.name, ColumnKind.ID) if s.name in unique else s for s in inferred.columns]
    return Schema(tuple(s for s in specs if s.name in columns))


def _key_range(frame: pd.DataFrame, table: TableSchema) -> list[int] | None:
    """The smallest and largest value of a whole-number primary key, else ``None``."""
    if len(table.primary_key) != 1 or not pd.api.types.is_integer_dtype(frame[table.primary_key[0]].dtype):
        return None
    keys = frame[table.primary_key[0]].dropna()
    return [int(keys.min()), int(keys.max())] if len(keys) else None


def _text_key_length(frame: pd.DataFrame, table: TableSchema) -> int | None:
    """The usual length of a text primary key (generated anew in that length), else ``None``."""
    if len(table.primary_key) != 1 or pd.api.types.is_numeric_dtype(frame[table.primary_key[0]].dtype):
        return None
    lengths = frame[table.primary_key[0]].dropna().astype(str).str.len()
    return int(lengths.mode().iloc[0]) if len(lengths) else 8
