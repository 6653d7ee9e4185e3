"""Every storage model, imported so the metadata is complete (migrations, data-map checks)."""

from __future__ import annotations

from hearthwatch.accounts import models as accounts
from hearthwatch.db.base import Base
from hearthwatch.devices import models as devices
from hearthwatch.media import models as media
from hearthwatch.privacy import consent_models as consent
from hearthwatch.privacy import erasure_models as erasure
from hearthwatch.privacy import export_models as exports
from hearthwatch.privacy import limits_models as limits
from hearthwatch.privacy import minors_models as minors
from hearthwatch.privacy import minors_report_models as child_reports
from hearthwatch.privacy import models as privacy
from hearthwatch.privacy import requests_models as rights_requests
from hearthwatch.privacy import retention_models as retention

metadata = Base.metadata

__all__ = [
    "accounts",
    "child_reports",
    "consent",
    "devices",
    "erasure",
    "exports",
    "limits",
    "media",
    "metadata",
    "minors",
    "privacy",
    "retention",
    "rights_requests",
]
