"""Alerts POSTed to the user's webhooks as JSON, signed so the receiver can trust them.

    X-Hearthwatch-Timestamp: <unix seconds>
    X-Hearthwatch-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>

The receiver recomputes the HMAC over the timestamp, a dot and the raw body with the secret
it was shown once, and refuses an old timestamp (a replay). Redirects are not followed (a
redirect could point anywhere the outbound policy refuses). A 2xx answer is success.
"""

from __future__ import annotations

import hashlib
import hmac
import json

import httpx
from sqlalchemy.orm import Session

from hearthwatch.context import AppContext
from hearthwatch.notify import targets
from hearthwatch.notify.channels import Alert, DeliveryFailed
from hearthwatch.notify.models import Webhook

TIMEOUT_S = 5.0
SIGNATURE = "X-Hearthwatch-Signature"
TIMESTAMP = "X-Hearthwatch-Timestamp"


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """The signature header's value for `body` sent at `timestamp`."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return f"sha256={mac.hexdigest()}"


def send(ctx: AppContext, db: Session, alert: Alert, target_id: str | None) -> None:
    """POST `alert` to one of the user's webhooks."""
    hook = db.get(Webhook, target_id) if target_id else None
    if hook is None:
        raise DeliveryFailed("the webhook was removed", permanent=True)
    post(ctx, hook, alert.payload())


def post(ctx: AppContext, hook: Webhook, payload: dict[str, object]) -> None:
    """Sign and POST `payload` to `hook`."""
    url = hook.url
    targets.check(targets.parse(url, schemes=targets.WEB, settings=ctx.settings), ctx.settings)
    body = json.dumps(payload, separators=(",", ":")).encode()
    timestamp = str(int(ctx.clock.now().timestamp()))
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Hearthwatch-Webhook/1",
        TIMESTAMP: timestamp,
        SIGNATURE: signature(hook.secret, timestamp, body),
    }
    try:
        answer = httpx.post(url, content=body, headers=headers, timeout=TIMEOUT_S)
    except httpx.HTTPError as err:
        raise DeliveryFailed(f"webhook not reached ({type(err).__name__})") from err
    if not answer.is_success:
        raise DeliveryFailed(f"webhook answered {answer.status_code}")
