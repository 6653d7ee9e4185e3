"""H.264 framing as the simulator writes it and the product reads it: Annex B and length
prefixes in and out, and the SDP values a camera announces its stream with."""

from __future__ import annotations

import base64

import pytest

from hearthwatch.protocols.h264 import (
    NAL_IDR,
    NAL_SLICE,
    NAL_SPS,
    annexb,
    avcc,
    is_keyframe,
    nal_type,
    profile_level_id,
    split_annexb,
    split_avcc,
    sprop_parameter_sets,
)
from hearthwatch.protocols.nal import h264_access_unit

SPS = bytes([0x67, 0x64, 0x00, 0x1F, 0xAC])
PPS = bytes([0x68, 0xEE, 0x3C, 0x80])
IDR = bytes([0x65, 0x88, 0x84, 0x00, 0x00])  # ends in zeros: only a following start code trims
SLICE = bytes([0x41, 0x9A, 0x02])


@pytest.mark.parametrize("nals", [[SPS, PPS, IDR], [SLICE], [SPS, SLICE, SLICE]])
def test_annexb_and_avcc_read_back_what_they_wrote(nals: list[bytes]) -> None:
    assert split_annexb(annexb(nals)) == nals
    assert split_avcc(avcc(nals)) == nals


@pytest.mark.parametrize(
    ("data", "nals"),
    [
        (b"", []),
        (b"no start code at all", []),
        (b"junk\x00\x00\x01" + SLICE, [SLICE]),  # what comes before the first start code
        (b"\x00\x00\x01\x00\x00\x01" + SLICE, [SLICE]),  # an empty unit
        (b"\x00\x00\x01" + IDR + b"\x00\x00\x01" + SLICE, [IDR.rstrip(b"\x00"), SLICE]),
    ],
)
def test_odd_byte_streams_split_without_error(data: bytes, nals: list[bytes]) -> None:
    assert split_annexb(data) == nals


def test_a_length_that_runs_past_the_end_keeps_what_is_there() -> None:
    assert split_avcc((100).to_bytes(4, "big") + SLICE + b"\x00") == [SLICE + b"\x00"]


def test_nal_types_and_keyframes() -> None:
    assert [nal_type(n) for n in (SPS, IDR, SLICE)] == [NAL_SPS, NAL_IDR, NAL_SLICE]
    assert is_keyframe([SPS, PPS, IDR]) and not is_keyframe([SLICE])


def test_sdp_values_of_the_parameter_sets() -> None:
    assert profile_level_id(SPS) == "64001F"
    first, second = sprop_parameter_sets(SPS, PPS).split(",")
    assert (base64.b64decode(first), base64.b64decode(second)) == (SPS, PPS)


def test_the_recorders_conversion_agrees_with_the_simulators_reading() -> None:
    sample, sps, pps = h264_access_unit(annexb([SPS, PPS, IDR]))
    assert (sample, sps, pps) == (avcc([IDR]), SPS, PPS)
