"""Metadata storage: SQLAlchemy 2 models on SQLite (embedded) or PostgreSQL (scale-out)."""

from __future__ import annotations

from hearthwatch.db.base import Base, UTCDateTime, new_id
from hearthwatch.db.engine import Database

__all__ = ["Base", "Database", "UTCDateTime", "new_id"]
