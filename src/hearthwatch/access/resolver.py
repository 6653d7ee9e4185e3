"""Who may do what to which resource: the single place that answers, deny by default.

Every API route, web page, media URL, WebSocket and (later) automation asks here, by
resource kind, id and action (`resolve`), or for a list (`listable`, `visible_cameras`).
Today an owner holds every right to their own resources and a role holds only the workflow
rights `access/resources.py` lists for it; share grants, household members and
user-approved support grants join in `rights` and `listable`, and nowhere else. Staff hold
no standing right to video (P16).

Two refusals, both stable: a resource the caller may not touch is "not found" with exactly
the code and message of a missing one (no existence oracle); a role the caller lacks is
403 with the role's code (`principal.require_role`).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from hearthwatch.access.principal import Principal, owner
from hearthwatch.access.resources import RULES, Action, Kind, Rule
from hearthwatch.accounts.models import User
from hearthwatch.devices.models import Camera
from hearthwatch.errors import NotFound

__all__ = [
    "Action",
    "Kind",
    "authorize",
    "listable",
    "owned",
    "resolve",
    "rights",
    "visible_cameras",
]


def rights(who: Principal, kind: Kind, record: Any) -> frozenset[Action]:
    """Every action `who` may take on `record` (of `kind`) right now."""
    rule = RULES[kind]
    if rule.gone(record):
        return frozenset()
    granted: set[Action] = set()
    if rule.owner_of(record) == who.user_id:
        granted |= rule.owner_actions
    for role in who.roles:
        granted |= rule.role_actions.get(role, frozenset())
    return frozenset(granted)


def resolve(
    session: Session, who: Principal, kind: Kind, resource_id: str | int, action: Action
) -> Any:
    """The resource if `who` may take `action` on it; otherwise the kind's "not found"."""
    rule = RULES[kind]
    record = session.get(rule.model, resource_id)
    if record is None or action not in rights(who, kind, record):
        raise not_found(rule)
    return record


def not_found(rule: Rule) -> NotFound:
    message, code = rule.missing
    return NotFound(message, code=code)


def owned(
    session: Session, kind: Kind, resource_id: str | int, *, user_id: str, action: Action
) -> Any:
    """`resolve` for a service acting for the account itself (no role is needed there)."""
    return resolve(session, owner(user_id), kind, resource_id, action)


def authorize(session: Session, *, user_id: str, camera_id: str, action: Action) -> Camera:
    """The camera if `user_id` may take `action` on it; otherwise `camera.not_found`."""
    camera: Camera = owned(session, Kind.CAMERA, camera_id, user_id=user_id, action=action)
    return camera


def listable(kind: Kind, who: Principal) -> ColumnElement[bool]:
    """The condition a list query of `kind` filters on: the records `who` may view.

    The same decision as `rights` for `Action.VIEW`, as SQL: today the records they own
    (roles list nothing of anyone's here: an operator's desk has its own queries). Shared
    and household resources join this condition when their grants do.
    """
    rule = RULES[kind]
    column: ColumnElement[bool] = getattr(rule.model, rule.owner_column) == who.user_id
    return column


def visible_cameras(session: Session, user: User | Principal) -> list[Camera]:
    """Every camera the account may view, in the order they were added (for lists)."""
    who = user if isinstance(user, Principal) else owner(user.id)
    query = select(Camera).where(listable(Kind.CAMERA, who)).order_by(Camera.activated_at)
    return list(session.scalars(query))
