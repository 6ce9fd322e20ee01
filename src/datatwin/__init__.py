"""datatwin: synthetic twins of tables that keep their patterns and none of their people.

>>> import datatwin
>>> twin = datatwin.fit("data.csv")              # doctest: +SKIP
>>> rows = twin.sample(1000, seed=1)             # doctest: +SKIP
>>> twin.save("data.twin"); datatwin.load("data.twin")  # doctest: +SKIP
>>> datatwin.evaluate("data.csv", rows, target="y").save("report.html")  # doctest: +SKIP
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
from datatwin.lineage import Lineage
from datatwin.schema import ColumnKind, ColumnSpec, Schema, infer_schema
from datatwin.twin import Twin, fit, load

__all__ = [
    "ArtifactError",
    "ColumnKind",
    "ColumnSpec",
    "ConfigError",
    "ConstraintError",
    "DataError",
    "DatatwinError",
    "Lineage",
    "NotFittedError",
    "Range",
    "Report",
    "Schema",
    "SchemaError",
    "SourceError",
    "Twin",
    "__version__",
    "evaluate",
    "fit",
    "infer_schema",
    "load",
    "parse_where",
]
