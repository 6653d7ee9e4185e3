"""Storage models of homes (filled in by the arming work of issue 14)."""

from __future__ import annotations
