"""Generative models of encoded tables, behind one protocol, looked up by name."""

from datatwin.models.base import Capabilities, Generator, ModelState
from datatwin.models.registry import AUTO, MODELS, create, get, resolve

__all__ = ["AUTO", "MODELS", "Capabilities", "Generator", "ModelState", "create", "get", "resolve"]
