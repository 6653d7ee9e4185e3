"""Web Push (RFC 8030), encrypted for the browser (RFC 8291) and signed with VAPID (RFC 8292).

The push service answers 201 when it took the message. 404 or 410 mean the browser's
subscription is gone (push turned off, the browser reset): the subscription is deleted and
nothing is tried again. Alerts go with `Urgency: high` and a TTL, so a phone asleep gets
them when it wakes within the TTL, not after.
"""

from __future__ import annotations

import json
from email.utils import parseaddr

from sqlalchemy.orm import Session, object_session

from hearthwatch.context import AppContext
from hearthwatch.notify import targets, vapid
from hearthwatch.notify.channels import Alert, DeliveryFailed
from hearthwatch.notify.models import PushSubscription

TTL_S = 600  # an alert older than ten minutes is no longer news
TIMEOUT_S = 5.0
GONE = frozenset({404, 410})


def send(ctx: AppContext, db: Session, alert: Alert, target_id: str | None) -> None:
    """Push `alert` to one browser's subscription."""
    subscription = db.get(PushSubscription, target_id) if target_id else None
    if subscription is None:
        raise DeliveryFailed("the browser turned push off", permanent=True)
    push(ctx, subscription, json.dumps(alert.payload()), urgency="high")


def push(ctx: AppContext, subscription: PushSubscription, data: str, *, urgency: str) -> None:
    """Encrypt `data` for the subscription and hand it to its push service."""
    # Imported here: pywebpush brings aiohttp and requests (a third of a second), which the
    # serving process's cold start must not wait for.
    from pywebpush import WebPushException, webpush  # type: ignore[import-untyped]
    from requests import RequestException, Session

    endpoint = subscription.endpoint
    targets.check(targets.parse(endpoint, schemes=targets.WEB, settings=ctx.settings), ctx.settings)
    keys = vapid.load_or_create(ctx.settings.data_dir, ctx.keyring)
    info = {
        "endpoint": endpoint,
        "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth},
    }
    session = Session()
    session.max_redirects = 0  # a redirect could point where the outbound policy refuses
    try:
        webpush(
            info, data, vapid_private_key=keys.signer(), vapid_claims={"sub": _contact(ctx)},
            ttl=TTL_S, timeout=TIMEOUT_S, headers={"Urgency": urgency}, requests_session=session,
        )  # fmt: skip
    except WebPushException as err:
        status = getattr(err.response, "status_code", None)
        if status in GONE:
            _forget(subscription)
            raise DeliveryFailed(f"push service answered {status}", permanent=True) from err
        raise DeliveryFailed(f"push service answered {status or 'nothing'}") from err
    except (RequestException, OSError) as err:
        raise DeliveryFailed(f"push service not reached ({type(err).__name__})") from err
    finally:
        session.close()


def _forget(subscription: PushSubscription) -> None:
    """Delete a subscription its push service says is gone."""
    session = object_session(subscription)
    if session is not None:
        session.delete(subscription)
        session.flush()


def _contact(ctx: AppContext) -> str:
    """Who push services can reach about our pushes (VAPID `sub`)."""
    url = ctx.settings.public_url
    if url.startswith("https://"):
        return url
    return f"mailto:{parseaddr(ctx.settings.mail_from)[1] or 'no-reply@hearthwatch.local'}"
