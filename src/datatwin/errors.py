"""One exception hierarchy for everything datatwin refuses to do.

Every message says what went wrong, where (column, table, row or file) and how to fix it.
The command-line interface prints the message as one line and exits with status 1.
"""

from __future__ import annotations

from collections.abc import Iterable


class DatatwinError(Exception):
    """Base class of every error datatwin raises on purpose."""


class ConfigError(DatatwinError, ValueError):
    """An option has a value that is not allowed."""


class SchemaError(DatatwinError, ValueError):
    """A schema is invalid, or cannot be inferred from the data."""


class DataError(DatatwinError, ValueError):
    """The data does not fit its schema; carries every problem found, not just the first.

    Parameters
    ----------
    problems
        One human-readable sentence per problem, each naming its column and rows.
    """

    def __init__(self, problems: Iterable[str]) -> None:
        self.problems = list(problems)
        if len(self.problems) == 1:
            message = self.problems[0]
        else:
            message = f"{len(self.problems)} problems in the data: " + "; ".join(self.problems)
        super().__init__(message)


class NotFittedError(DatatwinError, RuntimeError):
    """A model or transform was used before it was fitted."""


class ArtifactError(DatatwinError, ValueError):
    """A saved twin is missing, corrupt, tampered with or of an unknown format."""


class ConstraintError(DatatwinError, ValueError):
    """A constraint is malformed or cannot be satisfied."""


class PrivacyBudgetError(DatatwinError, ValueError):
    """A differentially private fit would spend more privacy budget than it was given."""


class SourceError(DatatwinError, OSError):
    """A data source or output target cannot be read or written."""


class DatatwinWarning(UserWarning):
    """Base class of every warning datatwin gives on purpose; the CLI prints them."""
