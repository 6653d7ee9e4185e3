"""Absolute links to this service, for mail and documents read away from it.

Every link that leaves the service (unsubscribe, guardian consent, the privacy notice, an
e-mail change's undo page, an export's source) is built here, from the public URL the
service is reached at: `HEARTHWATCH_PUBLIC_URL`, or, when that is not set, the scheme,
host and port `hearthwatch serve` / `hearthwatch demo` listen on (`server.with_public_url`).
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlencode

from hearthwatch.settings import Settings


def public_link(settings: Settings, path: str, query: Mapping[str, str] | None = None) -> str:
    """`path` (and its query) under the service's public URL."""
    link = f"{settings.public_url.rstrip('/')}/{path.lstrip('/')}"
    return f"{link}?{urlencode(query)}" if query else link
