"""Learning a table of sequences: the entities, then every step given the entity and its history.

The events are sorted by entity and time (:mod:`datatwin.sequential.events`). With at least
:data:`MIN_ENTITIES` entities the table is a set of *event sequences*: a table twin learns the
entity rows (static columns, number of events, start, first levels), and new entities are drawn
from it. With fewer it is a few long *series*: their real entities are kept and new series drawn
for them, to any horizon. Either way one conditional model (``argn`` by default) learns each
step's encoded columns given the entity's static columns, the calendar and the history features
of :mod:`datatwin.sequential.history` — trained with those always first, as sampling gives them.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from datatwin.constraints import Conditional, Rule, RuleSet, Unique, discover_rules, parse_rules
from datatwin.encoded import EncodedColumn, EncodedTable
from datatwin.errors import ConfigError, ConstraintError
from datatwin.io import TableSource
from datatwin.lineage import Lineage, hash_frame
from datatwin.models import registry
from datatwin.pipeline import fit_table
from datatwin.pipeline.fit import MIN_TRAINING_SECONDS
from datatwin.progress import Progress, advance
from datatwin.schema import ColumnKind, ColumnSpec, Schema, SequenceKeys, coerce_table, infer_schema
from datatwin.sequential.clock import DAY, SINCE, WEEK, Clock
from datatwin.sequential.entity_table import with_entity_table
from datatwin.sequential.events import Events, prepare_events
from datatwin.sequential.fitted import (
    ENTITY,
    FIRST,
    LENGTH,
    START,
    Entities,
    FittedSequences,
    Mode,
    is_entity_attribute,
    schema_without,
)
from datatwin.sequential.history import (
    History,
    HistorySpec,
    active_steps,
    anchors_of,
    observed,
    positive_columns,
    scaled,
    smooth_columns,
)
from datatwin.sequential.normal import Normal, learn_normals
from datatwin.transforms import TableEncoder

MIN_ENTITIES = 20
"""Fewer entities make a set of series (kept entities, new series), not a population to draw from."""
MAX_PERIOD = 400
"""Longest seasonal lag, in steps."""
UNLEARNT_STATIC = (ColumnKind.ID, ColumnKind.PII, ColumnKind.TEXT)
"""Static kinds not given to the steps: regenerated per entity, they tell nothing."""


def fit_sequences(
    source: TableSource,
    keys: SequenceKeys,
    *,
    model: str = "argn",
    seed: int,
    schema: Schema | None = None,
    model_options: dict[str, Any] | None = None,
    rare_threshold: int,
    max_time: float | None = None,
    progress: Progress | None = None,
    entity_table: pd.DataFrame | None = None,
    rules: Sequence[Rule | dict[str, Any]] = (),
    find_rules: bool = False,
    found_rules: Sequence[Rule] = (),
    entity_rules: Sequence[Rule] = (),
) -> FittedSequences:
    """Learn the sequences of ``source`` (see the module docstring); ``entity_table`` holds one
    row per entity (its attributes; entities without events too); ``rules`` between the event
    columns (besides the schema's; ``find_rules``: and those found in the events when the
    schema states none) hold in every drawn event (:func:`step_rules`), those between the
    entity's own (static) columns in every drawn entity; ``found_rules`` likewise where they
    can be held (those mixing both kinds of column are left out); ``entity_rules`` hold in the
    entity rows, whose first event's time (:data:`START`) is then a datetime."""
    started = time.perf_counter()
    model_name = "argn" if model == registry.AUTO else model
    if not registry.get(model_name).capabilities.context:
        raise ConfigError(f"Model {model_name!r} cannot learn sequences: it takes no context. Use 'argn'.")
    frame = source.data
    base = schema if schema is not None else infer_schema(frame, rare_threshold=rare_threshold)
    full = Schema(base.columns, keys)
    events = prepare_events(frame, full)
    full = Schema(base.columns, events.keys)
    entity_count = events.entities if entity_table is None else len(entity_table)
    mode: Mode = "events" if entity_count >= MIN_ENTITIES else "series"
    if mode == "events" and keys.entity is not None:  # new entities get new keys: the real ones stay out of the twin
        full = Schema(
            tuple(ColumnSpec(c.name, ColumnKind.ID) if c.name == keys.entity else c for c in full.columns),
            full.sequence,
            rules=full.rules,
        )
    advance(progress, "checking data", 1, 1)
    encoder_seed, entity_seed, model_seed = (int(s) for s in np.random.SeedSequence(seed).generate_state(3))
    step_schema = schema_without(full)
    steps = events.frame[step_schema.names].reset_index(drop=True)
    stated = parse_rules([*(base.rules or ()), *rules])
    constant = set(events.keys.static or ())
    on_entities, on_steps = _split_rules(stated, found_rules, constant, set(step_schema.names))
    find = find_rules and base.rules is None
    ruleset = step_rules(steps, step_schema, keys.order, on_steps, find=find, seed=seed)
    ruleset.fit(steps, rare_threshold=rare_threshold, seed=encoder_seed)
    working = ruleset.forward(steps)
    encoder = TableEncoder(ruleset.model_schema).fit(working, seed=encoder_seed)
    encoded = encoder.encode(working, seed=encoder_seed)
    first = np.zeros(len(events.frame), dtype=bool)
    first[events.starts] = True
    clock = Clock.learn(events.time, first, timestamps=full[keys.order].kind == ColumnKind.DATETIME)
    targets, values = _targets(encoder, encoded, events, clock, keys.order, first)
    spec = _history_spec(targets, values, first, ruleset.model_schema, events, clock, mode)
    first_levels = {c: _first_observed(values, c, events, spec.fills[c]) for c in spec.deltas}
    entity_rows = _entity_rows(events, first_levels)
    if entity_table is not None:
        entity_rows = with_entity_table(entity_rows, entity_table, keys.entity)
    if entity_rules and clock.timestamps:  # a rule on when the first event happens compares datetimes
        entity_rows[START] = pd.to_datetime(entity_rows[START] * 1e6, unit="us")
    entities = _entities(
        entity_rows,
        mode,
        source,
        entity=keys.entity,
        seed=entity_seed,
        rare_threshold=rare_threshold,
        rules=[*entity_rules, *on_entities],
        given=[c for rule in entity_rules for c in rule.columns() if c != START],
    )
    static = static_context(entities, entity_rows if entities.rows is None else entities.rows)
    context = _history_features(spec, events, values, first_levels, clock)
    context.update({f"{ENTITY}{k}": v[events.entity_of] for k, v in static.items()})  # event entities come first
    since = clock.since(events.time, first)
    context.update(clock.calendar(events.time if clock.regular else since))
    context[SINCE] = since
    step_values = {c.name: values[c.name] for c in targets}
    for c in spec.deltas:
        step_values[c] = context.pop(f"__target__{c}")
    columns = [*targets, *_context_columns(spec, static, entities.encoder, clock)]
    table = EncodedTable(tuple(columns), {**step_values, **context}, n_rows=len(events.frame))
    options = dict(model_options or {})
    if max_time is not None and registry.get(model_name).capabilities.time_budget:
        options["max_time"] = max(max_time - (time.perf_counter() - started), MIN_TRAINING_SECONDS)
    generator = registry.create(model_name, options)
    generator.fit(table, seed=model_seed, progress=progress, context=[c.name for c in columns[len(targets) :]])
    lineage = Lineage.record(source=source.name, source_sha256=source.sha256, data=frame, model=model_name, seed=seed)
    lengths = {
        "entities": events.entities,
        "longest": int(events.lengths.max()),
        "median": int(np.median(events.lengths)),
        "ties": events.ties,
    }
    full = dataclasses.replace(full, rules=tuple(r.to_dict() for r in [*ruleset, *on_entities]))
    return FittedSequences(full, mode, entities, encoder, clock, spec, generator, lengths, lineage, ruleset)


def _split_rules(
    stated: list[Rule], found: Sequence[Rule], static: set[str], steps: set[str]
) -> tuple[list[Rule], list[Rule]]:
    """Rules between the entity's own columns (held by the entity twin) and between event
    columns (held by each step); found ones naming both kinds are left out.

    Raises
    ------
    ConstraintError
        For a stated rule naming both kinds of column.
    """
    on_entities, on_steps = [], []
    for rule in [*stated, *found]:
        columns = set(rule.columns())
        if columns <= static:
            on_entities.append(rule)
        elif columns <= steps or columns - static - steps:  # unknown columns: the step rules say which
            on_steps.append(rule)
        elif rule in stated:
            raise ConstraintError(
                f"Rule '{rule}' names column(s) {sorted(columns & static)}, constant within each entity, and "
                f"event column(s) {sorted(columns & steps)}; a sequence twin holds rules within one of the two."
            )
    return on_entities, on_steps


def step_rules(
    steps: pd.DataFrame, schema: Schema, order: str, rules: Sequence[Rule | dict[str, Any]], *, find: bool, seed: int
) -> RuleSet:
    """The rules between the event columns of working-form ``steps`` (the ``order`` column
    included: a time is never rebuilt, a column after it is drawn as a gap above it), checked,
    with those found in the events (``find``) that name no column a given rule names.

    Raises
    ------
    ConstraintError
        When a rule names a column that is not an event column, or needs rows redrawn
        (uniqueness, a conditional allowing several values), which a step cannot be.
    """
    given = parse_rules(rules)
    if find:
        named = {c for r in given for c in r.columns()}
        given += [r for r in discover_rules(steps, schema, seed=seed) if not set(r.columns()) & named]
    ruleset = RuleSet(given, schema, given=[order])
    for rule in ruleset:
        if isinstance(rule, Unique) or (isinstance(rule, Conditional) and not rule.fixes_one_value):
            raise ConstraintError(
                f"Rule '{rule}': sequences hold rules by construction only, and this one needs rows redrawn."
            )
    return ruleset


def _targets(
    encoder: TableEncoder, encoded: EncodedTable, events: Events, clock: Clock, order: str, first: np.ndarray
) -> tuple[list[EncodedColumn], dict[str, np.ndarray]]:
    """The encoded columns each step draws (the order column's replaced by the clock's) and
    their values."""
    order_columns = {c.name for c in encoder.encoded_columns if c.name.split("::")[0] == order}
    targets = [c for c in encoded.columns if c.name not in order_columns]
    values = {c.name: encoded.data[c.name] for c in targets}
    values.update(clock.values(events.time, first))
    targets = clock.drawn() + targets
    return targets, values


def _history_spec(
    targets: list[EncodedColumn],
    values: dict[str, np.ndarray],
    first: np.ndarray,
    schema: Schema,
    events: Events,
    clock: Clock,
    mode: str,
) -> HistorySpec:
    numeric = {c.name for c in schema.columns if c.kind in (ColumnKind.NUMERIC, ColumnKind.INTEGER)}
    candidates = [c.name for c in targets if c.kind == "continuous" and c.name.split("::")[0] in numeric]
    deltas = smooth_columns(values, first, candidates)
    logs = positive_columns(values, deltas)
    fills = {}
    for c in targets:
        x = values[c.name]
        fills[c.name] = float(np.median(x)) if c.kind == "continuous" else float(np.bincount(x).argmax())
    bounds = {c: (float(values[c].min()), float(values[c].max())) for c in deltas}
    anchors = anchors_of(values, first, deltas, logs)
    period = _period(clock, events, mode)
    reverting = [c for c in deltas if c not in anchors] if mode == "series" else []
    normals = _normals(values, first, events, clock, reverting, logs)
    return HistorySpec(tuple(targets), deltas, fills, bounds, period, mode == "events", logs, anchors, normals)


def _normals(
    values: dict[str, np.ndarray],
    first: np.ndarray,
    events: Events,
    clock: Clock,
    columns: list[str],
    logs: tuple[str, ...],
) -> dict[str, Normal]:
    """The normal levels of a series twin's delta columns (in the scale of their changes)."""
    if not columns:
        return {}
    seen = {c: observed(values, c) for c in columns}
    levels = {c: scaled(values[c], log=c in logs) for c in columns}
    calendar = clock.calendar(events.time) if clock.timestamps else {}
    return learn_normals(levels, seen, first, events.entity_of, calendar, int(events.lengths.max()))


def _period(clock: Clock, events: Events, mode: str) -> int | None:
    """Steps of a day (or, for daily steps, a week) on a regular timestamp grid of long series."""
    if mode != "series" or not clock.timestamps or clock.step is None or clock.step <= 0:
        return None
    span = DAY if clock.step < DAY else WEEK
    steps = span / clock.step
    if steps != round(steps) or not 1 < steps <= MAX_PERIOD or events.lengths.max() < 2 * steps:
        return None
    return int(steps)


def _first_observed(values: dict[str, np.ndarray], column: str, events: Events, fill: float) -> np.ndarray:
    """Each entity's first observed value of ``column`` (``fill`` when it has none)."""
    rows = np.flatnonzero(observed(values, column))
    firsts = pd.Series(rows).groupby(events.entity_of[rows]).first()
    out = np.full(events.entities, fill)
    out[firsts.index.to_numpy()] = values[column][firsts.to_numpy()]
    return out


def _entity_rows(events: Events, first_levels: dict[str, np.ndarray]) -> pd.DataFrame:
    """One row per entity: its key, static columns, length, start, and the first levels of
    columns learnt as changes."""
    keys = events.keys
    columns = [c for c in (keys.entity, *(keys.static or ())) if c is not None]
    rows = events.frame[columns].iloc[events.starts].reset_index(drop=True)
    rows[LENGTH] = events.lengths
    rows[START] = events.time[events.starts]
    for column, levels in first_levels.items():
        rows[FIRST + column] = levels
    return rows


def _entities(
    rows: pd.DataFrame,
    mode: str,
    source: TableSource,
    *,
    entity: str | None,
    seed: int,
    rare_threshold: int,
    rules: Sequence[Rule],
    given: Sequence[str],
) -> Entities:
    if mode == "series":
        schema = infer_schema(rows, rare_threshold=1)
        if entity is not None and schema[entity].kind in UNLEARNT_STATIC:  # a station's name: who it is matters
            labels = tuple(str(v) for v in rows[entity])
            specs = [
                ColumnSpec(c.name, ColumnKind.CATEGORICAL, categories=labels) if c.name == entity else c
                for c in schema.columns
            ]
            schema = Schema(tuple(specs))
        return Entities(None, rows, TableEncoder(schema).fit(_working(rows, schema), seed=seed))
    entity_source = TableSource(rows, f"{source.name} (entities)", hash_frame(rows))
    schema = infer_schema(rows, rare_threshold=rare_threshold)
    if entity is not None:  # new entities get new keys, one each, never a real one's number
        schema = Schema(tuple(ColumnSpec(entity, ColumnKind.ID) if c.name == entity else c for c in schema.columns))
    twin = fit_table(
        entity_source, model="argn", seed=seed, schema=schema, rare_threshold=rare_threshold, rules=rules, given=given
    )
    assert isinstance(twin.encoder, TableEncoder)  # fitted without privacy
    return Entities(twin, None, twin.encoder)


def static_context(entities: Entities, rows: pd.DataFrame) -> dict[str, np.ndarray]:
    """The entities' encoded static columns (of kinds worth learning from), by encoded name;
    values beyond the learnt bounds (given entities) go to the edge tokens."""
    schema = entities.schema
    static = [c for c in schema.columns if is_entity_attribute(c.name) and c.kind not in UNLEARNT_STATIC]
    if not static:
        return {}
    names = [c.name for c in static]
    if entities.twin is not None and entities.twin.rules:  # the entity twin's columns as its rules rewrite them
        rules = entities.twin.rules
        loose = Schema(tuple(c.without_bounds() for c in rules.schema.columns))
        rows = rules.forward(_working(rows[loose.names], loose))
    working = _working(rows[names], Schema(tuple(c.without_bounds() for c in static)))
    encoded = entities.encoder.encode_columns(working, seed=0)
    return dict(encoded)


def _context_columns(
    spec: HistorySpec, static: dict[str, np.ndarray], encoder: TableEncoder, clock: Clock
) -> list[EncodedColumn]:
    kinds = {c.name: c for c in encoder.encoded_columns}
    columns = spec.columns()
    columns += [EncodedColumn(f"{ENTITY}{k}", kinds[k].kind, kinds[k].cardinality) for k in static]
    columns += clock.calendar_columns()
    columns.append(EncodedColumn(SINCE, "continuous"))
    return columns


def _history_features(
    spec: HistorySpec, events: Events, values: dict[str, np.ndarray], first_levels: dict[str, np.ndarray], clock: Clock
) -> dict[str, np.ndarray]:
    """Every row's history features, built step by step as sampling builds them; the delta
    columns' changes come back as ``__target__<column>``."""
    history = History(spec, events.lengths, first_levels, np.arange(events.entities))
    calendar = clock.calendar(events.time) if spec.normals and clock.timestamps else {}
    n = len(events.frame)
    out = {c.name: np.empty(n, dtype=np.int64 if c.kind == "discrete" else np.float64) for c in spec.columns()}
    out.update({f"__target__{c}": np.empty(n) for c in spec.deltas})
    for step, who in active_steps(events.lengths):
        rows = events.starts[who] + step
        for name, feature in history.context(who, step).items():
            out[name][rows] = feature
        real = {c.name: values[c.name][rows] for c in spec.targets}
        normal = history.normals(who, {k: v[rows] for k, v in calendar.items()})
        changes = history.changes(who, real, normal)
        for c in spec.deltas:
            out[f"__target__{c}"][rows] = changes[c]
        history.push(who, step, real, normal)
    return out


def _working(rows: pd.DataFrame, schema: Schema) -> pd.DataFrame:
    """Entity rows in working form; a series' entity key, learnt as a label, as text."""
    labels = [c.name for c in schema.columns if c.kind == ColumnKind.CATEGORICAL and c.name in rows.columns]
    return coerce_table(rows.astype({c: str for c in labels if not rows[c].map(type).eq(str).all()}), schema)
