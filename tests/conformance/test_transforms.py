"""The protocol every registered transform must pass, one column kind at a time."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from datatwin.errors import NotFittedError
from datatwin.io import read_artifact, write_artifact
from datatwin.schema import ColumnKind, coerce_table, infer_schema
from datatwin.transforms.registry import TRANSFORMS, transform_for


@pytest.fixture
def columns(people) -> dict[ColumnKind, tuple[str, pd.DataFrame]]:
    """A realistic column of each kind, in its working form, with its spec."""
    schema = infer_schema(people)
    table = coerce_table(people, schema)
    found = {}
    for spec in schema.columns:
        found.setdefault(spec.kind, (spec, table[spec.name]))
    return found


def test_every_kind_has_a_transform_and_a_column_to_check_it_on(columns):
    assert set(TRANSFORMS) == set(ColumnKind)
    assert set(columns) == set(ColumnKind), "the people fixture should hold a column of every kind"


@pytest.mark.parametrize("kind", list(ColumnKind), ids=lambda k: k.value)
def test_fit_returns_self_and_decode_before_fit_is_refused(columns, kind):
    spec, values = columns[kind]
    transform = transform_for(spec)
    with pytest.raises(NotFittedError):
        transform.decode({}, 3, rng=np.random.default_rng(0))
    assert transform.fit(values, rng=np.random.default_rng(0)) is transform


@pytest.mark.parametrize("kind", list(ColumnKind), ids=lambda k: k.value)
def test_encoded_columns_are_what_encode_gives(columns, kind):
    spec, values = columns[kind]
    transform = transform_for(spec).fit(values, rng=np.random.default_rng(0))
    encoded = transform.encode(values, rng=np.random.default_rng(1))
    assert sorted(encoded) == sorted(c.name for c in transform.encoded_columns())
    for column in transform.encoded_columns():
        assert len(encoded[column.name]) == len(values)
        if column.kind == "discrete":
            assert encoded[column.name].min() >= 0 and encoded[column.name].max() < column.cardinality


@pytest.mark.parametrize("kind", list(ColumnKind), ids=lambda k: k.value)
def test_state_through_a_twin_file_decodes_the_same_bytes(columns, kind, tmp_path):
    spec, values = columns[kind]
    transform = transform_for(spec).fit(values, rng=np.random.default_rng(0))
    encoded = transform.encode(values, rng=np.random.default_rng(1))
    config, arrays = transform.to_state()
    write_artifact(tmp_path / "t.twin", {"transform": config}, arrays)
    document, stored = read_artifact(tmp_path / "t.twin")
    restored = type(transform).from_state(spec, (document["transform"], stored))
    a = transform.decode(encoded, len(values), rng=np.random.default_rng(2))
    b = restored.decode(encoded, len(values), rng=np.random.default_rng(2))
    assert a.astype(str).tolist() == b.astype(str).tolist()


@pytest.mark.parametrize("kind", list(ColumnKind), ids=lambda k: k.value)
def test_same_seed_same_values_and_missing_values_kept(columns, kind):
    spec, values = columns[kind]
    transform = transform_for(spec).fit(values, rng=np.random.default_rng(0))
    encoded = transform.encode(values, rng=np.random.default_rng(1))
    a = transform.decode(encoded, len(values), rng=np.random.default_rng(5))
    b = transform.decode(encoded, len(values), rng=np.random.default_rng(5))
    assert a.astype(str).tolist() == b.astype(str).tolist() and len(a) == len(values)
    if kind is not ColumnKind.ID:
        assert a.isna().sum() == values.isna().sum()  # missing cells come back where the codes say
