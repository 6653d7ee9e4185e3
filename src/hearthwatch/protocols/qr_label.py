"""The QR code on a camera's label: its serial number, verification code and, optionally,
its stream address. Cameras (and the simulator) print it; binding and provisioning read it.

Payload format (version 1), plain ASCII so any scanner reads it:

    HWCAM1;S=<serial>;V=<verification code>[;U=<rtsp url>]

`S` is 8 to 32 characters from A-Z and 0-9; `V` is six capital letters (A-Z); `U` is optional
and lets the service find the camera on the local network: an address `rtsp_url` reads.
Fields are separated by `;`, keys are case-sensitive, unknown keys are ignored so later
versions stay readable. Surrounding whitespace is ignored (scanners add a line end); a
payload longer than `MAX_PAYLOAD_CHARS` is none of ours.

Whatever is wrong with a payload is a `LabelInvalid` (``camera.qr_invalid``) whose `reason`
says what, in words a user can act on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from hearthwatch.errors import ValidationFailed
from hearthwatch.protocols.rtsp_url import RtspUrlInvalid, parse_stream_url

PREFIX = "HWCAM1"
# Anchored both ends for callers that `match`; read here with `fullmatch`, so that a line
# end cannot hide behind `$`.
SERIAL_PATTERN = re.compile(r"^[A-Z0-9]{8,32}$")
CODE_PATTERN = re.compile(r"^[A-Z]{6}$")
# The longest payload of ours: prefix, serial, code and a 512-character address, with room.
MAX_PAYLOAD_CHARS = 1024


class LabelInvalid(ValidationFailed):
    """The text is not a Hearthwatch camera QR payload; `reason` says why."""

    code = "camera.qr_invalid"

    def __init__(self, reason: str) -> None:
        super().__init__(f"That QR code is not a Hearthwatch camera code: {reason}.")
        self.reason = reason


@dataclass(frozen=True)
class CameraLabel:
    """What a camera's label says about it."""

    serial: str
    verification_code: str
    rtsp_url: str | None = None

    def payload(self) -> str:
        """The text its QR code carries."""
        text = f"{PREFIX};S={self.serial};V={self.verification_code}"
        return f"{text};U={self.rtsp_url}" if self.rtsp_url else text


def is_serial(text: str) -> bool:
    """Whether `text` is a serial number as labels write it (8-32 of A-Z, 0-9)."""
    return SERIAL_PATTERN.fullmatch(text) is not None


def is_verification_code(text: str) -> bool:
    """Whether `text` is a verification code as labels write it (six of A-Z)."""
    return CODE_PATTERN.fullmatch(text) is not None


def is_label_payload(line: str) -> bool:
    """Whether `line` claims to be a label payload (it may still be a broken one)."""
    return line.startswith(PREFIX + ";")


def parse_label(text: str) -> CameraLabel:
    """Read a scanned QR payload; raise `LabelInvalid` with the reason when it is not one."""
    if len(text) > MAX_PAYLOAD_CHARS:
        raise LabelInvalid("it is far longer than a camera code")
    parts = text.strip().split(";")
    if parts[0] != PREFIX:
        raise LabelInvalid("not a Hearthwatch camera code")
    fields = dict(part.split("=", 1) for part in parts[1:] if "=" in part)
    serial, code = fields.get("S", ""), fields.get("V", "")
    if not is_serial(serial):
        raise LabelInvalid("the serial number is missing or malformed")
    if not is_verification_code(code):
        raise LabelInvalid("the verification code is missing or malformed")
    url = fields.get("U") or None
    if url is not None:
        _check_address(url)
    return CameraLabel(serial, code, url)


def _check_address(url: str) -> None:
    try:
        parse_stream_url(url)
    except RtspUrlInvalid as err:
        raise LabelInvalid("the stream address is not an RTSP URL") from err
