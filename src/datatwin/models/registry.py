"""Model families by name: the only way a name (from the CLI or a saved twin) becomes code."""

from __future__ import annotations

from typing import Any

from datatwin.errors import ConfigError
from datatwin.models.argn import AnyOrderAR
from datatwin.models.base import Generator
from datatwin.models.copula import GaussianCopula

MODELS: dict[str, type[Generator]] = {model.name: model for model in (AnyOrderAR, GaussianCopula)}

AUTO = "auto"
"""Let datatwin pick the model for the data."""

AUTO_MIN_ROWS_FOR_ARGN = 200
"""``auto`` picks the autoregressive network from this many rows on, the copula below."""


def resolve(name: str, n_rows: int) -> str:
    """The registered model name for ``name``, choosing one by table size when it is ``"auto"``."""
    if name == AUTO:
        return AnyOrderAR.name if n_rows >= AUTO_MIN_ROWS_FOR_ARGN else GaussianCopula.name
    if name not in MODELS:
        raise ConfigError(f"Unknown model {name!r}; choose one of: {', '.join([AUTO, *MODELS])}.")
    return name


def get(name: str) -> type[Generator]:
    """The model class registered under ``name``."""
    if name not in MODELS:
        raise ConfigError(f"Unknown model {name!r}; choose one of: {', '.join(MODELS)}.")
    return MODELS[name]


def create(name: str, options: dict[str, Any] | None = None) -> Generator:
    """A new, unfitted model with validated options."""
    return get(name)(**(options or {}))
