"""The registry of cameras the service knows (as a maker's cloud knows its devices).

A camera enters it with its serial, verification code and stream address; binding by QR
code or by serial and code checks the code against a keyed hash stored here (P5).
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from sqlalchemy.orm import Session

from hearthwatch.context import AppContext
from hearthwatch.devices.models import RegisteredCamera
from hearthwatch.devices.streams import checked_url

CODE_PURPOSE = "camera-verification-code"
CREDENTIALS_PURPOSE = "camera-credentials"
ADDRESS_PURPOSE = "camera-registry-address"
SEALED_PREFIX = "sealed:v1:"


def code_hash(ctx: AppContext, serial: str, code: str) -> str:
    key = ctx.keyring.derive(CODE_PURPOSE)
    return hmac.new(key, f"{serial}:{code.upper()}".encode(), hashlib.sha256).hexdigest()


def code_matches(ctx: AppContext, entry: RegisteredCamera, code: str) -> bool:
    return hmac.compare_digest(entry.code_hash, code_hash(ctx, entry.serial, code))


def seal_credentials(ctx: AppContext, serial_or_id: str, username: str, password: str) -> bytes:
    """Camera passwords are stored encrypted, bound to the camera they belong to."""
    plain = f"{username}\n{password}".encode()
    return ctx.keyring.seal(plain, purpose=CREDENTIALS_PURPOSE, context=serial_or_id)


def open_credentials(ctx: AppContext, serial_or_id: str, sealed: bytes) -> tuple[str, str]:
    plain = ctx.keyring.open(sealed, purpose=CREDENTIALS_PURPOSE, context=serial_or_id)
    username, _, password = plain.decode().partition("\n")
    return username, password


def seal_address(ctx: AppContext, serial: str, url: str) -> str:
    """A provisioning address as stored: sealed, bound to its serial. It becomes the address
    of the camera once bound, so a copy of the database must not show it in the clear."""
    sealed = ctx.keyring.seal(url.encode(), purpose=ADDRESS_PURPOSE, context=serial)
    return SEALED_PREFIX + base64.urlsafe_b64encode(sealed).decode()


def open_address(ctx: AppContext, serial: str, stored: str) -> str:
    """The address kept by `seal_address` (one stored before sealing reads as it is)."""
    if not stored.startswith(SEALED_PREFIX):
        return stored
    sealed = base64.urlsafe_b64decode(stored[len(SEALED_PREFIX) :])
    return ctx.keyring.open(sealed, purpose=ADDRESS_PURPOSE, context=serial).decode()


def addresses(ctx: AppContext, entry: RegisteredCamera) -> tuple[str, str | None]:
    """The registered camera's main and sub-stream addresses, opened."""
    sub = entry.sub_rtsp_url
    return (
        open_address(ctx, entry.serial, entry.rtsp_url),
        open_address(ctx, entry.serial, sub) if sub else None,
    )


def register_camera(
    ctx: AppContext,
    session: Session,
    *,
    serial: str,
    code: str,
    rtsp_url: str,
    sub_rtsp_url: str | None = None,
    username: str | None = None,
    password: str | None = None,
    model: str | None = None,
    firmware_version: str | None = None,
) -> RegisteredCamera:
    """Add or update a known camera (maker provisioning, the simulator, the demo)."""
    entry = session.get(RegisteredCamera, serial) or RegisteredCamera(serial=serial)
    entry.code_hash = code_hash(ctx, serial, code)
    entry.rtsp_url = seal_address(ctx, serial, checked_url(ctx, rtsp_url))
    entry.sub_rtsp_url = (
        seal_address(ctx, serial, checked_url(ctx, sub_rtsp_url)) if sub_rtsp_url else None
    )
    entry.credentials = (
        seal_credentials(ctx, serial, username, password) if username and password else None
    )
    entry.model, entry.firmware_version = model, firmware_version
    entry.registered_at = ctx.clock.now()
    session.add(entry)
    return entry
