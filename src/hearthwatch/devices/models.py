"""Storage models of devices: cameras bound to accounts, and the registry of known cameras."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, Integer, LargeBinary, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from hearthwatch.db.base import Base, UTCDateTime, new_id
from hearthwatch.security.sealed_columns import Sealed

RECORDING_CONTINUOUS = "continuous"
RECORDING_OFF = "off"
# Record continuously, keep only what lies around events (pre- and post-roll): issue 14.
RECORDING_EVENTS = "events"
TRANSPORT_AUTO = "auto"


class RegisteredCamera(Base):
    """A camera the service knows from its maker (or the simulator): serial, code, address.

    Binding by QR code or by serial and verification code looks the camera up here; the
    verification code is kept only as a keyed hash.
    """

    __tablename__ = "camera_registry"

    serial: Mapped[str] = mapped_column(String(32), primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    # Sealed with a service key (devices/registry.py seal_address): room for the seal.
    rtsp_url: Mapped[str] = mapped_column(String(1024))
    sub_rtsp_url: Mapped[str | None] = mapped_column(String(1024))
    credentials: Mapped[bytes | None] = mapped_column(LargeBinary)
    model: Mapped[str | None] = mapped_column(String(64))
    firmware_version: Mapped[str | None] = mapped_column(String(32))
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Camera(Base):
    __tablename__ = "cameras"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    owner_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    serial: Mapped[str | None] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    # The addresses may reveal the home's IP: sealed with the owner's data key (P38).
    _rtsp_url: Mapped[bytes] = mapped_column("rtsp_url", LargeBinary)
    _sub_rtsp_url: Mapped[bytes | None] = mapped_column("sub_rtsp_url", LargeBinary)
    credentials: Mapped[bytes | None] = mapped_column(LargeBinary)
    model: Mapped[str | None] = mapped_column(String(64))
    firmware_version: Mapped[str | None] = mapped_column(String(32))
    activated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    recording_mode: Mapped[str] = mapped_column(String(16), default=RECORDING_CONTINUOUS)
    retention_days: Mapped[int | None] = mapped_column(Integer)
    retention_bytes: Mapped[int | None] = mapped_column(BigInteger)
    video_codec: Mapped[str | None] = mapped_column(String(16))
    video_width: Mapped[int | None] = mapped_column(Integer)
    video_height: Mapped[int | None] = mapped_column(Integer)
    video_fps: Mapped[float | None] = mapped_column()
    # Keyed hash of the main stream's (host, port, path): which account holds the stream
    # (devices/streams.py). NULL for a camera imported without its address.
    stream_key: Mapped[str | None] = mapped_column(String(64), index=True)
    sub_stream_key: Mapped[str | None] = mapped_column(String(64), index=True)
    # How RTSP media reaches us (media/connection.py): the owner's choice, auto, tcp or udp,
    # and the transport the last working session used (auto tries it first).
    rtsp_transport: Mapped[str] = mapped_column(
        String(8), default=TRANSPORT_AUTO, server_default=TRANSPORT_AUTO
    )
    rtsp_transport_used: Mapped[str | None] = mapped_column(String(8))
    # Privacy mode (issue 14 item 4): no analysis, no recording, no live view until off.
    privacy_mode: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Areas never analysed and blacked out in every image made from the camera: JSON list of
    # polygons, each a list of [x, y] from 0 to 1 across the picture.
    privacy_masks: Mapped[str] = mapped_column(Text, default="[]", server_default="[]")

    rtsp_url = Sealed[str]("_rtsp_url", column="cameras.rtsp_url", owner="owner_id")
    sub_rtsp_url = Sealed[str | None](
        "_sub_rtsp_url", column="cameras.sub_rtsp_url", owner="owner_id"
    )

    @property
    def records(self) -> bool:
        """Whether segments are stored: in event-only mode too (the pre-roll before an event
        must be there when it opens; retention drops what lies outside every event)."""
        return self.recording_mode in (RECORDING_CONTINUOUS, RECORDING_EVENTS)


class StreamClaim(Base):
    """One stream, one account: the account whose camera(s) use the stream `stream_key`.

    A unique key, not a comparison of addresses: the addresses are stored sealed with each
    account's key, so only their keyed hash can be compared in the database.
    """

    __tablename__ = "camera_streams"

    stream_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    owner_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime())
