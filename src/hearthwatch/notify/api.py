"""`/api/v1/notify`: alert choices, push subscriptions, webhooks, the MQTT broker, the history,
and the signed link an alert's picture is fetched through (P15)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Query, Response, status

from hearthwatch.access.resolver import Action, Kind
from hearthwatch.api.deps import ContextDep, DbDep, UserDep, authorized
from hearthwatch.errors import NotFound
from hearthwatch.notify import destinations, history, image_links, preferences, vapid
from hearthwatch.notify.models import MqttTarget, PushSubscription, Webhook
from hearthwatch.notify.schemas import (
    HistoryItem,
    HistoryPage,
    MqttIn,
    MqttPublic,
    PreferencesBody,
    PushKey,
    PushSubscriptionIn,
    PushSubscriptionPublic,
    WebhookIn,
    WebhookMade,
    WebhookPublic,
)

router = APIRouter(prefix="/notify", tags=["notifications"])

OwnSubscription = Annotated[
    PushSubscription,
    authorized(Kind.PUSH_SUBSCRIPTION, Action.CHANGE, param="subscription_id"),
]
OwnWebhook = Annotated[Webhook, authorized(Kind.WEBHOOK, Action.CHANGE, param="webhook_id")]
Token = Annotated[str, Query(max_length=200)]
NO_STORE = {"Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"}


@router.get("/preferences", response_model=PreferencesBody)
def get_preferences(user: UserDep, db: DbDep) -> PreferencesBody:
    """The caller's alert choices."""
    return PreferencesBody.of(preferences.load(db, user.id))


@router.put("/preferences", response_model=PreferencesBody)
def put_preferences(
    body: PreferencesBody, user: UserDep, ctx: ContextDep, db: DbDep
) -> PreferencesBody:
    """Replace the caller's alert choices, all at once."""
    saved = preferences.save(db, user.id, body.to_preferences(), now=ctx.clock.now())
    return PreferencesBody.of(saved)


@router.get("/push/key", response_model=PushKey)
def push_key(user: UserDep, ctx: ContextDep) -> PushKey:
    """The VAPID public key a browser subscribes with (`applicationServerKey`)."""
    del user
    return PushKey(public_key=vapid.load_or_create(ctx.settings.data_dir, ctx.keyring).public_key)


def _public(subscription: PushSubscription) -> PushSubscriptionPublic:
    host = urlsplit(subscription.endpoint).hostname or ""
    return PushSubscriptionPublic(
        id=subscription.id, created_at=subscription.created_at, endpoint_host=host
    )


@router.get("/push/subscriptions", response_model=list[PushSubscriptionPublic])
def list_subscriptions(user: UserDep, db: DbDep) -> list[PushSubscriptionPublic]:
    """The caller's browsers that have push on."""
    return [_public(s) for s in destinations.subscriptions_of(db, user.id)]


@router.post("/push/subscriptions", status_code=status.HTTP_201_CREATED,
             response_model=PushSubscriptionPublic)  # fmt: skip
def subscribe(
    body: PushSubscriptionIn, user: UserDep, ctx: ContextDep, db: DbDep
) -> PushSubscriptionPublic:
    """Turn push on for a browser: store its PushSubscription."""
    made = destinations.subscribe(
        db, ctx.settings, user_id=user.id, endpoint=body.endpoint, p256dh=body.keys.p256dh,
        auth=body.keys.auth, now=ctx.clock.now(),
    )  # fmt: skip
    return _public(made)


@router.delete("/push/subscriptions/{subscription_id}", status_code=status.HTTP_204_NO_CONTENT)
def unsubscribe(subscription: OwnSubscription, db: DbDep) -> Response:
    """Turn push off for a browser."""
    db.delete(subscription)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/webhooks", response_model=list[WebhookPublic])
def list_webhooks(user: UserDep, db: DbDep) -> list[WebhookPublic]:
    """The caller's webhooks (their secrets were shown once, when made)."""
    return [WebhookPublic.of(h) for h in destinations.webhooks_of(db, user.id)]


@router.post("/webhooks", status_code=status.HTTP_201_CREATED, response_model=WebhookMade)
def add_webhook(body: WebhookIn, user: UserDep, ctx: ContextDep, db: DbDep) -> WebhookMade:
    """Add a webhook; the answer shows its signing secret, this once."""
    made = destinations.add_webhook(db, ctx.settings, user_id=user.id, url=body.url,
                                    now=ctx.clock.now())  # fmt: skip
    return WebhookMade(**WebhookPublic.of(made.webhook).model_dump(), secret=made.secret)


@router.delete("/webhooks/{webhook_id}", status_code=status.HTTP_204_NO_CONTENT)
def remove_webhook(hook: OwnWebhook, db: DbDep) -> Response:
    """Remove a webhook."""
    db.delete(hook)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/webhooks/{webhook_id}/enable", response_model=WebhookPublic)
def enable_webhook(hook: OwnWebhook) -> WebhookPublic:
    """Turn a webhook that was switched off after failures back on."""
    return WebhookPublic.of(destinations.enable_webhook(hook))


@router.get("/mqtt", response_model=MqttPublic)
def get_mqtt(user: UserDep, db: DbDep) -> MqttPublic:
    """The caller's MQTT broker (its password is never shown)."""
    broker = db.get(MqttTarget, user.id)
    if broker is None:
        raise NotFound("No MQTT broker is set.", code="notify.mqtt_not_set")
    return MqttPublic.of(broker)


@router.put("/mqtt", response_model=MqttPublic)
def put_mqtt(body: MqttIn, user: UserDep, ctx: ContextDep, db: DbDep) -> MqttPublic:
    """Set the caller's MQTT broker and topic."""
    given = destinations.BrokerSettings(body.url, body.topic, body.username, body.password)
    broker = destinations.set_broker(db, ctx.settings, user_id=user.id, given=given,
                                     now=ctx.clock.now())  # fmt: skip
    return MqttPublic.of(broker)


@router.delete("/mqtt", status_code=status.HTTP_204_NO_CONTENT)
def delete_mqtt(user: UserDep, db: DbDep) -> Response:
    """Stop publishing alerts to the caller's broker, and forget it."""
    broker = db.get(MqttTarget, user.id)
    if broker is not None:
        db.delete(broker)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/history", response_model=HistoryPage)
def get_history(user: UserDep, db: DbDep, cursor: Token | None = None) -> HistoryPage:
    """The caller's notifications, newest first, with each delivery's state."""
    found = history.page(db, user_id=user.id, cursor=cursor)
    items = [HistoryItem.of(n, d) for n, d in found.items]
    return HistoryPage(items=items, next_cursor=found.next_cursor)


@router.get("/image/{token}", response_class=Response)
def alert_image(token: str, ctx: ContextDep, db: DbDep) -> Response:
    """An alert's picture, through its signed link (checked now: P15, P21, privacy mode).
    Public: the link is the credential, so a notification can show it without a session."""
    jpeg = image_links.open_image(ctx, db, token)
    return Response(
        jpeg, media_type="image/jpeg", headers={**NO_STORE, "Cache-Control": "private, no-store"}
    )
