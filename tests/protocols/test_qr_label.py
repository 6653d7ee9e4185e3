"""The label's QR payload: what a camera prints and binding reads, checked in one place with
one stable code (`camera.qr_invalid`) and a reason a user can act on."""

from __future__ import annotations

import pytest

from hearthwatch.errors import ValidationFailed
from hearthwatch.protocols.qr_label import (
    MAX_PAYLOAD_CHARS,
    CameraLabel,
    LabelInvalid,
    is_label_payload,
    is_serial,
    is_verification_code,
    parse_label,
)

SERIAL, CODE = "HWC4K7P2M9QX", "QWERTY"
URL = "rtsp://192.0.2.10:8554/HWC4K7P2M9QX/main"
LABEL = f"HWCAM1;S={SERIAL};V={CODE}"
NOT_RTSP = "the stream address is not an RTSP URL"


@pytest.mark.parametrize("url", [None, URL, "rtsps://admin:p%40ss@cam.example/main"])
def test_a_label_reads_back_what_it_was_written_with(url: str | None) -> None:
    label = CameraLabel(SERIAL, CODE, url)
    assert parse_label(label.payload()) == label


@pytest.mark.parametrize(
    "text",
    [
        f"HWCAM1;S={SERIAL};V={CODE};X=later\n",  # unknown keys: a later version
        f"  HWCAM1;S={SERIAL};V={CODE}\r\n",  # what scanners add around it
        f"HWCAM1;V={CODE};S={SERIAL};U=",  # any order; an empty address is none
        f"HWCAM1;S={SERIAL};;V={CODE};novalue",
    ],
)
def test_tolerated_variations_still_read(text: str) -> None:
    assert parse_label(text) == CameraLabel(SERIAL, CODE)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "not a Hearthwatch camera code"),
        ("HWCAM2;S=HWC4K7P2M9QX;V=QWERTY", "not a Hearthwatch camera code"),
        ("hwcam1;S=HWC4K7P2M9QX;V=QWERTY", "not a Hearthwatch camera code"),
        ("https://example.org/HWCAM1;S=HWC4K7P2M9QX;V=QWERTY", "not a Hearthwatch camera code"),
        ("\x00HWCAM1;S=HWC4K7P2M9QX;V=QWERTY", "not a Hearthwatch camera code"),
        ("HWCAM1;V=QWERTY", "the serial number is missing or malformed"),
        ("HWCAM1;S=short;V=QWERTY", "the serial number is missing or malformed"),
        ("HWCAM1;S=hwc4k7p2m9qx;V=QWERTY", "the serial number is missing or malformed"),
        ("HWCAM1;S=" + "A" * 33 + ";V=QWERTY", "the serial number is missing or malformed"),
        ("HWCAM1;S=HWC4K7P2M9QX\n;V=QWERTY", "the serial number is missing or malformed"),
        ("HWCAM1;S=HWC4K7P2M9QX\x00;V=QWERTY", "the serial number is missing or malformed"),
        ("HWCAM1;S=\uff28\uff37\uff234K7P2M9QX;V=QWERTY",  # fullwidth
         "the serial number is missing or malformed"),
        ("HWCAM1;S=HWC4K7P2M9QX", "the verification code is missing or malformed"),
        ("HWCAM1;S=HWC4K7P2M9QX;V=QWERT", "the verification code is missing or malformed"),
        ("HWCAM1;S=HWC4K7P2M9QX;V=qwerty", "the verification code is missing or malformed"),
        ("HWCAM1;S=HWC4K7P2M9QX;V=QWERT1", "the verification code is missing or malformed"),
        ("HWCAM1;S=HWC4K7P2M9QX;V=QWERTЎ", "the verification code is missing or malformed"),
        (LABEL + ";U=http://camera/main", NOT_RTSP),
        (LABEL + ";U=file:///etc/passwd", NOT_RTSP),
        (LABEL + ";U=rtsp://[::1", NOT_RTSP),
        (LABEL + ";U=rtsp://cam:0/x", NOT_RTSP),
        (LABEL + ";U=rtsp://cam/\x00", NOT_RTSP),
        (LABEL + ";X=" + "a" * MAX_PAYLOAD_CHARS, "it is far longer than a camera code"),
    ],
)  # fmt: skip
def test_hostile_payloads_get_the_stable_code_and_a_reason(text: str, reason: str) -> None:
    with pytest.raises(LabelInvalid) as refused:
        parse_label(text)
    error = refused.value
    assert isinstance(error, ValidationFailed)
    assert (error.code, error.status, error.reason) == ("camera.qr_invalid", 422, reason)
    assert error.message == f"That QR code is not a Hearthwatch camera code: {reason}."


def test_fields_are_checked_whole() -> None:
    assert is_serial(SERIAL) and is_verification_code(CODE)
    assert not is_serial(SERIAL + "\n") and not is_verification_code(CODE + "\n")
    assert not is_serial("") and not is_verification_code("QWERTYU")


def test_a_payload_line_is_told_by_its_prefix() -> None:
    assert is_label_payload(CameraLabel(SERIAL, CODE).payload())
    assert not is_label_payload("HWCAM1") and not is_label_payload("serial,code")
