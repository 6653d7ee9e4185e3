"""Operator corrections for rectification requests (P18: "ask for a correction").

What a person can edit, they edit in the account (profile, sign-in address, camera names).
For the rest, or for someone who cannot use the app and writes in, the operator corrects the
data on the request itself. Which fields may be corrected is declared in the data map
(`PersonalField.operator_correctable`); the requester's rows of each field's table are
found the way erasure finds them (`erasure_plan`), so a correction can only ever touch the
requester's own data.

A correction needs a rectification request whose identity check is done and on which work
has started (in progress, or extended since). It changes one field of one row, after the
value is checked against the column (text, length, required), and leaves two traces:

- a step of the request, which the person sees in their request's history and by mail;
- an audit entry of access to their personal data (`personal_data.corrected`).

Neither keeps the old value in clear: each says what was corrected, and shows old and new
values masked to their initials (`masking.mask_name`), as the operator's desk shows them.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from sqlalchemy import Column, String, select, update
from sqlalchemy.orm import Session

from hearthwatch.context import AppContext
from hearthwatch.errors import Conflict, NotFound, ValidationFailed
from hearthwatch.privacy.audit import service as audit
from hearthwatch.privacy.datamap.service import PERSONAL_FIELDS, PersonalField
from hearthwatch.privacy.erasure.plan import ErasedTable, plan
from hearthwatch.privacy.requests import service as requests
from hearthwatch.privacy.requests.mail import tell_person
from hearthwatch.privacy.requests.models import RequestStep, RightsRequest
from hearthwatch.security.masking import mask_name
from hearthwatch.security.sealed_columns import open_value, seal_value

RECTIFICATION = "rectification"
WORKING_STATES = frozenset({requests.IN_PROGRESS, requests.EXTENDED})
ACCOUNT_TABLE = "users"
MAX_SHOWN_WORDS = 6


@dataclass(frozen=True)
class Target:
    """One field of one of the requester's rows that the operator may correct."""

    field: PersonalField
    record_id: str
    current: str  # masked
    max_length: int | None
    required: bool

    @property
    def key(self) -> str:
        return f"{self.field.key}:{self.record_id}"

    @property
    def label(self) -> str:
        return _what(self.field, self.record_id)


def correctable_fields() -> tuple[PersonalField, ...]:
    """The data map's fields an operator may correct: text columns of erasable tables."""
    tables = _tables()
    return tuple(
        f for f in PERSONAL_FIELDS
        if f.operator_correctable and f.table in tables
        and (f.sealed or _is_text(tables[f.table], f.column))
    )  # fmt: skip


def offered(db: Session, request: RightsRequest) -> list[Target]:
    """What the desk offers to correct on `request`: nothing unless it can be corrected now."""
    try:
        _check_request(request)
    except Conflict:
        return []
    assert request.user_id is not None
    return [t for f in correctable_fields() for t in _targets(db, f, request.user_id)]


def targets(ctx: AppContext, db: Session, *, request_id: str, operator: str) -> list[Target]:
    """Every correctable field of the requester's rows, refused like a correction would be;
    the values are masked, but reading them is still audited."""
    request = requests.get(db, request_id)
    _check_request(request)
    audit.record(
        db, at=ctx.clock.now(), actor=audit.actor_operator(operator),
        action="personal_data.viewed", subject_id=request.user_id,
        details={"what": "correctable_fields", "request_id": request.id},
    )  # fmt: skip
    return offered(db, request)


def correct(
    ctx: AppContext, db: Session, *, request_id: str, operator: str, field: str,
    record_id: str | None, value: str,
) -> RightsRequest:  # fmt: skip
    """Set `field` (``table.column``) of the requester's row `record_id` to `value`."""
    request = requests.get(db, request_id)
    _check_request(request)
    assert request.user_id is not None
    personal = _correctable(field)
    table = _tables()[personal.table]
    row_id = request.user_id if personal.table == ACCOUNT_TABLE else record_id
    old = _current(db, table, personal.column, request.user_id, row_id)
    new = _clean(table.table.c[personal.column], value, personal.max_length)
    if new == old:
        raise _problem("That is already the stored value.", "privacy.correction_unchanged")
    now = ctx.clock.now()
    _store(db, table, personal, row_id, _sealed(db, personal, request.user_id, new), now)
    note = f"Corrected: {_what(personal, row_id)}. Before: {_masked(old)}; now: {_masked(new)}."
    db.add(RequestStep(request_id=request.id, at=now, status=request.status, by="operator",
                       note=note))  # fmt: skip
    audit.record(
        db, at=now, actor=audit.actor_operator(operator), action="personal_data.corrected",
        subject_id=request.user_id,
        details={"what": "rights_request", "request_id": request.id, "field": personal.key,
                 "record_id": row_id},
    )  # fmt: skip
    title = requests.KIND_BY_NAME[request.kind].title
    tell_person(ctx, db, request, title=title, sentence=f"We corrected your data. {note}")
    return request


# ---- internals -------------------------------------------------------------------------


@cache
def _tables() -> dict[str, ErasedTable]:
    return {t.name: t for t in plan()}


def _is_text(table: ErasedTable, column: str) -> bool:
    return column in table.table.c and isinstance(table.table.c[column].type, String)


def _key(table: ErasedTable) -> Column[object]:
    return next(iter(table.table.primary_key.columns))


def _check_request(request: RightsRequest) -> None:
    if request.kind != RECTIFICATION or request.user_id is None:
        raise Conflict(
            "Only a rectification request can correct someone's data.",
            code="privacy.not_rectification",
        )
    if request.status not in requests.OPEN_STATES:
        raise Conflict("This request is already closed.", code="privacy.request_closed")
    if request.verified_at is None:
        raise Conflict(
            "The person's identity is not verified yet: nothing can be corrected.",
            code="privacy.identity_unverified",
        )
    if request.status not in WORKING_STATES:
        raise Conflict(
            "Start work on the request before correcting anything.",
            code="privacy.request_not_started",
        )


def _correctable(key: str) -> PersonalField:
    for personal in correctable_fields():
        if personal.key == key:
            return personal
    message = "Choose one of the fields the desk offers to correct."
    raise ValidationFailed(
        message, code="privacy.field_not_correctable",
        details=[{"field": "field", "message": message}],
    )  # fmt: skip


def _targets(db: Session, personal: PersonalField, user_id: str) -> list[Target]:
    table = _tables()[personal.table]
    column = table.table.c[personal.column]
    key = _key(table)
    rows = db.execute(select(key, column).where(table.for_account(user_id)).order_by(key))
    length = personal.max_length or getattr(column.type, "length", None)
    return [
        Target(personal, str(row_id), _masked(_opened(db, personal, user_id, value)), length,
               not column.nullable)
        for row_id, value in rows
    ]  # fmt: skip


def _opened(db: Session, personal: PersonalField, user_id: str, value: object) -> str | None:
    """The stored text; sealed columns (P38) open with the person's key."""
    if personal.sealed:
        return open_value(db, value, column=personal.key, account_id=user_id)
    return None if value is None else str(value)


def _sealed(db: Session, personal: PersonalField, user_id: str, text: str | None) -> object:
    if personal.sealed:
        return seal_value(db, text, column=personal.key, account_id=user_id)
    return text


def _current(
    db: Session, table: ErasedTable, column: str, user_id: str, row_id: str | None
) -> str | None:
    key = _key(table)
    found = db.execute(
        select(table.table.c[column]).where(table.for_account(user_id), key == (row_id or ""))
    ).first()
    if found is None:
        message = "That record is not one of the person's."
        raise NotFound(
            message, code="privacy.record_not_found",
            details=[{"field": "record_id", "message": message}],
        )  # fmt: skip
    personal = next(f for f in PERSONAL_FIELDS if f.key == f"{table.name}.{column}")
    return _opened(db, personal, user_id, found[0])


def _store(
    db: Session, table: ErasedTable, personal: PersonalField, row_id: str | None,
    value: object, now: datetime,
) -> None:  # fmt: skip
    changes: dict[str, object] = {personal.column: value}
    if "updated_at" in table.table.c:
        changes["updated_at"] = now  # the row says when it last changed, as after an edit
    key = _key(table)
    db.execute(update(table.table).where(key == row_id).values(changes))


def _clean(column: Column[object], value: str, max_length: int | None) -> str | None:
    """The corrected value as the column takes it; an empty value clears an optional one."""
    text = value.strip()
    if any(unicodedata.category(ch) in ("Cc", "Cf") for ch in text):
        raise _problem("Use plain text, without control characters.")
    if not text:
        if not column.nullable:
            raise _problem("This field cannot be empty.")
        return None
    length = max_length or getattr(column.type, "length", None)
    if length is not None and len(text) > length:
        raise _problem(f"Use at most {length} characters.")
    return text


def _problem(message: str, code: str = "privacy.correction_invalid") -> ValidationFailed:
    return ValidationFailed(message, code=code, details=[{"field": "value", "message": message}])


def _what(personal: PersonalField, record_id: str | None) -> str:
    """The field in the person's words: ``real name``, ``name the user gave the camera
    (1a2b3c4d)`` (a row of a table with several is told apart by its id)."""
    words = personal.description.split(" (", 1)[0]
    if personal.table == ACCOUNT_TABLE or record_id is None:
        return words
    return f"{words} ({record_id[:8]})"


def _masked(value: str | None) -> str:
    """Initials only (``Robin Example`` becomes ``R*** E***``), a few words at most."""
    if not value:
        return "(empty)"
    words = value.split()
    shown = mask_name(" ".join(words[:MAX_SHOWN_WORDS]))
    return shown + (" …" if len(words) > MAX_SHOWN_WORDS else "")
