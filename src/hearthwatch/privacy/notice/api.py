"""`/api/v1/privacy/notice`: the notice in force, its versions, and accepting one (P48)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from hearthwatch.api.deps import ContextDep, DbDep, UserDep
from hearthwatch.errors import NotFound
from hearthwatch.privacy.consent.models import NoticeVersion
from hearthwatch.privacy.consent.schemas import NoticeAccept, NoticeStatus, NoticeVersionPublic
from hearthwatch.privacy.notice import service as notice

router = APIRouter(prefix="/notice", tags=["privacy"])

VersionNumber = Annotated[int, Path(ge=1, le=1_000_000)]


def _public(version: NoticeVersion) -> NoticeVersionPublic:
    return NoticeVersionPublic(
        number=version.number,
        published_at=version.published_at,
        effective_at=version.effective_at,
        digest=version.digest,
        requires_acceptance=version.requires_acceptance,
        changes=notice.changes_of(version),
        content=notice.content_of(version),
    )


@router.get("", response_model=NoticeVersionPublic)
def notice_in_force(ctx: ContextDep, db: DbDep) -> NoticeVersionPublic:
    """The privacy notice in force now."""
    version = notice.in_force(db, ctx.clock.now())
    if version is None:
        raise NotFound("No privacy notice is published yet.", code="notice.not_found")
    return _public(version)


@router.get("/versions/{number}", response_model=NoticeVersionPublic)
def notice_version(number: VersionNumber, db: DbDep) -> NoticeVersionPublic:
    """Any published version, announced ones included."""
    return _public(notice.get_version(db, number))


@router.get("/status", response_model=NoticeStatus)
def notice_status(user: UserDep, ctx: ContextDep, db: DbDep) -> NoticeStatus:
    """Which version is in force, which one the caller accepted, and what is announced."""
    now = ctx.clock.now()
    current, coming = notice.in_force(db, now), notice.upcoming(db, now)
    return NoticeStatus(
        in_force=current.number if current else 0,
        accepted=notice.accepted_version(db, user) or None,
        must_accept=notice.must_accept(db, user=user, now=now) is not None,
        upcoming=coming.number if coming else None,
        upcoming_effective_at=coming.effective_at if coming else None,
    )


@router.post("/accept", response_model=NoticeStatus)
def accept_notice(body: NoticeAccept, user: UserDep, ctx: ContextDep, db: DbDep) -> NoticeStatus:
    """Accept a published version (and with it every earlier one)."""
    if not 1 <= body.version <= 1_000_000:
        raise NotFound("There is no such version of the privacy notice.", code="notice.not_found")
    notice.accept(ctx, db, user=user, version=body.version)
    return notice_status(user, ctx, db)
