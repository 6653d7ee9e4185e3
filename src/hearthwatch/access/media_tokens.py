"""Short-lived signed tokens for media URLs and sockets, bound to user, camera and session.

A `<video>` element or a WebSocket cannot send our CSRF header, and a URL may end up in a
history or a log, so media is fetched with a token that is useless elsewhere: it names
the user, the camera and the sign-in session or API token it came from, the scope, and
expires within minutes. At the moment media is served, the token is checked *and* the
permission resolver is asked again, and the session must still be alive.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime

from hearthwatch.errors import NotAuthenticated

SCOPES = frozenset({"live", "playback"})


@dataclass(frozen=True)
class MediaGrant:
    user_id: str
    camera_id: str
    credential_id: str  # the session id or API token id it was issued under
    scope: str
    expires: int  # Unix seconds


def issue(key: bytes, grant: MediaGrant) -> str:
    payload = json.dumps(grant.__dict__, separators=(",", ":")).encode()
    body = base64.urlsafe_b64encode(payload).decode().rstrip("=")
    return f"{body}.{_sign(key, body)}"


def _sign(key: bytes, body: str) -> str:
    digest = hmac.new(key, body.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def verify(
    key: bytes, token: str, *, camera_id: str, scope: str, now: datetime, check_expiry: bool = True
) -> MediaGrant:
    """The grant inside a valid token for this camera and scope, else `media.token_invalid`."""
    invalid = NotAuthenticated(
        "The media link expired or is not valid.", code="media.token_invalid"
    )
    body, _, signature = token.partition(".")
    if not body or not signature or len(token) > 2048:
        raise invalid
    if not hmac.compare_digest(_sign(key, body), signature):
        raise invalid
    try:
        fields = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
        grant = MediaGrant(**fields)
    except (ValueError, TypeError) as err:
        raise invalid from err
    expired = check_expiry and grant.expires < now.timestamp()
    if grant.camera_id != camera_id or grant.scope != scope or expired:
        raise invalid
    return grant
