"""Sequences: entities with event histories, and long series, built on the pipeline and a
conditional model given each step's history."""

from datatwin.sequential.draw import sample_sequences
from datatwin.sequential.events import check_keys
from datatwin.sequential.fitted import SEQUENCES_KIND, FittedSequences, sequences_document, sequences_from_document
from datatwin.sequential.learn import fit_sequences
from datatwin.sequential.propose import propose_keys

__all__ = [
    "SEQUENCES_KIND",
    "FittedSequences",
    "check_keys",
    "fit_sequences",
    "propose_keys",
    "sample_sequences",
    "sequences_document",
    "sequences_from_document",
]
