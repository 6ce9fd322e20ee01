"""`python -m datatwin` runs the command-line interface."""

from datatwin.cli import run

run()
