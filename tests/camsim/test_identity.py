"""Camera identities: QR codes that scan back to the payload, and payloads that are checked."""

from __future__ import annotations

import random

import cv2
import numpy as np
import pytest

from hearthwatch.camsim.identity import CameraIdentity, PayloadError, new_identity, parse_payload

SERIAL, CODE = "HWC4K7P2M9QX", "QWERTY"


@pytest.mark.parametrize("url", [None, "rtsp://192.0.2.10:8554/HWC4K7P2M9QX/main"])
def test_qr_png_decodes_back_to_the_payload(url: str | None) -> None:
    identity = CameraIdentity(SERIAL, CODE, url)
    picture = cv2.imdecode(np.frombuffer(identity.qr_png(), np.uint8), cv2.IMREAD_GRAYSCALE)
    text, _, _ = cv2.QRCodeDetector().detectAndDecode(picture)
    assert text == identity.payload()
    assert parse_payload(text) == identity


def test_terminal_qr_is_printable_text() -> None:
    text = CameraIdentity(SERIAL, CODE).qr_terminal()
    assert len(text.splitlines()) > 10


def test_payload_with_unknown_fields_still_reads() -> None:
    assert parse_payload(f"HWCAM1;S={SERIAL};V={CODE};X=later\n") == CameraIdentity(SERIAL, CODE)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "HWCAM2;S=HWC4K7P2M9QX;V=QWERTY",
        "hwcam1;S=HWC4K7P2M9QX;V=QWERTY",
        "HWCAM1;V=QWERTY",
        "HWCAM1;S=short;V=QWERTY",
        "HWCAM1;S=hwc4k7p2m9qx;V=QWERTY",
        "HWCAM1;S=" + "A" * 33 + ";V=QWERTY",
        "HWCAM1;S=HWC4K7P2M9QX",
        "HWCAM1;S=HWC4K7P2M9QX;V=QWERT",
        "HWCAM1;S=HWC4K7P2M9QX;V=qwerty",
        "HWCAM1;S=HWC4K7P2M9QX;V=QWERT1",
        "HWCAM1;S=HWC4K7P2M9QX;V=QWERTY;U=http://camera/main",
        "https://example.org/HWCAM1;S=HWC4K7P2M9QX;V=QWERTY",
    ],
)
def test_malformed_payloads_are_rejected(text: str) -> None:
    with pytest.raises(PayloadError):
        parse_payload(text)


def test_new_identities_are_valid_and_repeat_with_a_seeded_generator() -> None:
    identity = new_identity()
    assert parse_payload(identity.payload()) == identity
    first = new_identity(rng=random.Random(3))
    assert first == new_identity(rng=random.Random(3))
    assert first != new_identity(rng=random.Random(4))
