"""Notification pages (issue 14 items 7 and 8): settings, the alert history, and the service
worker that shows push alerts.

    /settings/notifications          channels, per-camera choices, quiet hours, cooldown,
                                     images in alerts (P15), push on this browser, webhooks,
                                     the MQTT broker
    /settings/notifications/history  every alert sent, with its delivery per channel
    /sw.js                           the service worker (scope "/"): shows a push, opens it

The pages are frames the scripts fill from the notifications API (`notify/api.py`), the one
place its rules live: `notifications.js` (settings, webhooks, MQTT), `push.js` (push on
this browser) and `notification-history.js`. Push cannot work without a script anyway, and
the page says so when scripts are off. The service worker is registered, and the browser's
permission asked, only when the person turns push on (`push.js`), never on page load.
"""

from __future__ import annotations

import json
from typing import Annotated
from zoneinfo import available_timezones

from fastapi import APIRouter, Request, Response
from fastapi.responses import FileResponse

from hearthwatch.access.resolver import visible_cameras
from hearthwatch.accounts.signin import Caller
from hearthwatch.api.deps import ContextDep
from hearthwatch.web.deps import WebRoute, viewer_from
from hearthwatch.web.paths import STATIC_DIR
from hearthwatch.web.rendering import render
from hearthwatch.web.viewer import WebDb

router = APIRouter(route_class=WebRoute)

SETTINGS = "/settings/notifications"
HISTORY = "/settings/notifications/history"
CHANNELS: tuple[tuple[str, str], ...] = (
    ("push", "Push on your browsers"),
    ("email", "E-mail"),
    ("webhook", "Webhooks"),
    ("mqtt", "MQTT"),
)
ZONES = sorted(available_timezones())
SettingsViewer = Annotated[Caller, viewer_from(SETTINGS)]
HistoryViewer = Annotated[Caller, viewer_from(HISTORY)]
# A service worker controls every page under its scope; "/" needs the header when the script
# is not served from the root itself, and an updated worker must reach browsers at once.
WORKER_HEADERS = {"Service-Worker-Allowed": "/", "Cache-Control": "no-cache"}


@router.get(SETTINGS)
def notification_settings(
    request: Request, ctx: ContextDep, db: WebDb, viewer: SettingsViewer
) -> Response:
    return render(
        request, ctx, "notifications.html", viewer=viewer, section="arming",
        cameras=visible_cameras(db, viewer.user), channels=CHANNELS, zones=ZONES,
    )  # fmt: skip


@router.get(HISTORY)
def notification_history(
    request: Request, ctx: ContextDep, db: WebDb, viewer: HistoryViewer
) -> Response:
    names = {camera.id: camera.name for camera in visible_cameras(db, viewer.user)}
    return render(
        request, ctx, "notification_history.html", viewer=viewer, section="arming",
        camera_names=json.dumps(names), channels=CHANNELS,
    )  # fmt: skip


@router.get("/sw.js")
def service_worker() -> Response:
    """The service worker, from the root so that its scope can be the whole app."""
    return FileResponse(
        STATIC_DIR / "sw.js", media_type="application/javascript", headers=WORKER_HEADERS
    )
