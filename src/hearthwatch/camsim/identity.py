"""Who a camera is: serial number, verification code, and the QR code that carries both.

QR payload format (version 1), plain ASCII so any scanner reads it:

    HWCAM1;S=<serial>;V=<verification code>[;U=<rtsp url>]

`S` is 8 to 32 characters from A-Z and 0-9; `V` is six capital letters (A-Z); `U` is optional
and lets the service find the camera on the local network. Fields are separated by `;`,
keys are case-sensitive, unknown keys are ignored so later versions stay readable.
"""

from __future__ import annotations

import io
import re
import secrets
import string
from dataclasses import dataclass
from typing import Protocol

import segno

PREFIX = "HWCAM1"
SERIAL_PATTERN = re.compile(r"^[A-Z0-9]{8,32}$")
CODE_PATTERN = re.compile(r"^[A-Z]{6}$")


class PayloadError(ValueError):
    """The text is not a Hearthwatch camera QR payload."""


@dataclass(frozen=True)
class CameraIdentity:
    serial: str
    verification_code: str
    rtsp_url: str | None = None

    def payload(self) -> str:
        text = f"{PREFIX};S={self.serial};V={self.verification_code}"
        return f"{text};U={self.rtsp_url}" if self.rtsp_url else text

    def qr_png(self, scale: int = 6) -> bytes:
        out = io.BytesIO()
        segno.make(self.payload(), error="m").save(out, kind="png", scale=scale, border=4)
        return out.getvalue()

    def qr_terminal(self) -> str:
        out = io.StringIO()
        segno.make(self.payload(), error="m").terminal(out=out, compact=True)
        return out.getvalue()


SERIAL_ALPHABET = string.digits + "ABCDEFGHJKLMNPQRSTUVWXYZ"  # no I or O: read aloud safely


class _Chooser(Protocol):
    def choice(self, seq: str) -> str: ...


def new_identity(
    prefix: str = "HWC", rtsp_url: str | None = None, *, rng: _Chooser | None = None
) -> CameraIdentity:
    """A fresh serial and verification code; pass a seeded `random.Random` to repeat them."""
    chooser: _Chooser = rng or secrets.SystemRandom()
    serial = prefix + "".join(chooser.choice(SERIAL_ALPHABET) for _ in range(9))
    code = "".join(chooser.choice(string.ascii_uppercase) for _ in range(6))
    return CameraIdentity(serial, code, rtsp_url)


def parse_payload(text: str) -> CameraIdentity:
    """Read a scanned QR payload; raise `PayloadError` with the reason when it is not one."""
    parts = text.strip().split(";")
    if parts[0] != PREFIX:
        raise PayloadError("not a Hearthwatch camera code")
    fields = dict(part.split("=", 1) for part in parts[1:] if "=" in part)
    serial, code = fields.get("S", ""), fields.get("V", "")
    if not SERIAL_PATTERN.match(serial):
        raise PayloadError("the serial number is missing or malformed")
    if not CODE_PATTERN.match(code):
        raise PayloadError("the verification code is missing or malformed")
    url = fields.get("U") or None
    if url is not None and not url.startswith(("rtsp://", "rtsps://")):
        raise PayloadError("the stream address is not an RTSP URL")
    return CameraIdentity(serial, code, url)
