"""Binding a camera to an account: by QR code, by serial and code, or by RTSP address (P5)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from hearthwatch.accounts.models import User
from hearthwatch.camsim.identity import PayloadError, parse_payload
from hearthwatch.context import AppContext
from hearthwatch.devices.models import Camera, RegisteredCamera
from hearthwatch.devices.registry import (
    addresses,
    code_matches,
    open_credentials,
    seal_credentials,
)
from hearthwatch.devices.streams import assign_stream, checked_address, checked_url
from hearthwatch.errors import Conflict, ValidationFailed

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
    try:
        identity = parse_payload(payload)
    except PayloadError as err:
        raise ValidationFailed(
            f"That QR code is not a Hearthwatch camera code: {err}.", code="camera.qr_invalid"
        ) from err
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


def bind_by_url(
    ctx: AppContext,
    session: Session,
    *,
    user: User,
    url: str,
    username: str | None,
    password: str | None,
    name: str,
) -> Camera:
    """Add any RTSP camera by address; the credentials are stored encrypted, not in the URL."""
    address, url_user, url_password = checked_address(ctx, url)
    username, password = username or url_user, password or url_password
    camera = Camera(
        owner_id=user.id,
        serial=None,
        name=name,
        rtsp_url=address.url,
        sub_rtsp_url=None,
        activated_at=ctx.clock.now(),
    )
    assign_stream(ctx, session, camera, address.url)
    session.add(camera)
    session.flush()
    if username:
        camera.credentials = seal_credentials(ctx, camera.id, username, password or "")
    return camera


def stream_url(ctx: AppContext, camera: Camera, *, sub: bool = False) -> str:
    """The address the recorder connects to, with the decrypted credentials."""
    url = (camera.sub_rtsp_url if sub else None) or camera.rtsp_url
    if camera.credentials is None:
        return url
    username, password = open_credentials(ctx, camera.id, camera.credentials)
    parts = urlsplit(url)
    netloc = f"{quote(username, safe='')}:{quote(password, safe='')}@{parts.netloc}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))
