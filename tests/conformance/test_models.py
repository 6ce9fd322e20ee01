"""The protocol checks every registered model must pass (scikit-learn's check-estimator idea)."""

from __future__ import annotations

import numpy as np
import pytest

from datatwin.dp import Budget, PrivacyLedger
from datatwin.encoded import EncodedColumn, EncodedTable
from datatwin.errors import ConfigError, NotFittedError
from datatwin.models import MODELS, create, get


def mixed_table(n: int = 300, seed: int = 0) -> EncodedTable:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    columns = (
        EncodedColumn("x::value", "continuous"),
        EncodedColumn("y::value", "continuous"),
        EncodedColumn("c::code", "discrete", 4),
        EncodedColumn("one::code", "discrete", 3),
        EncodedColumn("gone::null", "discrete", 2),
    )
    data = {
        "x::value": x,
        "y::value": 2 * x + rng.normal(scale=0.3, size=n),
        "c::code": (x > 0).astype(np.int64) + rng.integers(0, 2, size=n) * 2,
        "one::code": np.zeros(n, dtype=np.int64),
        "gone::null": np.ones(n, dtype=np.int64),
    }
    return EncodedTable(columns, data, n_rows=n)


MODEL_NAMES = sorted(MODELS)
QUICK = {"rounds_per_column": 2, "dp_epochs": 2}
"""Options that keep DP training short, for the models that have them."""


def table_for(name: str, n: int = 300, seed: int = 0, *, private: bool = False) -> EncodedTable:
    """The mixed table, or, for a model learning discrete columns only (or any model under a
    privacy budget: a DP pipeline's codes), its continuous columns cut in bins."""
    table = mixed_table(n, seed)
    if not (private or get(name).capabilities.dp_only):
        return table
    columns = tuple(EncodedColumn(c.name, "discrete", c.cardinality or 8) for c in table.columns)
    data = {
        c.name: np.clip(np.floor(v * 2 + 4), 0, 7).astype(np.int64) if c.kind == "continuous" else v
        for c, v in zip(table.columns, table.data.values(), strict=True)
    }
    return EncodedTable(columns, data, n_rows=n)


def fit(name: str, table: EncodedTable | None = None, seed: int = 0, options: dict | None = None):
    """A fitted model; one that trains only under a privacy budget gets a generous one (and, to
    stay quick, few rounds where it has them)."""
    quick = {k: v for k, v in QUICK.items() if k in get(name)().get_params()}
    model = create(name, {**quick, **(options or {})})
    table = table_for(name) if table is None else table
    if model.capabilities.dp_only:
        ledger = PrivacyLedger(1000.0, 1e-6)  # noise far below one row, so constant columns stay constant
        return model.fit(table, seed=seed, budget=Budget(ledger, ledger.budget, np.random.default_rng(seed)))
    return model.fit(table, seed=seed)


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_fit_returns_self_and_samples_valid_codes(name):
    model = fit(name)
    assert isinstance(model, get(name))
    out = model.sample(500, seed=1)
    assert out.n_rows == 500 and [c.name for c in out.columns] == [c.name for c in mixed_table().columns]
    assert set(np.unique(out.column("one::code"))) == {0}
    assert set(np.unique(out.column("gone::null"))) == {1}


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_sample_before_fit_refused(name):
    with pytest.raises(NotFittedError):
        create(name).sample(5, seed=0)


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_same_seed_same_bytes(name):
    model = fit(name, seed=3)
    a, b = model.sample(200, seed=9), model.sample(200, seed=9)
    assert all(a.column(c.name).tobytes() == b.column(c.name).tobytes() for c in a.columns)
    if model.capabilities.dp_only:
        return  # its fit draws noise from a secure generator: sampling, not fitting, is repeatable
    again = fit(name, seed=3).sample(200, seed=9)
    assert all(a.column(c.name).tobytes() == again.column(c.name).tobytes() for c in a.columns)


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_state_round_trip_reproduces_samples(name):
    model = fit(name)
    restored = type(model).from_state(model.to_state())
    a, b = model.sample(100, seed=4), restored.sample(100, seed=4)
    assert all(np.array_equal(a.column(c.name), b.column(c.name)) for c in a.columns)


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_bad_option_named_at_construction(name):
    with pytest.raises(ConfigError, match="no_such_option"):
        create(name, {"no_such_option": 1})


@pytest.mark.parametrize("name", MODEL_NAMES)
@pytest.mark.parametrize("n", [0, -3, 2.5, True])
def test_non_positive_n_refused(name, n):
    model = fit(name)
    with pytest.raises(ConfigError, match="positive integer"):
        model.sample(n, seed=0)


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_single_row_table(name):
    out = fit(name, table_for(name, n=1)).sample(3, seed=0)
    assert out.n_rows == 3


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_table_without_columns(name):
    out = fit(name, EncodedTable((), {}, n_rows=10)).sample(4, seed=0)
    assert out.n_rows == 4 and out.columns == ()


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_search_space_names_real_options(name):
    model_cls = get(name)
    for option, values in model_cls.search_space().items():
        for value in values:
            assert create(name, {option: value}).get_params()[option] == value


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_params_reproduce_the_model(name):
    model = create(name)
    params = model.get_params()
    assert type(model)(**params).get_params() == params
    with pytest.raises(TypeError):
        type(model)(*params.values())  # options are named, never positional


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_state_round_trips_through_a_twin_file(name, tmp_path):
    """The saved form survives the real file format (JSON text and safetensors), not only memory."""
    from datatwin.io import read_artifact, write_artifact

    model = fit(name)
    config, arrays = model.to_state()
    write_artifact(tmp_path / "m.twin", {"model": config}, {f"model/{k}": v for k, v in arrays.items()})
    document, stored = read_artifact(tmp_path / "m.twin")
    restored = type(model).from_state((document["model"], {k[6:]: v for k, v in stored.items()}))
    a, b = model.sample(100, seed=4), restored.sample(100, seed=4)
    assert all(a.column(c.name).tobytes() == b.column(c.name).tobytes() for c in a.columns)


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_capabilities_are_what_the_model_does(name):
    """Each declared capability is checked against behaviour: what is claimed works, what is not
    claimed is refused with a ConfigError."""
    import subprocess
    import sys

    model = fit(name)
    caps = model.capabilities
    given = {"c::code": np.full(50, 3, dtype=np.int64)}
    if caps.conditional:
        assert set(model.sample(50, seed=0, conditions={"c::code": [3]}).column("c::code")) == {3}
    else:
        with pytest.raises(ConfigError):
            model.sample(50, seed=0, conditions={"c::code": [3]})
    if caps.context:
        assert set(model.sample(50, seed=0, context=given).column("c::code")) == {3}
    else:
        with pytest.raises(ConfigError):
            model.sample(50, seed=0, context=given)
    params = model.get_params()
    assert ("max_time" in params) == caps.time_budget
    ledger = PrivacyLedger(20.0, 1e-6)
    budget = Budget(ledger, ledger.budget / 2, np.random.default_rng(0))
    codes = table_for(name, private=True)
    if caps.dp:  # trains under a budget, spends no more than it, and still draws valid codes
        private = type(model)(**params).fit(codes, seed=0, budget=budget)
        assert 0 < ledger.spent <= budget.rho * (1 + 1e-9)
        assert private.sample(20, seed=0).n_rows == 20
    else:
        with pytest.raises(ConfigError, match="differential privacy"):
            create(name).fit(codes, seed=0, budget=budget)
    if caps.dp_only:
        with pytest.raises(ConfigError, match="privacy budget"):
            create(name).fit(table_for(name), seed=0)
    module = get(name).__module__
    code = f"import sys, {module}; print('torch' in sys.modules)"
    loads_torch = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert loads_torch.strip() == str(caps.needs_torch)
