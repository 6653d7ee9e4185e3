"""Storage models of notifications (filled in by the notifications work of issue 14)."""

from __future__ import annotations
