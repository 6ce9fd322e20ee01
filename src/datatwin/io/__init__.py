"""Input and output: tables from files, whole databases, and the saved-twin file format.

Names load on first use; database access (:mod:`datatwin.io.database`, SQLAlchemy) is imported
from its own module.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from datatwin._lazy import lazy_getattr

if TYPE_CHECKING:
    from datatwin.io.artifact import FORMAT, FORMAT_VERSION, read_artifact, write_artifact
    from datatwin.io.readers import TableSource, read_table
    from datatwin.io.writers import check_output_file, check_table_target, write_table, write_table_batches

_LAZY = {
    "FORMAT": "datatwin.io.artifact",
    "FORMAT_VERSION": "datatwin.io.artifact",
    "TableSource": "datatwin.io.readers",
    "check_output_file": "datatwin.io.writers",
    "check_table_target": "datatwin.io.writers",
    "read_artifact": "datatwin.io.artifact",
    "read_table": "datatwin.io.readers",
    "write_artifact": "datatwin.io.artifact",
    "write_table": "datatwin.io.writers",
    "write_table_batches": "datatwin.io.writers",
}

__all__ = [
    "FORMAT",
    "FORMAT_VERSION",
    "TableSource",
    "check_output_file",
    "check_table_target",
    "read_artifact",
    "read_table",
    "write_artifact",
    "write_table",
    "write_table_batches",
]

__getattr__ = lazy_getattr(__name__, _LAZY, globals())
