"""Schemas as editable JSON: round trip, user-given schemas and clear errors."""

from __future__ import annotations

import json

import pytest

from datatwin.errors import DataError, SchemaError
from datatwin.schema import ColumnKind, ColumnSpec, Schema, coerce_table, infer_schema


def test_json_round_trip(people, tmp_path):
    schema = infer_schema(people)
    path = tmp_path / "schema.json"
    path.write_text(schema.to_json())
    again = Schema.from_json(path)
    assert again == schema
    assert json.loads(path.read_text())["columns"][0] == {
        "name": "customer_id", "kind": "id", "stats": {"null_rate": 0.0, "n_unique": 400},
    }  # fmt: skip


def test_user_schema_without_data_statistics(tmp_path):
    text = {
        "format": "datatwin.schema",
        "version": 1,
        "columns": [
            {"name": "age", "kind": "integer", "minimum": 0, "maximum": 120},
            {"name": "colour", "kind": "categorical", "categories": ["red", "blue"]},
        ],
    }
    path = tmp_path / "s.json"
    path.write_text(json.dumps(text))
    schema = Schema.from_json(path)
    assert schema["colour"].categories == ("red", "blue")
    assert schema["age"].maximum == 120


@pytest.mark.parametrize(
    ("column", "message"),
    [
        ({"name": "a", "kind": "number"}, "unknown kind 'number'"),
        ({"name": "a", "kind": "categorical"}, "needs a 'categories' list"),
        (
            {"name": "a", "kind": "integer", "minimum": 5, "maximum": 1},
            "minimum 5 is above maximum 1",
        ),
        ({"name": "a", "kind": "integer", "format": "%Y"}, "field 'format' does not apply"),
        ({"name": "a", "kind": "pii", "pii_type": "ssn"}, "pii_type must be one of"),
        ({"name": "a", "kind": "boolean"}, "needs 'true_label' and 'false_label'"),
        ({"name": "a", "kind": "integer", "colour": 1}, r"unknown field\(s\) \['colour'\]"),
    ],
)
def test_bad_columns_named(column, message):
    with pytest.raises(SchemaError, match=message):
        Schema.from_dict({"format": "datatwin.schema", "version": 1, "columns": [column]})


def test_bad_files(tmp_path):
    with pytest.raises(SchemaError, match="does not exist"):
        Schema.from_json(tmp_path / "missing.json")
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    with pytest.raises(SchemaError, match="not valid JSON"):
        Schema.from_json(broken)
    with pytest.raises(SchemaError, match="version 9 is not supported"):
        Schema.from_dict({"format": "datatwin.schema", "version": 9, "columns": []})


def test_coerce_reports_every_problem_at_once(people):
    schema = Schema(
        (
            ColumnSpec("age", ColumnKind.INTEGER, minimum=20, maximum=80),
            ColumnSpec("member", ColumnKind.BOOLEAN, true_label="Y", false_label="N"),
            ColumnSpec("city", ColumnKind.NUMERIC),
        )
    )
    with pytest.raises(DataError) as caught:
        coerce_table(people[["age", "member", "city"]], schema)
    problems = caught.value.problems
    assert len(problems) == 3
    assert "column 'age' (integer)" in problems[0] and "outside the schema's bounds [20, 80]" in problems[0]
    assert "neither of the labels 'Y'/'N'" in problems[1]
    assert "are not numbers" in problems[2] and "rows 0, 1, 2" in problems[2]


def test_coerce_reports_missing_and_extra_columns(people):
    schema = infer_schema(people[["age", "city"]])
    with pytest.raises(DataError, match=r"not in the data: \['city'\].*not in the schema: \['income'\]"):
        coerce_table(people[["age", "income"]], schema)
