"""Data map of homes (issue 14)."""

from __future__ import annotations

from hearthwatch.privacy.datamap.types import PersonalField

HOMES_FIELDS: tuple[PersonalField, ...] = ()
HOMES_NON_PERSONAL: dict[str, str] = {}
