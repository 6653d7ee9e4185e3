"""Simulated camera identities: QR codes that scan back to the label's payload, and fresh
identities the product's label parser reads (the format itself: tests/protocols)."""

from __future__ import annotations

import random

import cv2
import numpy as np
import pytest

from hearthwatch.camsim.identity import CameraIdentity, new_identity
from hearthwatch.protocols.qr_label import CameraLabel, parse_label

SERIAL, CODE = "HWC4K7P2M9QX", "QWERTY"


@pytest.mark.parametrize("url", [None, "rtsp://192.0.2.10:8554/HWC4K7P2M9QX/main"])
def test_qr_png_decodes_back_to_the_payload(url: str | None) -> None:
    identity = CameraIdentity(SERIAL, CODE, url)
    picture = cv2.imdecode(np.frombuffer(identity.qr_png(), np.uint8), cv2.IMREAD_GRAYSCALE)
    text, _, _ = cv2.QRCodeDetector().detectAndDecode(picture)
    assert text == identity.payload()
    assert parse_label(text) == CameraLabel(SERIAL, CODE, url)


def test_terminal_qr_is_printable_text() -> None:
    text = CameraIdentity(SERIAL, CODE).qr_terminal()
    assert len(text.splitlines()) > 10


def test_new_identities_are_valid_and_repeat_with_a_seeded_generator() -> None:
    identity = new_identity()
    read = parse_label(identity.payload())
    assert (read.serial, read.verification_code) == (identity.serial, identity.verification_code)
    first = new_identity(rng=random.Random(3))
    assert first == new_identity(rng=random.Random(3))
    assert first != new_identity(rng=random.Random(4))
