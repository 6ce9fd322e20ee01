"""datatwin: synthetic twins of tables and databases that keep their patterns and none of their people.

>>> import datatwin
>>> twin = datatwin.fit("data.csv")              # doctest: +SKIP
>>> rows = twin.sample(1000, seed=1)             # doctest: +SKIP
>>> twin.save("data.twin"); datatwin.load("data.twin")  # doctest: +SKIP
>>> datatwin.save_report(datatwin.evaluate("data.csv", rows, target="y"), "report.html")  # doctest: +SKIP
>>> db = datatwin.fit_database("sqlite:///shop.db")   # doctest: +SKIP
>>> db.sample(scale=0.5).save("sqlite:///synthetic.db")  # doctest: +SKIP

Names are imported on first use, so ``import datatwin`` (and the ``datatwin`` command's
``--help``) does not load pandas, torch, scikit-learn or SQLAlchemy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from datatwin._lazy import lazy_getattr
from datatwin._version import __version__
from datatwin.errors import (
    ArtifactError,
    ConfigError,
    ConstraintError,
    DataError,
    DatatwinError,
    NotFittedError,
    SchemaError,
    SourceError,
)
from datatwin.evaluate import evaluate  # the function shadows its package's name on purpose

_LAZY = {
    "ColumnKind": "datatwin.schema",
    "ColumnSpec": "datatwin.schema",
    "Database": "datatwin.io.database",
    "DatabaseTwin": "datatwin.api",
    "Lineage": "datatwin.lineage",
    "Range": "datatwin.conditions",
    "RelationalSchema": "datatwin.schema.relational",
    "Report": "datatwin.evaluate",
    "Schema": "datatwin.schema",
    "SequenceKeys": "datatwin.schema",
    "SequenceTwin": "datatwin.api",
    "Twin": "datatwin.api",
    "data_card": "datatwin.api",
    "drift": "datatwin.api",
    "refresh": "datatwin.api",
    "evaluate_database": "datatwin.evaluate",
    "fit": "datatwin.api",
    "fit_database": "datatwin.api",
    "find_rules": "datatwin.api",
    "generate": "datatwin.api",
    "infer_schema": "datatwin.schema",
    "load": "datatwin.api",
    "load_database": "datatwin.api",
    "parse_where": "datatwin.conditions",
    "read_database": "datatwin.io.database",
    "save_card": "datatwin.report",
    "save_report": "datatwin.report",
    "simulate": "datatwin.api",
}

if TYPE_CHECKING:
    from datatwin.api import (
        DatabaseTwin,
        SequenceTwin,
        Twin,
        data_card,
        drift,
        find_rules,
        fit,
        fit_database,
        generate,
        load,
        load_database,
        refresh,
        simulate,
    )
    from datatwin.conditions import Range, parse_where
    from datatwin.evaluate import Report, evaluate_database
    from datatwin.io.database import Database, read_database
    from datatwin.lineage import Lineage
    from datatwin.report import save_card, save_report
    from datatwin.schema import ColumnKind, ColumnSpec, Schema, SequenceKeys, infer_schema
    from datatwin.schema.relational import RelationalSchema

__all__ = [
    "ArtifactError",
    "ColumnKind",
    "ColumnSpec",
    "ConfigError",
    "ConstraintError",
    "DataError",
    "Database",
    "DatabaseTwin",
    "DatatwinError",
    "Lineage",
    "NotFittedError",
    "Range",
    "RelationalSchema",
    "Report",
    "Schema",
    "SchemaError",
    "SequenceKeys",
    "SequenceTwin",
    "SourceError",
    "Twin",
    "__version__",
    "data_card",
    "drift",
    "evaluate",
    "evaluate_database",
    "find_rules",
    "fit",
    "fit_database",
    "generate",
    "infer_schema",
    "load",
    "load_database",
    "parse_where",
    "read_database",
    "refresh",
    "save_card",
    "save_report",
    "simulate",
]


__getattr__ = lazy_getattr(__name__, _LAZY, globals())


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
