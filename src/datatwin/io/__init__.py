"""Readers, writers and the saved-twin file format."""

from datatwin.io.artifact import FORMAT, FORMAT_VERSION, read_artifact, write_artifact
from datatwin.io.readers import TableSource, read_table
from datatwin.io.writers import check_table_target, write_table

__all__ = [
    "FORMAT",
    "FORMAT_VERSION",
    "TableSource",
    "check_table_target",
    "read_artifact",
    "read_table",
    "write_artifact",
    "write_table",
]
