"""Issue 14 items 7 and 8 in the web app: the notification settings and alert history pages
(frames the scripts fill from the notifications API), and the service worker at /sw.js."""

from __future__ import annotations

import json
import re

from fastapi.testclient import TestClient

from hearthwatch.accounts.models import User
from hearthwatch.context import AppContext
from tests.factories import add_camera
from tests.web.conftest import PageStructure

SETTINGS = "/settings/notifications"
HISTORY = "/settings/notifications/history"
CONTROLS = (
    *(f"channel-{channel}" for channel in ("push", "email", "webhook", "mqtt")),
    "images", "quiet-on", "quiet-start", "quiet-end", "timezone", "cooldown",
    "push-on", "push-off", "webhook-url", "mqtt-url", "mqtt-password", "mqtt-topic",
)  # fmt: skip


def test_issue14_item8_the_settings_page_has_every_choice_labelled(
    ctx: AppContext, client: TestClient, web_alice: User
) -> None:
    porch = add_camera(ctx, web_alice.id, "Porch")
    page = client.get(SETTINGS)
    assert page.status_code == 200
    structure = PageStructure(page.text)
    assert structure.inline_scripts == 0 and structure.styled() == []
    scripts = {s["src"] for s in structure.all("script")}
    assert {"/static/notifications.js", "/static/push.js"} <= scripts
    labelled = {str(a["for"]) for a in structure.all("label") if a.get("for")}
    unlabelled = [
        c for c in structure.controls() if c.get("id") not in labelled and not c.get("aria-label")
    ]
    assert unlabelled == [], unlabelled
    ids = structure.ids()
    for wanted in (*CONTROLS, f"cam-{porch}-push", f"cam-{porch}-mqtt"):
        assert wanted in ids, wanted
    assert "Include images in alerts" in page.text  # P15
    assert len(ids) == len(set(ids))


def test_issue14_item8_the_history_page_knows_the_camera_names(
    ctx: AppContext, client: TestClient, web_alice: User
) -> None:
    porch = add_camera(ctx, web_alice.id, "Porch")
    page = client.get(HISTORY)
    assert page.status_code == 200
    found = re.search(r'data-cameras="([^"]*)"', page.text)
    assert found is not None
    assert json.loads(found.group(1).replace("&#34;", '"').replace("&quot;", '"')) == {
        porch: "Porch"
    }
    assert PageStructure(page.text).inline_scripts == 0


def test_issue14_item7_the_service_worker_is_served_from_the_root(client: TestClient) -> None:
    """Scope "/" needs the script at the root (or the Service-Worker-Allowed header); an
    updated worker must not wait on a cache. No sign-in: browsers fetch it on their own."""
    worker = client.get("/sw.js")
    assert worker.status_code == 200
    assert worker.headers["content-type"].startswith("application/javascript")
    assert worker.headers["service-worker-allowed"] == "/"
    assert worker.headers["cache-control"] == "no-cache"
    assert 'addEventListener("push"' in worker.text
    assert 'addEventListener("notificationclick"' in worker.text


def test_issue14_item7_the_settings_page_never_registers_a_worker_by_itself() -> None:
    """Registration and the permission prompt live in the click handler only (push.js);
    the browser test proves it in Chromium, this reads the script for a stray call."""
    from hearthwatch.web.paths import STATIC_DIR

    script = (STATIC_DIR / "push.js").read_text()
    on_load = script[script.index('addEventListener("DOMContentLoaded"') :]
    assert "register(" not in on_load and "requestPermission" not in on_load
