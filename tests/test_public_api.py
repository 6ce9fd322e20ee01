"""The public API is exactly what __all__ says."""

import datatwin


def test_all_is_pinned():
    assert sorted(datatwin.__all__) == sorted(
        [
            "ArtifactError", "ColumnKind", "ColumnSpec", "ConfigError", "ConstraintError", "DataError",
            "DatatwinError", "Lineage", "NotFittedError", "Range", "Schema", "SchemaError", "SourceError",
            "Report", "Twin", "__version__", "evaluate", "fit", "infer_schema", "load", "parse_where",
            "Database", "DatabaseTwin", "RelationalSchema", "fit_database", "load_database", "read_database",
            "evaluate_database", "save_report", "SequenceKeys", "SequenceTwin", "simulate", "find_rules", "generate",
            "drift", "refresh", "data_card", "save_card",
        ]
    )  # fmt: skip
    for name in datatwin.__all__:
        assert hasattr(datatwin, name)


def test_errors_share_one_base():
    for name in (
        "ArtifactError",
        "ConfigError",
        "ConstraintError",
        "DataError",
        "NotFittedError",
        "SchemaError",
        "SourceError",
    ):
        assert issubclass(getattr(datatwin, name), datatwin.DatatwinError)


def test_evaluate_is_a_function_and_its_package_stays_importable():
    from datatwin.evaluate import detection_auc, evaluate

    assert datatwin.evaluate is evaluate and callable(detection_auc)
