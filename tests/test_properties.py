"""Property-based tests: random small tables and option sets, as careless users make them.

Whatever the input, datatwin either works — and what it writes reads back with the same
columns, fitting the twin's schema — or refuses with a :class:`DatatwinError`; no other
exception escapes and the command never answers "internal error". The default run tries a few
hundred examples; ``pytest -m slow tests/test_properties.py`` tries many more.
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import datatwin
from datatwin.cli.main import app
from datatwin.errors import DatatwinError
from datatwin.io import read_table
from datatwin.io.database import Database
from datatwin.relational import discover_keys
from datatwin.schema import coerce_table
from datatwin.schema.relational import RelationalSchema, TableSchema

EXAMPLES = int(os.environ.get("DATATWIN_PROPERTY_EXAMPLES", "60"))
QUICK = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
THOROUGH = settings(max_examples=20 * EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])

ODD_TEXT = st.sampled_from(["", " ", "a,b", 'say "hi"', "line\nbreak", "ünïcödé", "NULL", "NA", "0", "1e5", "-"])
WORDS = st.text(alphabet="abcXYZ 019-_.", min_size=0, max_size=8)


@st.composite
def columns(draw: st.DrawFn, n: int) -> pd.Series:
    kind = draw(st.sampled_from(["int", "float", "text", "label", "bool", "date", "constant", "empty"]))
    missing = draw(st.booleans())
    if kind == "int":
        values = draw(st.lists(st.integers(-(10**12), 10**12), min_size=n, max_size=n))
    elif kind == "float":
        values = draw(st.lists(st.floats(-1e9, 1e9, allow_nan=False, width=64), min_size=n, max_size=n))
    elif kind == "text":
        values = draw(st.lists(st.one_of(WORDS, ODD_TEXT), min_size=n, max_size=n))
    elif kind == "label":
        values = draw(st.lists(st.sampled_from(["red", "green", "blue", "x"]), min_size=n, max_size=n))
    elif kind == "bool":
        values = draw(st.lists(st.booleans(), min_size=n, max_size=n))
    elif kind == "date":
        days = draw(st.lists(st.integers(0, 20_000), min_size=n, max_size=n))
        values = [str((pd.Timestamp("1970-01-01") + pd.Timedelta(days=d)).date()) for d in days]
    elif kind == "constant":
        values = [draw(st.one_of(WORDS, st.integers(0, 9)))] * n
    else:
        values = [None] * n
    series = pd.Series(values, dtype=object)
    if missing and n > 1:
        holes = draw(st.lists(st.integers(0, n - 1), max_size=n // 2))
        series.iloc[holes] = None
    return series


@st.composite
def frames(draw: st.DrawFn) -> pd.DataFrame:
    n = draw(st.integers(1, 40))
    width = draw(st.integers(1, 5))
    names = draw(
        st.lists(st.sampled_from(["a", "b", "c", "id", "when", "Name", "x y", "é"]), min_size=width, max_size=width)
    )
    return pd.DataFrame({i: draw(columns(n)) for i in range(width)}).set_axis(names, axis=1)


def _fit_or_refuse(frame: pd.DataFrame) -> datatwin.Twin | None:
    try:
        return datatwin.fit(frame, model="copula", seed=0)
    except DatatwinError:
        return None


def _check_fit_and_sample(frame: pd.DataFrame, tmp_path_factory: pytest.TempPathFactory) -> None:
    try:
        schema = datatwin.infer_schema(frame)
    except DatatwinError:
        return
    assert schema.names == [str(c) for c in frame.columns]
    twin = _fit_or_refuse(frame)
    if twin is None:
        return
    rows = twin.sample(25, seed=1)
    assert list(rows.columns) == list(twin.schema.names) and len(rows) == 25
    path = tmp_path_factory.mktemp("p") / "rows.csv"
    rows.to_csv(path, index=False)
    back = read_table(path).data
    assert list(back.columns) == list(rows.columns)
    coerce_table(back, twin.schema)  # what was written fits the twin's schema


@QUICK
@given(frame=frames())
def test_fit_and_sample_work_or_refuse_clearly(frame, tmp_path_factory):
    _check_fit_and_sample(frame, tmp_path_factory)


@pytest.mark.slow
@THOROUGH
@given(frame=frames())
def test_fit_and_sample_work_or_refuse_clearly_thoroughly(frame, tmp_path_factory):
    _check_fit_and_sample(frame, tmp_path_factory)


OPTIONS = st.fixed_dictionaries(
    {},
    optional={
        "-n": st.sampled_from(["0", "-1", "5", "x", "1e3"]),
        "--seed": st.sampled_from(["0", "-3", "abc", "7"]),
        "--where": st.sampled_from(["a == 'red'", "nope", "a >", "b >= 2 and a == 'x'", "`x y` == 1"]),
        "--rebalance": st.sampled_from(["a", "nope", "b"]),
        "--ratio": st.sampled_from(["0.5", "2", "-1"]),
        "--scale": st.sampled_from(["2", "0"]),
        "--format": st.sampled_from(["csv", "xml"]),
        "--replace": st.just(None),
        "--overwrite": st.just(None),
    },
)


@pytest.fixture(scope="module")
def small_twin(tmp_path_factory) -> str:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"a": rng.choice(["red", "green", "blue", "x"], 60), "b": rng.integers(0, 9, 60)})
    path = tmp_path_factory.mktemp("twin") / "t.twin"
    datatwin.fit(frame, model="argn", model_options={"max_epochs": 1}).save(path)
    return str(path)


@QUICK
@given(options=OPTIONS, suffix=st.sampled_from([".csv", ".parquet", ".txt", ""]))
def test_the_sample_command_never_fails_internally(options, suffix, small_twin, tmp_path_factory):
    target = tmp_path_factory.mktemp("out") / f"rows{suffix}"
    args = ["sample", small_twin, "-o", str(target)]
    for option, value in options.items():
        args += [option] if value is None else [option, value]
    result = CliRunner().invoke(app, args)
    assert result.exit_code in (0, 1, 2), result.output
    assert "internal error" not in result.output and not isinstance(result.exception, AssertionError | TypeError)
    if result.exit_code == 0:
        assert set(read_table(target).data.columns) == {"a", "b"}


@st.composite
def databases(draw: st.DrawFn) -> Database:
    """Two or three small tables of random columns, some of them drawn from another table's
    values (references, some dangling), no key declared."""
    frames_: dict[str, pd.DataFrame] = {}
    for name in draw(
        st.lists(st.sampled_from(["orders", "customer", "item", "log"]), min_size=2, max_size=3, unique=True)
    ):
        frame = draw(frames())
        frame = frame.loc[:, ~frame.columns.duplicated()]
        if frames_ and draw(st.booleans()):  # a column of another table's values: a reference
            other = frames_[draw(st.sampled_from(sorted(frames_)))]
            pool = other.iloc[:, 0].dropna().tolist() + draw(st.lists(WORDS, max_size=2))
            if pool:
                frame[f"{name}_ref_id"] = [draw(st.sampled_from(pool)) for _ in range(len(frame))]
        frames_[name] = frame
    schema = RelationalSchema(tuple(TableSchema(n, tuple(map(str, f.columns)), ()) for n, f in frames_.items()))
    return Database(schema, frames_, "random")


@QUICK
@given(database=databases())
def test_databases_without_keys_get_keys_and_twins_or_clear_refusals(database):
    """Keys found in any database form a valid schema; fitting then works or refuses with a
    DatatwinError, and a twin's sample keeps every table and column."""
    found = discover_keys(database)
    assert [t.name for t in found.schema.tables] == [t.name for t in database.schema.tables]
    assert discover_keys(found).schema == found.schema  # finding keys again adds nothing
    try:
        twin = datatwin.fit_database(found, seed=0, max_time=1)
    except DatatwinError:
        return
    synthetic = twin.sample(seed=1)
    for table in found.schema.tables:
        assert list(synthetic.tables[table.name].columns) == list(table.columns)
