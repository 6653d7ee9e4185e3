"""Issue 14 item 7: alerts by e-mail through a real SMTP server (aiosmtpd), with the camera's
picture inline; P15: without it when the user turned images off."""

from __future__ import annotations

from email.message import EmailMessage

from fastapi.testclient import TestClient

from hearthwatch.accounts.models import User
from hearthwatch.notify.dispatch import Dispatcher
from tests.notify.conftest import AddEvent, history, picture, wait_until
from tests.support.smtp import Mailbox


def pictures(mail: EmailMessage) -> list[bytes]:
    return [bytes(part.get_content()) for part in mail.iter_attachments()
            if part.get_content_type() == "image/jpeg"]  # fmt: skip


def test_issue14_an_alert_mail_carries_the_picture_inline_and_a_link(
    client: TestClient, alice: User, camera_id: str, add_event: AddEvent, mailbox: Mailbox,
    dispatcher: Dispatcher,
) -> None:  # fmt: skip
    dispatcher.handle(add_event(camera_id))
    (mail,) = mailbox.to(alice.email)
    assert mail["Subject"] == "Motion: Porch"
    assert mail["X-Hearthwatch-Kind"] == "alert.security"
    assert mail["List-Unsubscribe"] is None  # a service message (P50)
    assert pictures(mail) == [picture()]
    text = mail.get_body(("plain",))
    assert text is not None and "http://127.0.0.1:8080/events" in text.get_content()
    email = [d for d in history(client)[0]["deliveries"] if d["channel"] == "email"]
    assert email[0]["status"] == "sent" and email[0]["attempts"] == 1


def test_p15_with_images_off_the_mail_carries_no_picture_and_no_link_to_one(
    client: TestClient, alice: User, camera_id: str, add_event: AddEvent, mailbox: Mailbox,
    dispatcher: Dispatcher,
) -> None:  # fmt: skip
    prefs = client.get("/api/v1/notify/preferences").json()
    client.put("/api/v1/notify/preferences", json={**prefs, "images": False})
    dispatcher.handle(add_event(camera_id))
    (mail,) = mailbox.to(alice.email)
    assert pictures(mail) == []
    assert b"/notify/image/" not in mail.as_bytes()


def test_issue14_a_mail_waits_briefly_for_a_picture_not_yet_stored(
    client: TestClient, alice: User, camera_id: str, add_event: AddEvent, mailbox: Mailbox,
    dispatcher: Dispatcher,
) -> None:  # fmt: skip
    dispatcher.handle(add_event(camera_id, thumbnail=False))
    assert mailbox.to(alice.email) == []  # the job queue sends it a few seconds later
    (mail,) = wait_until(lambda: mailbox.to(alice.email), timeout=15)
    assert pictures(mail) == []
    wait_until(lambda: history(client)[0]["deliveries"][0]["status"] == "sent")
