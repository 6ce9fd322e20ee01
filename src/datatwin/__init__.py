"""datatwin: synthetic twins of tables that keep their patterns and none of their people.

>>> import datatwin
>>> twin = datatwin.fit("data.csv")              # doctest: +SKIP
>>> rows = twin.sample(1000, seed=1)             # doctest: +SKIP
>>> twin.save("data.twin"); datatwin.load("data.twin")  # doctest: +SKIP
>>> datatwin.evaluate("data.csv", rows, target="y").save("report.html")  # doctest: +SKIP
>>> db = datatwin.fit_database("sqlite:///shop.db")   # doctest: +SKIP
>>> db.sample(scale=0.5).save("sqlite:///synthetic.db")  # doctest: +SKIP
"""

from datatwin._version import __version__
from datatwin.conditions import Range, parse_where
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
from datatwin.evaluate import Report, evaluate  # the function shadows the package name on purpose
from datatwin.evaluate.database import evaluate_database
from datatwin.lineage import Lineage
from datatwin.relational import Database, DatabaseTwin, RelationalSchema, fit_database, load_database, read_database
from datatwin.schema import ColumnKind, ColumnSpec, Schema, infer_schema
from datatwin.twin import Twin, fit, load

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
    "SourceError",
    "Twin",
    "__version__",
    "evaluate",
    "evaluate_database",
    "fit",
    "fit_database",
    "infer_schema",
    "load",
    "load_database",
    "parse_where",
    "read_database",
]
