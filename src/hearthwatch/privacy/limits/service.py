"""Restriction (P21) and objection (P22): limits a person puts on how their data is used.

A restriction keeps the data stored but stops every listed use of it — for a time or for
good, for the whole account or one camera — while it stays readable to the person and for
legal claims. An objection stops a use based on legitimate interest (or consent) at once.
Code that processes personal data asks `processing_allowed` at the moment of use; nothing
is cached, so a new limit applies to the very next use.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, Select, and_, or_, select
from sqlalchemy.orm import Session

from hearthwatch.access.principal import owner
from hearthwatch.access.resolver import Action, Kind, authorize, listable, owned
from hearthwatch.context import AppContext
from hearthwatch.devices.models import Camera
from hearthwatch.errors import ValidationFailed
from hearthwatch.privacy.audit import service as audit
from hearthwatch.privacy.datamap.uses import PROCESSING_USES, ProcessingUse
from hearthwatch.privacy.limits.models import ProcessingLimit

RESTRICTION = "restriction"
OBJECTION = "objection"
ALL_USES = "all"
MAX_REASON = 2000


USES: tuple[ProcessingUse, ...] = PROCESSING_USES  # declared in the data map
USE_BY_NAME = {use.name: use for use in USES}


def processing_allowed(
    db: Session, *, user_id: str, use: str, at: datetime, camera_id: str | None = None
) -> bool:
    """Whether `use` of this person's data (or this camera's) may happen now."""
    uses = (use, ALL_USES)
    query = select(ProcessingLimit.id).where(
        ProcessingLimit.user_id == user_id,
        ProcessingLimit.use.in_(uses),
        in_force(at),
        or_(ProcessingLimit.camera_id.is_(None), ProcessingLimit.camera_id == camera_id),
    )
    return db.scalars(query.limit(1)).first() is None


def in_force(at: datetime) -> ColumnElement[bool]:
    """The limits that apply at `at`: started, not lifted, not run out."""
    return and_(
        ProcessingLimit.lifted_at.is_(None),
        ProcessingLimit.started_at <= at,
        or_(ProcessingLimit.until.is_(None), ProcessingLimit.until > at),
    )


def _holding(at: datetime) -> ColumnElement[bool]:
    return and_(ProcessingLimit.kind == RESTRICTION, ProcessingLimit.use == ALL_USES, in_force(at))


def held_cameras(db: Session, *, at: datetime) -> frozenset[str]:
    """Cameras whose recordings a restriction of every use holds now, for the camera or the
    owner's whole account: retention (age, size, the disk guard) keeps them until the
    restriction is lifted or runs out, since the person asked for them to be kept."""
    rows = list(db.execute(select(ProcessingLimit.user_id, ProcessingLimit.camera_id).where(
        _holding(at))))  # fmt: skip
    cameras = {camera_id for _, camera_id in rows if camera_id is not None}
    owners = {user_id for user_id, camera_id in rows if camera_id is None}
    if owners:
        cameras.update(db.scalars(select(Camera.id).where(Camera.owner_id.in_(owners))))
    return frozenset(cameras)


def camera_held(db: Session, *, camera_id: str, at: datetime) -> bool:
    """Whether a restriction of every use holds this camera now (its own, or its owner's
    whole account): it is then neither recorded nor shown live."""
    owner = select(Camera.owner_id).where(Camera.id == camera_id).scalar_subquery()
    query = select(ProcessingLimit.id).where(
        _holding(at),
        ProcessingLimit.user_id == owner,
        or_(ProcessingLimit.camera_id.is_(None), ProcessingLimit.camera_id == camera_id),
    )
    return db.scalars(query.limit(1)).first() is not None


def held_accounts(at: datetime) -> Select[str]:
    """The accounts a restriction of every use holds now: retention does not erase them."""
    return select(ProcessingLimit.user_id).where(_holding(at), ProcessingLimit.camera_id.is_(None))


def restrict(
    ctx: AppContext, db: Session, *, user_id: str, use: str, camera_id: str | None,
    until: datetime | None, reason: str | None,
) -> ProcessingLimit:  # fmt: skip
    """Keep the data but stop `use` (or every use) of it, optionally until a date."""
    if use != ALL_USES:
        _use(use)
    if camera_id is not None and use != ALL_USES:
        raise ValidationFailed(
            "A camera's recordings are restricted as a whole: choose every use.",
            code="privacy.camera_restriction_whole",
        )
    if camera_id is not None:
        # Only the camera's owner decides how its recordings are used.
        authorize(db, user_id=user_id, camera_id=camera_id, action=Action.CONFIGURE)
    return _add(ctx, db, user_id=user_id, kind=RESTRICTION, use=use, camera_id=camera_id,
                until=until, reason=reason)  # fmt: skip


def object_to(
    ctx: AppContext, db: Session, *, user_id: str, use: str, reason: str | None
) -> ProcessingLimit:
    """Object to a use based on legitimate interest or consent: it stops at once."""
    if not _use(use).objectable:
        raise ValidationFailed(
            "This use is needed to provide the service you signed up for; restrict it "
            "instead, or delete the data.", code="privacy.objection_not_applicable",
        )  # fmt: skip
    return _add(ctx, db, user_id=user_id, kind=OBJECTION, use=use, camera_id=None, until=None,
                reason=reason)  # fmt: skip


def lift(ctx: AppContext, db: Session, *, user_id: str, limit_id: str) -> ProcessingLimit:
    """End a restriction or withdraw an objection."""
    limit: ProcessingLimit = owned(
        db, Kind.PROCESSING_LIMIT, limit_id, user_id=user_id, action=Action.CHANGE
    )
    limit.lifted_at = ctx.clock.now()
    _audit(db, limit, limit.lifted_at, "processing.limit_lifted")
    return limit


def active(db: Session, *, user_id: str, at: datetime) -> list[ProcessingLimit]:
    query = select(ProcessingLimit).where(
        listable(Kind.PROCESSING_LIMIT, owner(user_id)),
        ProcessingLimit.lifted_at.is_(None),
        or_(ProcessingLimit.until.is_(None), ProcessingLimit.until > at),
    )
    return list(db.scalars(query.order_by(ProcessingLimit.started_at)))


def receipt(ctx: AppContext, limit: ProcessingLimit) -> dict[str, object]:
    """A signed receipt of the limit as it stands."""
    return ctx.receipts.sign(
        "processing.limit",
        {
            "limit_id": limit.id, "account_id": limit.user_id, "kind": limit.kind,
            "use": limit.use, "camera_id": limit.camera_id,
            "started_at": limit.started_at.isoformat(),
            "until": limit.until.isoformat() if limit.until else None,
            "lifted_at": limit.lifted_at.isoformat() if limit.lifted_at else None,
        },
    )  # fmt: skip


def _add(
    ctx: AppContext, db: Session, *, user_id: str, kind: str, use: str, camera_id: str | None,
    until: datetime | None, reason: str | None,
) -> ProcessingLimit:  # fmt: skip
    now = ctx.clock.now()
    if until is not None and until <= now:
        raise ValidationFailed(
            "The end date must be in the future.", code="privacy.limit_until_past"
        )
    if reason is not None and len(reason) > MAX_REASON:
        raise ValidationFailed("The reason is too long.", code="privacy.reason_too_long")
    limit = ProcessingLimit(
        user_id=user_id, kind=kind, use=use, camera_id=camera_id, reason=reason or None,
        started_at=now, until=until,
    )  # fmt: skip
    db.add(limit)
    db.flush()
    _audit(db, limit, now, f"processing.{kind}")
    return limit


def _use(name: str) -> ProcessingUse:
    use = USE_BY_NAME.get(name)
    if use is None:
        raise ValidationFailed(
            "Unknown use of data.", code="privacy.use_unknown",
            details={"uses": [u.name for u in USES]},
        )  # fmt: skip
    return use


def _audit(db: Session, limit: ProcessingLimit, at: datetime, action: str) -> None:
    details = {"limit_id": limit.id, "use": limit.use, "camera_id": limit.camera_id}
    audit.record(db, at=at, actor=audit.actor_user(limit.user_id), action=action,
                 subject_id=limit.user_id, details=details)  # fmt: skip
