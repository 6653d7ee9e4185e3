"""Binding a camera to an account: by QR code, by serial and code, or by RTSP address (P5).

A camera added by address is looked at first (`probe_camera`, media/probe.py): one that
cannot be reached is refused with the problem's stable code and its plain next step,
unless its owner asks to add it anyway (a camera that is offline right now). Every way in
(the API, the web form, the CLI) comes through here, so none can skip the look. Its
address, credentials and transport can be changed later (`change_connection`) without
removing it, which would erase its recordings.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hearthwatch.accounts.models import User
from hearthwatch.context import AppContext
from hearthwatch.devices.models import TRANSPORT_AUTO, Camera, RegisteredCamera
from hearthwatch.devices.registry import (
    addresses,
    code_matches,
    open_credentials,
    seal_credentials,
)
from hearthwatch.devices.streams import (
    assign_stream,
    check_stream_holder,
    checked_address,
    checked_url,
    claimed_stream,
    release_stream,
    stream_key,
    stream_key_at,
)
from hearthwatch.errors import Conflict, ValidationFailed
from hearthwatch.media.status import PROBLEMS
from hearthwatch.protocols.qr_label import parse_label
from hearthwatch.protocols.rtsp_url import StreamAddress, with_credentials
from hearthwatch.security.outbound import camera_policy

if TYPE_CHECKING:
    from hearthwatch.media.probe import ProbeResult

MAX_QR_IMAGE_BYTES = 8 * 1024 * 1024
WRONG_CODE = "The serial number or verification code is wrong. Check the label on the camera."


def bind_by_code(
    ctx: AppContext, session: Session, *, user: User, serial: str, code: str, name: str | None
) -> Camera:
    """Bind a registered camera after checking its verification code in constant time."""
    ctx.code_throttle.hit(f"bind:{user.id}", code="camera.rate_limited")
    entry = session.get(RegisteredCamera, serial.strip().upper())
    if entry is None or not code_matches(ctx, entry, code.strip()):
        raise ValidationFailed(WRONG_CODE, code="camera.code_invalid")
    bound = session.scalars(select(Camera).where(Camera.serial == entry.serial)).first()
    if bound is not None and bound.owner_id == user.id:
        raise Conflict("This camera is already in your account.", code="camera.already_yours")
    if bound is not None:
        # Never say whose: only that the owner must unbind it or ownership be proven (P6).
        raise Conflict(
            "This camera is bound to another account. Its owner can unbind it, or you can "
            "ask for an ownership review.",
            code="camera.bound_elsewhere",
        )
    main, sub = addresses(ctx, entry)
    camera = Camera(
        owner_id=user.id,
        serial=entry.serial,
        name=name or f"Camera {entry.serial[-4:]}",
        rtsp_url=checked_url(ctx, main),
        sub_rtsp_url=checked_url(ctx, sub) if sub else None,
        model=entry.model,
        firmware_version=entry.firmware_version,
        activated_at=ctx.clock.now(),
    )
    assign_stream(ctx, session, camera, camera.rtsp_url)
    session.add(camera)
    session.flush()
    if entry.credentials is not None:
        username, password = open_credentials(ctx, entry.serial, entry.credentials)
        camera.credentials = seal_credentials(ctx, camera.id, username, password)
    return camera


def bind_by_qr_payload(
    ctx: AppContext, session: Session, *, user: User, payload: str, name: str | None
) -> Camera:
    """Bind the camera whose label's QR payload this is (`LabelInvalid` when it is none)."""
    identity = parse_label(payload)
    # The address a label carries is the maker's hint, not stored; it still passes the one
    # check, so a crafted label cannot make the service probe a forbidden address.
    if identity.rtsp_url:
        checked_url(ctx, identity.rtsp_url)
    return bind_by_code(
        ctx,
        session,
        user=user,
        serial=identity.serial,
        code=identity.verification_code,
        name=name,
    )


def read_qr_image(data: bytes) -> str:
    """The text of the QR code in a photo or screenshot."""
    if len(data) > MAX_QR_IMAGE_BYTES:
        raise ValidationFailed("The picture is larger than 8 MB.", code="camera.qr_image_too_large")
    import cv2  # imported here: OpenCV and NumPy are slow to load; only QR photos need them
    import numpy as np

    unreadable = ValidationFailed(
        "That file is not a picture we can read.", code="camera.qr_invalid"
    )
    try:
        image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_GRAYSCALE) if data else None
        if image is None or image.size == 0:
            raise unreadable
        text = next(filter(None, (d.detectAndDecode(image)[0] for d in _qr_detectors(cv2))), "")
    except cv2.error as err:
        raise unreadable from err
    if not text:
        raise ValidationFailed(
            "No QR code was found in the picture. Hold the label flat and try again.",
            code="camera.qr_not_found",
        )
    return str(text)


def _qr_detectors(cv2: Any) -> Iterator[Any]:
    """OpenCV's classic detector misses some valid codes (a few percent of ours); the ArUco
    based one is slower but finds them, so it is the second try."""
    yield cv2.QRCodeDetector()
    yield cv2.QRCodeDetectorAruco()


class CameraNotReached(ValidationFailed):
    """The look at a camera's stream found a problem; its code is the problem's code."""

    def __init__(self, problem: str) -> None:
        found = PROBLEMS[problem]
        super().__init__(
            found.message, code=problem, details={"what": found.what, "next_step": found.next_step}
        )


def probe_camera(
    ctx: AppContext,
    *,
    user: User,
    url: str,
    username: str | None,
    password: str | None,
    transport: str = TRANSPORT_AUTO,
) -> ProbeResult:
    """Look at the stream at `url` for a few seconds, as the recorder would connect to it:
    checked by the outbound policy, refused if another account holds it, rate-limited."""
    from hearthwatch.media.probe import probe_stream  # PyAV loads only when a camera is probed

    ctx.login_throttle.hit(f"camera-probe:{user.id}", code="camera.rate_limited")
    address, url_user, url_password = checked_address(ctx, url)
    check_stream_holder(ctx, owner_id=user.id, key=stream_key(ctx, address))
    username, password = username or url_user, password or url_password

    def vet(target: StreamAddress, host: str) -> None:
        check_stream_holder(ctx, owner_id=user.id, key=stream_key_at(ctx, target, host))

    full = with_credentials(address.url, username, password)
    return probe_stream(full, camera_policy(ctx.settings), transport=transport, vet=vet)


def bind_by_url(
    ctx: AppContext,
    session: Session,
    *,
    user: User,
    url: str,
    username: str | None,
    password: str | None,
    name: str,
    transport: str = TRANSPORT_AUTO,
    add_offline: bool = False,
    sub_url: str | None = None,
) -> Camera:
    """Add any RTSP camera by address once a look found it (or its owner adds it offline);
    the credentials are stored encrypted, not in the URL. A sub-stream address (live view
    of H.265 cameras) passes the same checks and is claimed like the main one."""
    address, url_user, url_password = checked_address(ctx, url)
    sub = checked_url(ctx, sub_url) if sub_url else None
    username, password = username or url_user, password or url_password
    found = None
    if not add_offline:
        found = probe_camera(
            ctx, user=user, url=url, username=username, password=password, transport=transport
        )
        if found.problem is not None:
            raise CameraNotReached(found.problem)
    camera = Camera(
        owner_id=user.id,
        serial=None,
        name=name,
        rtsp_url=address.url,
        sub_rtsp_url=sub,
        activated_at=ctx.clock.now(),
        rtsp_transport=transport,
    )
    if found is not None:
        camera.rtsp_transport_used = found.transport if transport == TRANSPORT_AUTO else None
        camera.video_codec, camera.video_width, camera.video_height = (
            found.codec,
            found.width,
            found.height,
        )
    assign_stream(ctx, session, camera, address.url)
    session.add(camera)
    session.flush()
    if username:
        camera.credentials = seal_credentials(ctx, camera.id, username, password or "")
    return camera


def change_connection(
    ctx: AppContext,
    session: Session,
    camera: Camera,
    *,
    url: str | None = None,
    username: str | None = None,
    password: str | None = None,
    transport: str | None = None,
    save_offline: bool = False,
    sub_url: str | None = None,
) -> ProbeResult | None:
    """A new address, credentials and/or transport for a bound camera, checked and looked
    at (`probe_camera`) as when binding, unless its owner saves it offline; its recordings
    stay. A user name left out keeps the stored one, an empty one removes the credentials;
    a password left out or empty keeps the stored one. Everything is checked before
    anything changes. Returns what the look found (None when saved offline). A sub-stream
    address left out keeps the stored one; an empty one removes it."""
    sub = checked_url(ctx, sub_url) if sub_url else sub_url
    address = None
    if url is not None:
        address, url_user, url_password = checked_address(ctx, url)
        username = username if username is not None else url_user
        password = password or url_password
    stored_user, stored_password = (
        open_credentials(ctx, camera.id, camera.credentials) if camera.credentials else ("", "")
    )
    username = stored_user if username is None else username
    if not username and password:
        raise ValidationFailed(
            "Give the user name that goes with the password.", code="camera.username_missing"
        )
    found = None
    if not save_offline:
        new_password = password or stored_password
        found = _look_again(ctx, session, camera, address, username, new_password, transport)
    if address is not None and address.url != camera.rtsp_url:
        _move_stream(ctx, session, camera, address.url)  # refuses another account's stream
    if sub is not None and (sub or None) != camera.sub_rtsp_url:
        _move_sub_stream(ctx, session, camera, sub or None)
    if username != stored_user or (password and password != stored_password):
        camera.credentials = (
            seal_credentials(ctx, camera.id, username, password or stored_password)
            if username
            else None
        )
    if transport is not None and transport != camera.rtsp_transport:
        camera.rtsp_transport, camera.rtsp_transport_used = transport, None
    if found is not None:
        _remember(camera, found)
    return found


def _look_again(
    ctx: AppContext,
    session: Session,
    camera: Camera,
    address: StreamAddress | None,
    username: str,
    password: str,
    transport: str | None,
) -> ProbeResult:
    """The same look as at binding, at the connection as it would be after the change;
    a camera that cannot be reached there is refused (CameraNotReached)."""
    owner = session.get(User, camera.owner_id)
    assert owner is not None
    found = probe_camera(
        ctx,
        user=owner,
        url=address.url if address is not None else camera.rtsp_url,
        username=username or None,
        password=password if username else None,
        transport=transport or camera.rtsp_transport,
    )
    if found.problem is not None:
        raise CameraNotReached(found.problem)
    return found


def _remember(camera: Camera, found: ProbeResult) -> None:
    """What the look found, shown until the recorder reports its own."""
    auto = camera.rtsp_transport == TRANSPORT_AUTO
    camera.rtsp_transport_used = found.transport if auto else None
    camera.video_codec, camera.video_width, camera.video_height = (
        found.codec,
        found.width,
        found.height,
    )


def _move_stream(ctx: AppContext, session: Session, camera: Camera, url: str) -> None:
    """Point the camera at another stream: claimed first (another account's is refused
    before anything changes), then the old one freed; what worked at the old address is
    forgotten."""
    before = camera.stream_key
    assign_stream(ctx, session, camera, url)
    camera.rtsp_url = url
    camera.rtsp_transport_used = None
    session.flush()
    if before != camera.stream_key:
        release_stream(session, owner_id=camera.owner_id, key=before)


def _move_sub_stream(ctx: AppContext, session: Session, camera: Camera, url: str | None) -> None:
    """Point the camera's sub-stream elsewhere (claimed first, as the main one) or drop it."""
    before = camera.sub_stream_key
    camera.sub_stream_key = claimed_stream(ctx, session, camera.owner_id, url) if url else None
    camera.sub_rtsp_url = url
    session.flush()
    if before != camera.sub_stream_key:
        release_stream(session, owner_id=camera.owner_id, key=before)


def stream_url(ctx: AppContext, camera: Camera, *, sub: bool = False) -> str:
    """The address the recorder connects to, with the decrypted credentials."""
    url = (camera.sub_rtsp_url if sub else None) or camera.rtsp_url
    if camera.credentials is None:
        return url
    username, password = open_credentials(ctx, camera.id, camera.credentials)
    return with_credentials(url, username, password)
