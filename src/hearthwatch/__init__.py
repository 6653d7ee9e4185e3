"""Hearthwatch: a self-hostable camera and smart-device cloud that keeps its privacy promises."""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
