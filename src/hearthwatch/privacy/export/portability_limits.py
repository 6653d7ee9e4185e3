"""Restrictions and objections travel with an imported archive (P21, P22, P23).

A person who limited how their data is used keeps that limit when the data moves: every
restriction and objection still in force in the archive's `processing_limits` (not lifted,
not run out) is recreated for the importing account, with the day the person made it and
its end date, and a camera's restriction follows that camera to its new id. Limits that
had ended already stop nothing and stay only in the archive. Each carried limit is
audited like one made here (`processing.restriction`, `processing.objection`).

The rows are checked against the same rules as a limit made here (a known kind and use;
objections only to uses that can be objected to; a camera restricted as a whole) before
any is written; a row that breaks them refuses the archive (`privacy.import_limit_invalid`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from hearthwatch.errors import ValidationFailed
from hearthwatch.privacy.audit import service as audit
from hearthwatch.privacy.limits.models import ProcessingLimit
from hearthwatch.privacy.limits.service import (
    ALL_USES,
    MAX_REASON,
    OBJECTION,
    RESTRICTION,
    USE_BY_NAME,
)


class LimitRefused(ValidationFailed):
    code = "privacy.import_limit_invalid"


def import_limits(
    db: Session,
    *,
    user_id: str,
    rows: list[dict[str, Any]],
    camera_ids: Mapping[str, str],
    now: datetime,
) -> int:
    """Recreate the archive's limits still in force for `user_id`; returns how many."""
    carried = [_limit(row, user_id, camera_ids, now) for row in rows if _in_force(row, now)]
    for limit in carried:
        db.add(limit)
        db.flush()
        _audit(db, limit, now)
    return len(carried)


def _audit(db: Session, limit: ProcessingLimit, now: datetime) -> None:
    audit.record(
        db,
        at=now,
        actor=audit.actor_user(limit.user_id),
        action=f"processing.{limit.kind}",
        subject_id=limit.user_id,
        details={
            "limit_id": limit.id,
            "use": limit.use,
            "camera_id": limit.camera_id,
            "imported": True,
        },
    )


def _in_force(row: dict[str, Any], now: datetime) -> bool:
    until = _moment(row, "until")
    return row.get("lifted_at") is None and (until is None or until > now)


def _limit(
    row: dict[str, Any], user_id: str, camera_ids: Mapping[str, str], now: datetime
) -> ProcessingLimit:
    kind, use, camera = row.get("kind"), row.get("use"), row.get("camera_id")
    if kind not in (RESTRICTION, OBJECTION) or (use != ALL_USES and use not in USE_BY_NAME):
        raise LimitRefused("A restriction or objection in the archive names no known use.")
    if kind == OBJECTION and (use == ALL_USES or not USE_BY_NAME[use].objectable):
        raise LimitRefused("The archive objects to a use that cannot be objected to.")
    if camera is not None and (kind != RESTRICTION or use != ALL_USES or camera not in camera_ids):
        raise LimitRefused("A camera's restriction in the archive names no camera of it.")
    reason = row.get("reason")
    if reason is not None and (not isinstance(reason, str) or len(reason) > MAX_REASON):
        raise LimitRefused("The reason of a restriction or objection is too long.")
    started = min(_moment(row, "started_at") or now, now)
    return ProcessingLimit(
        user_id=user_id, kind=kind, use=use, camera_id=camera_ids.get(camera) if camera else None,
        reason=reason or None, started_at=started, until=_moment(row, "until"),
    )  # fmt: skip


def _moment(row: dict[str, Any], name: str) -> datetime | None:
    text = row.get(name)
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text) if isinstance(text, str) else None
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise LimitRefused(f"A restriction or objection in the archive has a bad {name}.")
    return moment
