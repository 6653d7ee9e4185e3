"""Request and response shapes of the cameras API."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from hearthwatch.devices.firmware import FirmwareUpdate, Release, Severity, UnknownReason
from hearthwatch.devices.models import Camera
from hearthwatch.media.status import IngestStatus

Name = Annotated[str, StringConstraints(min_length=1, max_length=64, strip_whitespace=True)]
Serial = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9]{8,32}$")]
VerificationCode = Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{6}$")]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class BindByCode(Strict):
    serial: Serial
    verification_code: VerificationCode
    name: Name | None = None


class BindByQrPayload(Strict):
    payload: Annotated[str, Field(min_length=1, max_length=1024)]
    name: Name | None = None


class BindByRtsp(Strict):
    url: Annotated[str, Field(min_length=8, max_length=512)]
    username: Annotated[str, Field(max_length=128)] | None = None
    password: Annotated[str, Field(max_length=128)] | None = None
    name: Name


class CameraUpdate(Strict):
    name: Name | None = None
    recording_mode: Literal["continuous", "off"] | None = None
    retention_days: Annotated[int, Field(ge=1, le=730)] | None = None
    retention_bytes: Annotated[int, Field(ge=100_000_000, le=100_000_000_000_000)] | None = None


class StreamInfo(BaseModel):
    codec: str | None
    width: int | None
    height: int | None
    fps: float | None


class FirmwareReleasePublic(BaseModel):
    version: str
    released: date
    severity: Severity = Field(
        description="What the release mainly brings: a security fix, bug fixes or features."
    )
    notes: str
    installs_automatically: bool = Field(
        description="True when the camera installs it by itself; false when its owner must."
    )

    @classmethod
    def of(cls, release: Release) -> FirmwareReleasePublic:
        return cls.model_validate(release, from_attributes=True)


class FirmwareUpdatePublic(BaseModel):
    """Whether newer firmware is listed for the camera, from the operator's catalogue (P7)."""

    status: Literal["up_to_date", "update_available", "unknown"]
    latest: FirmwareReleasePublic | None = Field(
        description="The newest release listed for the camera's model; null if it is not listed."
    )
    severity: Severity | None = Field(
        description="The most serious kind of change among the newer releases; null if none."
    )
    newer_releases: list[FirmwareReleasePublic] = Field(
        description="Releases newer than the camera's firmware, newest first."
    )
    reason: UnknownReason | None = Field(
        description="Why the status is unknown: the camera reports no model or no version, "
        "its model is not in the catalogue, or its version cannot be read."
    )

    @classmethod
    def of(cls, update: FirmwareUpdate) -> FirmwareUpdatePublic:
        return cls(
            status=update.status,
            latest=FirmwareReleasePublic.of(update.latest) if update.latest else None,
            severity=update.severity,
            newer_releases=[FirmwareReleasePublic.of(release) for release in update.newer],
            reason=update.reason,
        )


class CameraPublic(BaseModel):
    id: str
    name: str
    serial: str | None
    model: str | None
    firmware_version: str | None
    firmware_update: FirmwareUpdatePublic
    activated_at: datetime
    last_seen_at: datetime | None
    online: bool
    recording_mode: str
    retention_days: int | None
    retention_bytes: int | None
    stream: StreamInfo
    problem: str | None = Field(description="Why the camera is offline, when known.")
    problem_code: str | None = Field(
        description="The problem as a stable code: camera.unreachable, camera.auth_failed, "
        "camera.not_a_stream, camera.unsupported_codec, camera.address_forbidden, "
        "camera.stream_ended, camera.restricted or camera.bound_elsewhere."
    )

    @classmethod
    def of(
        cls, camera: Camera, status: IngestStatus | None, firmware: FirmwareUpdate
    ) -> CameraPublic:
        live = status is not None and status.online
        return cls(
            id=camera.id,
            name=camera.name,
            serial=camera.serial,
            model=camera.model,
            firmware_version=camera.firmware_version,
            firmware_update=FirmwareUpdatePublic.of(firmware),
            activated_at=camera.activated_at,
            last_seen_at=_last_seen(camera, status),
            online=live,
            recording_mode=camera.recording_mode,
            retention_days=camera.retention_days,
            retention_bytes=camera.retention_bytes,
            stream=StreamInfo(
                codec=(status.codec if live and status else None) or camera.video_codec,
                width=(status.width if live and status else None) or camera.video_width,
                height=(status.height if live and status else None) or camera.video_height,
                fps=(status.fps if live and status else None) or camera.video_fps,
            ),
            problem=None if live or status is None else status.problem_message,
            problem_code=None if live or status is None else status.problem,
        )


class MediaTokenIn(Strict):
    scope: Literal["live", "playback"]


class MediaTokenOut(BaseModel):
    token: str
    expires_at: datetime


class SegmentPublic(BaseModel):
    id: int
    start: datetime
    end: datetime
    bytes: int


class Span(BaseModel):
    start: datetime
    end: datetime


class Timeline(BaseModel):
    start: datetime
    end: datetime
    spans: list[Span] = Field(description="Recorded stretches; the time between them is a gap.")
    segments: list[SegmentPublic]


def _last_seen(camera: Camera, status: IngestStatus | None) -> datetime | None:
    """The ingest's last frame when there is one; the stored time otherwise."""
    if status is not None and status.last_frame_at is not None:
        return datetime.fromtimestamp(status.last_frame_at, UTC)
    return camera.last_seen_at
