"""Every storage model, imported so the metadata is complete (migrations, data-map checks)."""

from __future__ import annotations

from hearthwatch.accounts import models as accounts
from hearthwatch.db.base import Base
from hearthwatch.devices import models as devices
from hearthwatch.events import models as events
from hearthwatch.homes import models as homes
from hearthwatch.jobs import models as jobs
from hearthwatch.media import models as media
from hearthwatch.notify import models as notify
from hearthwatch.privacy.audit import models as privacy
from hearthwatch.privacy.consent import models as consent
from hearthwatch.privacy.erasure import models as erasure
from hearthwatch.privacy.export import models as exports
from hearthwatch.privacy.limits import models as limits
from hearthwatch.privacy.minors import models as minors
from hearthwatch.privacy.minors import report_models as child_reports
from hearthwatch.privacy.requests import models as rights_requests
from hearthwatch.privacy.retention import models as retention

metadata = Base.metadata

__all__ = [
    "accounts",
    "child_reports",
    "consent",
    "devices",
    "erasure",
    "events",
    "exports",
    "homes",
    "jobs",
    "limits",
    "media",
    "metadata",
    "minors",
    "notify",
    "privacy",
    "retention",
    "rights_requests",
]
