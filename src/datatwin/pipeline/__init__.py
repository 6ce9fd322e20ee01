"""The single-table pipeline every higher layer builds on: schema → transforms → model → decode.

:func:`fit_table` learns a :class:`FittedTable` from a table already read
(:func:`fit_private_table` under differential privacy); :func:`sample_table`
draws rows from it; :func:`table_document` and :func:`table_from_document` turn it into the
JSON document and arrays a twin file holds, and back. The public face is :mod:`datatwin.api`.
"""

from datatwin.pipeline.fit import MIN_ROWS, fit_table
from datatwin.pipeline.fitted import TABLE_KIND, FittedTable, table_document, table_from_document
from datatwin.pipeline.private import fit_private_table
from datatwin.pipeline.sample import SAMPLE_BATCH_ROWS, sample_table

__all__ = [
    "MIN_ROWS",
    "SAMPLE_BATCH_ROWS",
    "TABLE_KIND",
    "FittedTable",
    "fit_private_table",
    "fit_table",
    "sample_table",
    "table_document",
    "table_from_document",
]
