"""A stranger's world: one account holding one of every per-user resource, each made by
the product's own service, so the route walk can ask for them in someone else's name."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from sqlalchemy import select

from hearthwatch.accounts import credentials, signin
from hearthwatch.accounts.models import User
from hearthwatch.context import AppContext
from hearthwatch.devices import binding
from hearthwatch.events import lifecycle
from hearthwatch.homes import service as homes
from hearthwatch.homes.service import ScheduleEntry
from hearthwatch.media.models import Segment
from hearthwatch.media.segmenter import FinishedSegment
from hearthwatch.notify import destinations
from hearthwatch.privacy.consent import service as consent
from hearthwatch.privacy.consent.models import ConsentRecord
from hearthwatch.privacy.consent.service import Channel
from hearthwatch.privacy.datamap import uses
from hearthwatch.privacy.erasure import service as erasure
from hearthwatch.privacy.erasure.models import ErasureReceipt
from hearthwatch.privacy.export import service as export
from hearthwatch.privacy.limits import service as limits
from hearthwatch.privacy.minors import report as minors_report
from hearthwatch.privacy.minors.report_models import ChildReport
from hearthwatch.privacy.requests import complaints
from hearthwatch.privacy.requests import service as requests
from tests.conftest import STRONG_PASSWORD

SECOND = 1_000_000
RECORDED_AT_US = 1_790_000_000_000_000  # 2026-09-21


@dataclass(frozen=True)
class StrangersIds:
    """Every id of the stranger's that a path can name (the names are the path's)."""

    account_id: str
    camera_id: str
    segment_id: int
    export_id: str
    request_id: str
    receipt_id: str
    ledger_id: int
    limit_id: str
    session_id: str
    token_id: str
    report_id: str
    pending_id: str
    event_id: str
    subscription_id: str
    webhook_id: str
    schedule_id: str

    def as_path_values(self) -> dict[str, str]:
        return {name: str(value) for name, value in asdict(self).items()}


def build_strangers_world(ctx: AppContext, stranger: User) -> StrangersIds:
    """Bind a camera, record and erase, export, ask, consent, object, sign in and make a
    token as `stranger`; a child report and a complaint are filed about and by them; an event
    on their camera, a browser of theirs with push on, a webhook, an arming schedule entry."""
    with ctx.db.session() as db:
        bob = db.get(User, stranger.id)
        assert bob is not None
        camera = binding.bind_by_url(
            ctx, db, user=bob, url="rtsp://127.0.0.1:9/none", username=None, password=None,
            name="Stranger's porch", add_offline=True,
        )  # fmt: skip
        camera_id = camera.id
        db.flush()
    for start in (RECORDED_AT_US, RECORDED_AT_US + 4 * SECOND):
        segment = FinishedSegment(start, start + 4 * SECOND, 100, b"video" * 200)
        ctx.vault.store_segment(owner_id=stranger.id, camera_id=camera_id, segment=segment)
    event = lifecycle.open_event(
        ctx, owner_id=stranger.id, camera_id=camera_id, start_us=RECORDED_AT_US,
        at_us=RECORDED_AT_US, score=0.4, zones=(), pre_roll_s=5,
    )  # fmt: skip
    with ctx.db.session() as db:
        bob = db.get(User, stranger.id)
        assert bob is not None
        kept, erased = db.scalars(select(Segment.id).where(Segment.camera_id == camera_id))
        erasure.erase_segment(ctx, db, user_id=bob.id, segment_id=erased)
        exported = export.request_export(ctx, db, user=bob, password=STRONG_PASSWORD)
        asked = requests.submit(
            ctx, db, user=bob, kind="access", details="What do you hold?", password=STRONG_PASSWORD
        )
        consent.grant(ctx, db, user_id=bob.id, purpose="marketing_email", channel=Channel.API)
        objection = limits.object_to(ctx, db, user_id=bob.id, use=uses.MARKETING, reason=None)
        opened = signin.open_session(ctx, db, user=bob, ip_address=None, user_agent="pytest")
        token = credentials.create_token(ctx, db, user=bob, name="script", expires_in_days=None)
        minors_report.report_child(ctx, db, email=bob.email, note="looks young")
        pending = complaints.submit(ctx, db, email=bob.email, name=None, details="Too slow.")
        now = ctx.clock.now()
        browser = destinations.subscribe(
            db, ctx.settings, user_id=bob.id, endpoint="http://127.0.0.1:9/push/bob",
            p256dh=_P256DH, auth="c3RyYW5nZXJzLWF1dGgh", now=now,
        )  # fmt: skip
        hook = destinations.add_webhook(
            db, ctx.settings, user_id=bob.id, url="http://127.0.0.1:9/hooks/bob", now=now
        )
        home = homes.home_of(db, user_id=bob.id, now=now)
        entry = homes.add_schedule(db, home, ScheduleEntry(1, "08:00", "away"), now=now)
        db.flush()
        return StrangersIds(
            account_id=bob.id,
            camera_id=camera_id,
            segment_id=kept,
            export_id=exported.id,
            request_id=asked.id,
            receipt_id=_one(db, select(ErasureReceipt.id).where(ErasureReceipt.owner_id == bob.id)),
            ledger_id=_one(db, select(ConsentRecord.id).where(ConsentRecord.user_id == bob.id)),
            limit_id=objection.id,
            session_id=opened.session.id,
            token_id=token.token.id,
            report_id=_one(db, select(ChildReport.id).where(ChildReport.user_id == bob.id)),
            pending_id=pending.id,
            event_id=event.id,
            subscription_id=browser.id,
            webhook_id=hook.webhook.id,
            schedule_id=entry.id,
        )


# A browser's push key: an uncompressed P-256 point, base64url (any valid one will do).
_P256DH = "BOYbYbJ7XzKsCYzzuDT41GKIEatfYkSz3PSr5SNFByG-52bXyCZqGdRaNN-duDPg4y-00W8glEuKjqoP5qTGsgI"


def _one(db: object, query: object) -> object:
    found = list(db.scalars(query))  # type: ignore[attr-defined]
    assert len(found) == 1, found
    return found[0]
