"""Who a simulated camera is: a fresh serial number and verification code, and its label's
QR code drawn as a picture or as text.

The label's payload format is the product's (protocols/qr_label.py): the simulator prints
exactly what binding reads. (A `CameraIdentity` is a `CameraLabel` that can draw itself;
dataclass equality tells the two classes apart, so compare fields across them.)
"""

from __future__ import annotations

import io
import secrets
import string
from dataclasses import dataclass
from typing import Protocol

import segno

from hearthwatch.protocols.qr_label import CameraLabel


@dataclass(frozen=True)
class CameraIdentity(CameraLabel):
    """A simulated camera's label, which it can draw as a QR code."""

    def qr_png(self, scale: int = 6) -> bytes:
        """The label's QR code as a PNG picture."""
        out = io.BytesIO()
        segno.make(self.payload(), error="m").save(out, kind="png", scale=scale, border=4)
        return out.getvalue()

    def qr_terminal(self) -> str:
        """The label's QR code drawn in block characters, for a terminal."""
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
