"""Request and response shapes of the erasure API (kept apart from the storage models)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, Field, StringConstraints

from hearthwatch.accounts.schemas import Strict

CameraIdField = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{32}$")]
Password = Annotated[str, Field(min_length=1, max_length=1024)]
SixDigits = Annotated[str, StringConstraints(pattern=r"^\s*\d{6}\s*$")]
# Recordings are indexed in microseconds since 1970 in a signed 64-bit column.
Moment = Annotated[AwareDatetime, Field(description="ISO 8601 with a time zone")]


class RangeErasure(Strict):
    scope: Literal["range"]
    camera_id: CameraIdField
    start: Moment
    end: Moment


class SegmentErasure(Strict):
    scope: Literal["segment"]
    segment_id: Annotated[int, Field(ge=1, le=2**62)]


class DeviceErasure(Strict):
    scope: Literal["device"]
    camera_id: CameraIdField
    unbind: bool = False


ErasureIn = Annotated[RangeErasure | SegmentErasure | DeviceErasure, Field(discriminator="scope")]


class AccountErasureIn(Strict):
    password: Password
    code: SixDigits
    totp_code: Annotated[str, StringConstraints(max_length=16)] | None = None


class CodeSent(BaseModel):
    sent: bool
    expires_in_minutes: int


class SignedReceipt(BaseModel):
    """A signed erasure receipt; check it with the key at `/api/v1/privacy/receipt-key`."""

    kind: str
    payload: dict[str, Any]
    algorithm: str
    key_id: str
    signature: str
