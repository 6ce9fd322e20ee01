"""The `datatwin` command-line interface."""

from datatwin.cli.main import app, run

__all__ = ["app", "run"]
