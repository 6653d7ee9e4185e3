"""Data map of notifications (issue 14)."""

from __future__ import annotations

from hearthwatch.privacy.datamap.types import PersonalField

NOTIFICATIONS_FIELDS: tuple[PersonalField, ...] = ()
NOTIFICATIONS_NON_PERSONAL: dict[str, str] = {}
