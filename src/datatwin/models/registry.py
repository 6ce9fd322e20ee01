"""Model families by name: the only way a name (from the CLI or a saved twin) becomes code.

A family's module is imported when its name is first asked for, so naming models costs nothing
(``argn`` loads torch).
"""

from __future__ import annotations

import importlib
from typing import Any

from datatwin.errors import ConfigError
from datatwin.models.base import Generator, check_options

FAMILIES: dict[str, tuple[str, str]] = {
    "aim": ("datatwin.models.aim", "Aim"),
    "argn": ("datatwin.models.argn", "AnyOrderAR"),
    "copula": ("datatwin.models.copula", "GaussianCopula"),
}
"""Registered name → (module, class): an allow-list, never an import path read from a file."""

MODELS: tuple[str, ...] = tuple(FAMILIES)
"""The registered model names."""

AUTO = "auto"
"""Let datatwin pick the model for the data."""

AUTO_MIN_ROWS_FOR_ARGN = 200
"""``auto`` picks the autoregressive network from this many rows on, the copula below."""


def resolve(name: str, n_rows: int) -> str:
    """The registered model name for ``name``, choosing one by table size when it is ``"auto"``."""
    if name == AUTO:
        return "argn" if n_rows >= AUTO_MIN_ROWS_FOR_ARGN else "copula"
    if name not in FAMILIES:
        raise ConfigError(f"Unknown model {name!r}; choose one of: {', '.join([AUTO, *MODELS])}.")
    return name


def get(name: str) -> type[Generator]:
    """The model class registered under ``name``."""
    if not isinstance(name, str) or name not in FAMILIES:
        raise ConfigError(f"Unknown model {name!r}; choose one of: {', '.join(MODELS)}.")
    module, cls = FAMILIES[name]
    model: type[Generator] = getattr(importlib.import_module(module), cls)
    return model


def create(name: str, options: dict[str, Any] | None = None) -> Generator:
    """A new, unfitted model with validated options."""
    model = get(name)
    check_options(model, options or {})
    return model(**(options or {}))
