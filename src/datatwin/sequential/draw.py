"""Drawing sequences from a :class:`~datatwin.sequential.fitted.FittedSequences`.

Entities come first (new ones from the entity twin, or a series twin's real ones), each with its
length (or the horizon asked for), start and first levels. Then every entity's events are drawn
step by step, all entities at once, one draw per step: the step's values — and, where gaps
vary, its time — given the entity, its history features built from what was drawn before and
the calendar (see :mod:`datatwin.sequential.clock`). Steps given with ``start=`` are taken as
they are. Conditions on event columns hold at every step. Rows come out sorted by entity, then
time.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from datatwin.conditions import Wanted
from datatwin.encoded import EncodedTable
from datatwin.errors import ConfigError, ConstraintError
from datatwin.models import Generator
from datatwin.pipeline import sample_table
from datatwin.progress import Progress, advance
from datatwin.schema import ColumnKind, Schema, coerce_table
from datatwin.seeds import check_seed
from datatwin.sequential.clock import SINCE
from datatwin.sequential.events import order_numbers
from datatwin.sequential.fitted import ENTITY, FIRST, LENGTH, START, FittedSequences, is_entity_attribute
from datatwin.sequential.history import History, active_steps
from datatwin.sequential.known import KnownSteps, known_steps
from datatwin.sequential.learn import static_context

logger = logging.getLogger(__name__)

LENGTH_CAP = 2
"""An event twin draws sequences at most this many times longer than the longest it saw."""
BACKWARD_REDRAWS = 3
"""Rounds of redrawing steps whose drawn time falls before the previous event."""


def sample_sequences(
    fitted: FittedSequences,
    *,
    entities: int | None = None,
    horizon: int | None = None,
    context: pd.DataFrame | None = None,
    start: pd.DataFrame | None = None,
    conditions: dict[str, Wanted] | None = None,
    lengths: np.ndarray | None = None,
    seed: int,
    progress: Progress | None = None,
) -> pd.DataFrame:
    """Draw sequences (see the module docstring and :meth:`datatwin.SequenceTwin.sample`);
    ``lengths`` gives each ``context`` entity's number of events (a database's children per
    parent), which the entities' other columns — start, first levels — are then drawn for."""
    check_seed(seed)
    entity_seed, step_seed, decode_seed = (int(s) for s in np.random.SeedSequence(seed).generate_state(3))
    static_conditions, event_conditions = _split_conditions(fitted, dict(conditions or {}))
    known = None
    if start is not None:
        if context is not None:
            raise ConfigError("Give either start= (the first steps of each series) or context=, not both.")
        known = known_steps(fitted, start)
        context = known.entities
    if lengths is not None:
        context = _with_lengths(fitted, context, lengths)
    rows = _entity_rows(fitted, entities, context, static_conditions, entity_seed)
    lengths = _lengths(fitted, rows, horizon)
    if known is not None:
        rows = known.into(rows)
        lengths = lengths + known.steps
    values, time = _draw_steps(fitted, rows, lengths, event_conditions, step_seed, progress, known)
    return _assemble(fitted, rows, lengths, values, time, decode_seed)


def _split_conditions(
    fitted: FittedSequences, conditions: dict[str, Wanted]
) -> tuple[dict[str, Wanted], dict[str, object]]:
    keys = fitted.keys
    unknown = sorted(set(conditions) - set(fitted.schema.names))
    if unknown:
        raise ConfigError(f"Conditions name unknown column(s) {unknown}; the columns are {fitted.schema.names}.")
    if keys.order in conditions or keys.entity in conditions:
        raise ConfigError("Conditions cannot fix the entity or order column; condition on other columns.")
    static = {k: v for k, v in conditions.items() if k in (keys.static or ())}
    events = {k: v for k, v in conditions.items() if k not in static}
    if rebuilt := sorted(set(events) & set(fitted.rules.rebuilt)):
        raise ConfigError(
            f"Column(s) {rebuilt} are rebuilt from the rules they keep, so their values cannot be fixed; "
            "condition on other columns."
        )
    encoded = fitted.encoder.conditions(events) if events else {}
    changing = sorted({k.split("::")[0] for k in encoded if k in fitted.history.deltas})
    if changing:
        raise ConfigError(
            f"Column(s) {changing} are learnt as changes from step to step, so their values cannot be fixed; "
            "condition on other columns."
        )
    if static and fitted.entities.twin is None:
        raise ConfigError("A series twin keeps its real entities: choose them with context=, not conditions.")
    return static, encoded


def _entity_rows(
    fitted: FittedSequences,
    entities: int | None,
    context: pd.DataFrame | None,
    conditions: dict[str, Wanted],
    seed: int,
) -> pd.DataFrame:
    keys = fitted.keys
    if fitted.entities.twin is None:  # series: the real entities
        real = fitted.entities.rows
        assert real is not None
        if entities is not None:
            raise ConfigError(
                f"This twin holds series of its {len(real)} real entities: draw them to a length with horizon=, "
                "not a number of entities."
            )
        if context is None:
            return real.reset_index(drop=True)
        if keys.entity is None or keys.entity not in context.columns:
            raise ConfigError(f"context must name the entities to draw in column {keys.entity!r}.")
        wanted = context[keys.entity].astype(str)
        unknown = sorted(set(wanted) - set(real[keys.entity].astype(str)))
        if unknown:
            raise ConfigError(f"context names entities {unknown[:5]} this series twin has not seen.")
        lookup = real.assign(_key=real[keys.entity].astype(str)).set_index("_key")
        return lookup.loc[wanted.to_list()].reset_index(drop=True)
    twin = fitted.entities.twin
    if context is not None:
        given = [c for c in context.columns if c != keys.entity]
        attributes = [c for c in twin.schema.names if c != keys.entity and is_entity_attribute(c)]
        unknown = sorted(set(given) - {*attributes, LENGTH})
        if unknown:
            raise ConfigError(f"context may hold the entity and its attributes {attributes}; not {unknown}.")
        if entities is not None and entities != len(context):
            raise ConfigError(f"entities={entities} but context has {len(context)} rows: give one or the other.")
        context = _working_context(fitted, context)
        n = len(context)
        drawn = sample_table(twin, n, seed=seed, conditions=conditions, context=context[given] if given else None)
        for column in context.columns:  # as given, not as decoded from their encoding
            drawn[column] = context[column].to_numpy()
        return drawn
    n = fitted.lengths["entities"] if entities is None else entities
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n <= 0:
        raise ConfigError(f"entities must be a positive whole number; got {entities!r}.")
    return sample_table(twin, int(n), seed=seed, conditions=conditions)


def _working_context(fitted: FittedSequences, context: pd.DataFrame) -> pd.DataFrame:
    """The given entities' static columns in the working form they were learnt in (labels as
    learnt, times as times), any value allowed: a given entity may lie beyond the real ones."""
    static = [c for c in context.columns if c in (fitted.keys.static or ())]
    if not static:
        return context
    schema = Schema(tuple(fitted.schema[c].without_bounds() for c in static))
    return context.assign(**coerce_table(context[static], schema))


def _with_lengths(fitted: FittedSequences, context: pd.DataFrame | None, lengths: np.ndarray) -> pd.DataFrame:
    """The context entities with their given numbers of events."""
    if fitted.entities.twin is None or context is None:
        raise ConfigError("lengths= gives the events of context= entities of an event twin; give both.")
    counts = np.asarray(lengths)
    if counts.shape != (len(context),) or not np.issubdtype(counts.dtype, np.integer) or (counts < 0).any():
        raise ConfigError(f"lengths must be {len(context)} whole numbers ≥ 0, one per context row.")
    return context.assign(**{LENGTH: counts.astype(np.int64)})


def _lengths(fitted: FittedSequences, rows: pd.DataFrame, horizon: int | None) -> np.ndarray:
    if horizon is not None and (isinstance(horizon, bool) or not isinstance(horizon, int | np.integer) or horizon <= 0):
        raise ConfigError(f"horizon must be a positive whole number of steps; got {horizon!r}.")
    if horizon is None:
        return rows[LENGTH].to_numpy(dtype=np.int64)
    if fitted.mode == "events":
        cap = LENGTH_CAP * fitted.lengths["longest"]
        if horizon > cap:
            logger.warning(
                "horizon %d is beyond what this event twin learnt (longest sequence %d events): capped at %d.",
                horizon,
                fitted.lengths["longest"],
                cap,
            )
            horizon = cap
    return np.full(len(rows), int(horizon), dtype=np.int64)


def _draw_steps(
    fitted: FittedSequences,
    rows: pd.DataFrame,
    lengths: np.ndarray,
    conditions: dict[str, object],
    seed: int,
    progress: Progress | None,
    known: KnownSteps | None = None,
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    spec, clock, model = fitted.history, fitted.clock, fitted.model
    first_levels = {  # an entity drawn with events but no first level (or start) gets a typical one
        c: np.nan_to_num(rows[FIRST + c].to_numpy(dtype=np.float64), nan=spec.fills[c]) for c in spec.deltas
    }
    history = History(spec, lengths, first_levels, _entity_numbers(fitted, rows))
    static = static_context(fitted.entities, rows)
    starts = order_numbers(rows[START], _kind_of(rows[START]))
    if np.isnan(starts).any():
        starts = np.where(np.isnan(starts), np.nanmedian(starts) if (~np.isnan(starts)).any() else 0.0, starts)
    offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
    total = int(lengths.sum())
    values = {c.name: np.empty(total, dtype=np.int64 if c.kind == "discrete" else np.float64) for c in spec.targets}
    time = np.empty(total)
    now = starts.copy()
    rng = np.random.default_rng(seed)
    longest = int(lengths.max(initial=0))
    for step, who in active_steps(lengths):
        if known is not None and step < known.steps:  # given, not drawn
            levels = {name: column[:, step] for name, column in known.values.items()}
            now[who] = known.time[:, step]
            normal = history.normals(who, _calendar(fitted, now[who]))
        else:
            given = history.context(who, step)
            given.update({f"{ENTITY}{k}": v[who] for k, v in static.items()})
            given[SINCE] = now[who].copy()  # the previous event's time (the start, before the first)
            if clock.regular:
                now[who] = starts[who] + step * float(clock.step or 0.0)
            elif step == 0:  # the first event is at the entity's start
                given.update(clock.given(now[who], now[who]))
            given.update(clock.calendar(now[who]))  # the step's own on a grid, else the previous event's
            drawn = _draw(model, who, given, conditions, rng)
            if not clock.regular and step > 0:
                _redraw_backwards(fitted, now[who], given, drawn, conditions, rng)
                now[who] = clock.advance(now[who], drawn.data)
            normal = history.normals(who, _calendar(fitted, now[who]))
            levels = history.levels(who, {c.name: drawn.data[c.name] for c in spec.targets}, normal)
        history.push(who, step, levels, normal)
        at = offsets[who] + step
        for name, column in levels.items():
            values[name][at] = column
        time[at] = now[who]
        advance(progress, "drawing steps", step + 1, longest)
    return values, time


def _kind_of(starts: pd.Series) -> ColumnKind:
    """Entities' starts are datetimes where a rule holds them after their parent's, else seconds."""
    return ColumnKind.DATETIME if pd.api.types.is_datetime64_any_dtype(starts.dtype) else ColumnKind.NUMERIC


def _entity_numbers(fitted: FittedSequences, rows: pd.DataFrame) -> np.ndarray | None:
    """Each drawn entity's number among a series twin's real ones (which its normals belong to)."""
    real, entity = fitted.entities.rows, fitted.keys.entity
    if real is None or entity is None:
        return None
    number = {str(key): i for i, key in enumerate(real[entity])}
    return np.array([number[str(key)] for key in rows[entity]], dtype=np.int64)


def _calendar(fitted: FittedSequences, time: np.ndarray) -> dict[str, np.ndarray]:
    """The calendar codes at ``time`` that normal levels need (none without normals)."""
    if not fitted.history.normals or not fitted.clock.timestamps:
        return {}
    return fitted.clock.calendar(time)


def _redraw_backwards(
    fitted: FittedSequences,
    previous: np.ndarray,
    given: dict[str, np.ndarray],
    drawn: EncodedTable,
    conditions: dict[str, object],
    rng: np.random.Generator,
) -> None:
    """Steps whose drawn time falls before the previous event (a time of day earlier than the
    previous event's, on its day) drawn again, values with them, :data:`BACKWARD_REDRAWS`
    rounds; those left take the previous event's time."""
    for _ in range(BACKWARD_REDRAWS):
        back = np.flatnonzero(fitted.clock.backwards(previous, drawn.data))
        if not len(back):
            return
        again = _draw(fitted.model, back, {k: v[back] for k, v in given.items()}, conditions, rng)
        for name, column in again.data.items():
            drawn.data[name][back] = column


def _draw(
    model: Generator,
    who: np.ndarray,
    given: dict[str, np.ndarray],
    conditions: dict[str, object],
    rng: np.random.Generator,
) -> EncodedTable:
    return model.sample(len(who), seed=int(rng.integers(0, 2**62)), conditions=conditions or None, context=given)


def _assemble(
    fitted: FittedSequences,
    rows: pd.DataFrame,
    lengths: np.ndarray,
    values: dict[str, np.ndarray],
    time: np.ndarray,
    seed: int,
) -> pd.DataFrame:
    keys, encoder = fitted.keys, fitted.encoder
    total = int(lengths.sum())
    data: dict[str, np.ndarray] = {}
    for column in encoder.encoded_columns:
        if column.name.split("::")[0] == keys.order:
            data[column.name] = time if column.kind == "continuous" else np.zeros(total, dtype=np.int64)
        else:
            data[column.name] = values[column.name]
    encoded = EncodedTable(encoder.encoded_columns, data, n_rows=total)
    events = encoder.unbounded([keys.order]).decode(encoded, seed=seed)
    if fitted.rules:
        events = fitted.rules.restore(events, np.random.default_rng(np.random.SeedSequence(seed).spawn(1)[0]))
        if broken := fitted.rules.broken(events):
            raise ConstraintError(f"Drawn events break rule(s) {broken}; please report this as a bug.")
    entity_columns = [c for c in (keys.entity, *(keys.static or ())) if c is not None]
    if entity_columns:
        repeated = rows[entity_columns].iloc[np.repeat(np.arange(len(rows)), lengths)].reset_index(drop=True)
        for name in entity_columns:
            events[name] = repeated[name].to_numpy()
    return events[fitted.schema.names]
