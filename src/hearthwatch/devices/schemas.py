"""Request and response shapes of the cameras API."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from hearthwatch.devices.firmware import FirmwareUpdate, Release, Severity, UnknownReason
from hearthwatch.devices.models import Camera
from hearthwatch.media.status import PROBLEMS, IngestStatus

Name = Annotated[str, StringConstraints(min_length=1, max_length=64, strip_whitespace=True)]
Serial = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9]{8,32}$")]
VerificationCode = Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{6}$")]
StreamUrl = Annotated[str, Field(min_length=8, max_length=512)]
UserName = Annotated[str, Field(max_length=128)]
Password = Annotated[str, Field(max_length=128)]
Transport = Literal["auto", "tcp", "udp"]
TRANSPORT_HELP = (
    "How the camera sends video: auto (TCP, else UDP; what worked is remembered), tcp or udp."
)


RECORDING_HELP = (
    "continuous: everything is kept; events: only what lies around events (their pre- and "
    "post-roll) is kept; off: nothing is recorded."
)
PRIVACY_MODE_HELP = "While on: no analysis, no recording and no live view until switched off."


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class BindByCode(Strict):
    serial: Serial
    verification_code: VerificationCode
    name: Name | None = None


class BindByQrPayload(Strict):
    payload: Annotated[str, Field(min_length=1, max_length=1024)]
    name: Name | None = None


class StreamProbe(Strict):
    url: StreamUrl
    username: UserName | None = None
    password: Password | None = None
    rtsp_transport: Transport = Field(default="auto", description=TRANSPORT_HELP)


SUB_URL_HELP = (
    "The camera's H.264 sub-stream (optional): live view uses it in browsers that cannot "
    "play the main stream's H.265. It is never recorded."
)


class BindByRtsp(StreamProbe):
    name: Name
    sub_url: StreamUrl | None = Field(default=None, description=SUB_URL_HELP)
    add_offline: bool = Field(
        default=False,
        description="Add the camera even though it cannot be reached now (it is offline); "
        "without this, a camera the probe cannot reach is refused with the problem's code.",
    )


class ProbePublic(BaseModel):
    """What a short look at a stream found: reached, with what, or why not."""

    reached: bool
    codec: str | None
    width: int | None
    height: int | None
    transport: Literal["tcp", "udp"] | None = Field(description="The transport that worked.")
    problem_code: str | None
    problem: str | None = Field(description="What is wrong, when the stream was not reached.")
    next_step: str | None = Field(description="What to do about it.")


class CameraUpdate(Strict):
    name: Name | None = None
    recording_mode: Literal["continuous", "events", "off"] | None = Field(
        default=None, description=RECORDING_HELP
    )
    privacy_mode: bool | None = Field(default=None, description=PRIVACY_MODE_HELP)
    retention_days: Annotated[int, Field(ge=1, le=730)] | None = None
    retention_bytes: Annotated[int, Field(ge=100_000_000, le=100_000_000_000_000)] | None = None
    url: StreamUrl | None = Field(
        default=None, description="A new RTSP address (cameras added by address only)."
    )
    username: UserName | None = Field(
        default=None, description="A new user name; an empty one removes the credentials."
    )
    password: Password | None = Field(
        default=None, description="A new password; left out (or empty), the stored one is kept."
    )
    rtsp_transport: Transport | None = Field(default=None, description=TRANSPORT_HELP)
    sub_url: Annotated[str, Field(max_length=512)] | None = Field(
        default=None, description=SUB_URL_HELP + " An empty one removes it."
    )


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
        description="The problem as a stable code: " + ", ".join(sorted(PROBLEMS)) + "."
    )
    problem_next_step: str | None = Field(description="What to do about the problem.")
    rtsp_transport: Transport = Field(description=TRANSPORT_HELP)
    transport_in_use: Literal["tcp", "udp"] | None = Field(
        description="The transport of the current session, or the one that worked last."
    )
    has_credentials: bool = Field(description="Whether a user name and password are stored.")
    has_sub_stream: bool = Field(
        default=False, description="Whether a sub-stream is known (for live view of H.265)."
    )
    privacy_mode: bool = Field(default=False, description=PRIVACY_MODE_HELP)

    @classmethod
    def of(
        cls, camera: Camera, status: IngestStatus | None, firmware: FirmwareUpdate
    ) -> CameraPublic:
        live = status is not None and status.online
        found = status if status is not None and status.codec else None  # even offline
        problem = None if live or status is None else PROBLEMS.get(status.problem or "")
        in_use = status.transport if live and status else camera.rtsp_transport_used
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
                codec=(found.codec if found else None) or camera.video_codec,
                width=(found.width if found else None) or camera.video_width,
                height=(found.height if found else None) or camera.video_height,
                fps=(found.fps if found else None) or camera.video_fps,
            ),
            problem=problem.message if problem else None,
            problem_code=problem.code if problem else None,
            problem_next_step=problem.next_step if problem else None,
            rtsp_transport=_transport(camera.rtsp_transport),
            transport_in_use="udp" if in_use == "udp" else "tcp" if in_use == "tcp" else None,
            has_credentials=camera.credentials is not None,
            has_sub_stream=camera.sub_stream_key is not None or camera.sub_rtsp_url is not None,
            privacy_mode=camera.privacy_mode,
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


def _transport(value: str | None) -> Transport:
    return "tcp" if value == "tcp" else "udp" if value == "udp" else "auto"
