"""Annex B to AVCC, the conversion every recorded H.264 frame goes through (protocols/nal.py),
against an independent reading of the same bytes (the simulator's `split_annexb`, NAL by
NAL), on every start-code layout and on real encoder output."""

from __future__ import annotations

import pytest

from hearthwatch.camsim.scene import SceneSpec, load_clip
from hearthwatch.protocols.h264 import (
    NAL_AUD,
    NAL_PPS,
    NAL_SPS,
    annexb,
    avcc,
    split_annexb,
)
from hearthwatch.protocols.nal import h264_access_unit

AUD = bytes([0x09, 0xF0])
SPS = bytes([0x67, 0x64, 0x00, 0x1F, 0xAC])
PPS = bytes([0x68, 0xEE, 0x3C, 0x80])
SEI = bytes([0x06, 0x05, 0x01, 0x80])
IDR = bytes([0x65, 0x88, 0x84, 0x00, 0x03, 0x00, 0x21, 0xFF])
SLICE = bytes([0x41, 0x9A, 0x00, 0x00, 0x03, 0x01, 0x02, 0x80])


def reference(data: bytes) -> tuple[bytes, bytes | None, bytes | None]:
    nals = split_annexb(data)
    kept = [nal for nal in nals if nal[0] & 0x1F not in (NAL_SPS, NAL_PPS, NAL_AUD)]
    sps = [nal for nal in nals if nal[0] & 0x1F == NAL_SPS]
    pps = [nal for nal in nals if nal[0] & 0x1F == NAL_PPS]
    return avcc(kept), sps[-1] if sps else None, pps[-1] if pps else None


@pytest.mark.parametrize(
    "data",
    [
        annexb([AUD, SPS, PPS, SEI, IDR]),  # 4-byte start codes, a keyframe
        b"\x00\x00\x01" + SLICE,  # one 3-byte start code
        b"\x00\x00\x01" + SEI + b"\x00\x00\x00\x01" + SLICE + b"\x00\x00\x01" + SLICE,
        annexb([SEI, SLICE]) + b"\x00\x00",  # trailing zeros stay with the last unit
        b"\x00\x00\x01" + SEI + b"\x00\x00\x00\x00\x00\x01" + SLICE,  # zero padding between
        b"junk" + annexb([SLICE]),  # bytes before the first start code are not a unit
        b"\x00\x00\x01\x00\x00\x01" + SLICE,  # an empty unit
        SLICE,  # no start code at all: nothing
        b"",
    ],
)
def test_h264_access_unit_reads_every_layout(data: bytes) -> None:
    assert h264_access_unit(data) == reference(data)


def test_h264_access_unit_on_encoded_frames() -> None:
    """Real encoder output: SEI, two slices per frame, parameter sets on keyframes."""
    clip = load_clip(SceneSpec(width=320, height=180, seconds=2, bitrate_kbps=300, motion=()))
    for frame in clip.frames:
        data = annexb([AUD, *frame.nals])
        sample, sps, pps = h264_access_unit(data)
        assert (sample, sps, pps) == reference(data)
        assert sample == avcc([n for n in frame.nals if n[0] & 0x1F not in (NAL_SPS, NAL_PPS)])
        assert (sps, pps) == ((clip.sps, clip.pps) if frame.keyframe else (None, None))
