"""API shapes of consent and the privacy notice, apart from the storage models."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

from hearthwatch.privacy.consent.models import ConsentRecord
from hearthwatch.privacy.consent.service import ConsentState, Purpose


class Receipt(BaseModel):
    """A signed receipt; check it with the key at `/api/v1/privacy/receipt-key`."""

    kind: str
    payload: dict[str, Any]
    algorithm: str
    key_id: str
    signature: str


class ConsentDecision(BaseModel):
    model_config = ConfigDict(extra="forbid")

    granted: bool


class ConsentPublic(BaseModel):
    purpose: str
    title: str
    description: str
    legal_basis: str
    introduced_in: int
    status: str
    notice_version: int | None
    at: datetime | None
    channel: str | None

    @classmethod
    def of(cls, purpose: Purpose, state: ConsentState) -> ConsentPublic:
        return cls(
            purpose=purpose.key,
            title=purpose.title,
            description=purpose.description,
            legal_basis=purpose.legal_basis.value,
            introduced_in=purpose.introduced_in,
            status=state.status.value,
            notice_version=state.notice_version,
            at=state.at,
            channel=state.channel,
        )


class ConsentChangeOut(BaseModel):
    consent: ConsentPublic
    receipt: Receipt


class ConsentHistoryEntry(BaseModel):
    id: int
    purpose: str
    decision: str
    at: datetime
    notice_version: int
    channel: str

    @classmethod
    def of(cls, record: ConsentRecord) -> ConsentHistoryEntry:
        return cls(
            id=record.id,
            purpose=record.purpose,
            decision="granted" if record.granted else "withdrawn",
            at=record.at,
            notice_version=record.notice_version,
            channel=record.channel,
        )


class NoticeVersionPublic(BaseModel):
    number: int
    published_at: datetime
    effective_at: datetime
    digest: str
    requires_acceptance: bool
    changes: list[str]
    content: dict[str, Any]


class NoticeStatus(BaseModel):
    in_force: int
    accepted: int | None
    must_accept: bool
    upcoming: int | None
    upcoming_effective_at: datetime | None


class NoticeAccept(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int
