"""The alert dispatcher: the `EventSink` the detectors tell of each event as it opens.

`event_opened` only puts the event's id on a queue and returns: a detector never waits for
an alert. The dispatcher's own thread takes each id and, for each recipient (today the
camera's owner), decides in this order:

1. the camera is in privacy mode, or a restriction holds the camera or the account (P21):
   nothing at all happens (no alert, no history: the data is not to be processed);
2. the camera does not alert in its home's arming mode: held back (`disarmed`);
3. quiet hours, for kinds they apply to (not danger alerts): held back (`quiet_hours`);
4. an alert for the same camera and zone went out within the cooldown: held back
   (`cooldown`), so wind and shadows do not flood anyone;
5. no channel is on for this camera, or none that is on has anywhere to send to (push on,
   but no browser subscribed): held back (`no_channel`).

Held-back alerts are in the history with their reason. Otherwise the history gets the alert
and one delivery per channel and target, and each is attempted at once; a failure goes to
the job system to be tried again (notify/delivery.py). An e-mail whose picture is not yet
stored waits a few seconds for it in the job queue instead (the detector stores the
picture just after it opens the event).
"""

from __future__ import annotations

import json
import logging
import queue
import threading
from collections.abc import Iterable
from datetime import datetime, timedelta
from functools import partial

from sqlalchemy import select
from sqlalchemy.orm import Session

from hearthwatch.context import AppContext
from hearthwatch.devices.models import Camera
from hearthwatch.events.models import Event
from hearthwatch.homes.arming import camera_alerts
from hearthwatch.notify import delivery as deliveries
from hearthwatch.notify import history, kinds
from hearthwatch.notify.history import Planned
from hearthwatch.notify.kinds import EMAIL, MQTT, PUSH, WEBHOOK, MessageKind
from hearthwatch.notify.models import RETRYING, Delivery, MqttTarget, PushSubscription, Webhook
from hearthwatch.notify.notices import webhook_switched_off
from hearthwatch.notify.preferences import Preferences
from hearthwatch.notify.preferences import load as load_preferences
from hearthwatch.privacy.limits.service import camera_held

log = logging.getLogger("hearthwatch.notify")

QUEUE_LIMIT = 1000  # events waiting; beyond it an event is dropped (and logged), never waited on
STOP_WAIT_S = 10.0  # on stop, how long the queue may take to drain
PICTURE_WAIT = timedelta(seconds=3)
EVENT_TITLES = {"motion": "Motion", "smoke": "Smoke", "alarm": "Alarm", "glass_break": "Glass"}


def kind_of(event: Event) -> MessageKind:
    return kinds.DANGER_ALERT if event.kind in kinds.DANGER_EVENTS else kinds.SECURITY_ALERT


def alert_event(ctx: AppContext, event_id: str) -> list[str]:
    """Decide and record the alerts for one event, attempt their deliveries; the ids of the
    deliveries to attempt now (made by the caller after the commit)."""
    with ctx.db.session() as db:
        event = db.get(Event, event_id)
        camera = db.get(Camera, event.camera_id) if event is not None else None
        if event is None or camera is None or not _may_process(db, camera, ctx.clock.now()):
            return []
        return _alert_owner(ctx, db, event, camera)


def _may_process(db: Session, camera: Camera, now: datetime) -> bool:
    return not camera.privacy_mode and not camera_held(db, camera_id=camera.id, at=now)


def _alert_owner(ctx: AppContext, db: Session, event: Event, camera: Camera) -> list[str]:
    now, kind, user_id = ctx.clock.now(), kind_of(event), camera.owner_id
    prefs = load_preferences(db, user_id)
    zone = _zone(event)
    title = f"{EVENT_TITLES.get(event.kind, event.kind.capitalize())}: {camera.name}"
    add = partial(
        history.record, db, user_id=user_id, kind=kind.name, title=title, now=now,
        camera_id=camera.id, event_id=event.id, zone=zone,
    )  # fmt: skip
    planned = _plan(db, user_id, prefs.channels_for(camera.id))
    held = _held_back(db, kind, prefs, user_id, camera.id, zone, now, planned)
    if held is not None:
        add(suppressed_reason=held)
        return []
    _, rows = add(deliveries=planned)
    now_ids = []
    for row in rows:
        if row.channel == EMAIL and prefs.images and event.thumbnail_key is None:
            deliveries.retry_later(db, row, now=now, wait=PICTURE_WAIT)
        elif row.status == RETRYING:
            now_ids.append(row.id)
    return now_ids


def _held_back(
    db: Session, kind: MessageKind, prefs: Preferences, user_id: str, camera_id: str,
    zone: str, now: datetime, planned: list[Planned],
) -> str | None:  # fmt: skip
    if not camera_alerts(db, camera_id):
        return history.DISARMED
    if kind.quiet_hours_apply and prefs.quiet_at(now):
        return history.QUIET_HOURS
    if kind.cooldown_applies and history.in_cooldown(
        db, user_id=user_id, camera_id=camera_id, zone=zone, now=now,
        seconds=prefs.cooldown_seconds,
    ):  # fmt: skip
        return history.COOLDOWN
    reachable = [p for p in planned if p.skipped_because is None]
    return None if reachable else history.NO_CHANNEL


def _zone(event: Event) -> str:
    try:
        zones = json.loads(event.zones or "[]")
    except ValueError:
        zones = []
    return str(zones[0]) if zones else ""


def _plan(db: Session, user_id: str, channels: Iterable[str]) -> list[Planned]:
    planned: list[Planned] = []
    for channel in channels:
        planned += _targets(db, user_id, channel)
    return planned


def _targets(db: Session, user_id: str, channel: str) -> list[Planned]:
    if channel == PUSH:
        ids = db.scalars(select(PushSubscription.id).where(PushSubscription.user_id == user_id))
        found = [Planned(PUSH, i) for i in ids]
        return found or [Planned(PUSH, skipped_because="no browser has push turned on")]
    if channel == WEBHOOK:
        ids = db.scalars(select(Webhook.id).where(Webhook.user_id == user_id, Webhook.enabled))
        return [Planned(WEBHOOK, i) for i in ids]  # none set up: nothing to record
    if channel == MQTT:
        if db.get(MqttTarget, user_id) is None:
            return []
        return [Planned(MQTT, user_id)]
    return [Planned(EMAIL)]


def attempt_now(ctx: AppContext, delivery_ids: Iterable[str]) -> None:
    """First attempts; a failure is queued for a retry after a back-off."""
    for delivery_id in delivery_ids:
        try:
            state = deliveries.attempt(ctx, delivery_id, on_webhook_off=webhook_switched_off)
        except Exception:  # a bug in one channel must not stop the others
            log.exception("delivery attempt failed", extra={"delivery": delivery_id})
            state = RETRYING
        if state == RETRYING:
            _queue_retry(ctx, delivery_id)


def _queue_retry(ctx: AppContext, delivery_id: str) -> None:
    with ctx.db.session() as db:
        row = db.get(Delivery, delivery_id)
        if row is not None:
            wait = deliveries.NOTIFY_DELIVER.delay(max(row.attempts, 1))
            deliveries.retry_later(db, row, now=ctx.clock.now(), wait=wait)


class Dispatcher:
    """The `EventSink` of a node: a queue of opened events and one thread working it."""

    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx
        self._events: queue.Queue[str | None] = queue.Queue(QUEUE_LIMIT)
        self._thread = threading.Thread(target=self._work, name="alert-dispatcher", daemon=True)
        self._started = False

    def start(self) -> Dispatcher:
        if not self._started:
            self._started = True
            self._thread.start()
        return self

    def event_opened(self, event_id: str) -> None:
        """Queue the event's alerts; never blocks the detector that calls it."""
        try:
            self._events.put_nowait(event_id)
        except queue.Full:
            log.warning(
                "alert queue full: an event goes without an alert", extra={"event": event_id}
            )

    def event_updated(self, event_id: str) -> None:
        """Nothing to do: an event alerts once, when it opens (its picture is read when sent)."""

    def event_closed(self, event_id: str) -> None:
        """Nothing to do: the history keeps the alert; the event list shows the end."""

    def stop(self) -> None:
        """Finish what is queued (for at most `STOP_WAIT_S`), then stop the thread."""
        if not self._started:
            return
        try:
            self._events.put(None, timeout=STOP_WAIT_S)
        except queue.Full:
            return
        self._thread.join(STOP_WAIT_S)

    def _work(self) -> None:
        while (event_id := self._events.get()) is not None:
            self.handle(event_id)

    def handle(self, event_id: str) -> None:
        """Alert on one event (the thread's work; tests may call it directly)."""
        try:
            attempt_now(self.ctx, alert_event(self.ctx, event_id))
        except Exception:
            log.exception("alerting failed", extra={"event": event_id})
