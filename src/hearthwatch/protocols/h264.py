"""Just enough H.264 bitstream handling: Annex B splitting, NAL types, AVCC conversion, and
the SDP `fmtp` values a camera announces its stream with (RFC 6184).

The camera simulator writes its streams with these; the recorder's own conversion of every
frame is `nal.h264_access_unit`, which the tests hold against `split_annexb` here.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable

NAL_SLICE = 1
NAL_IDR = 5
NAL_SEI = 6
NAL_SPS = 7
NAL_PPS = 8
NAL_AUD = 9

_START_CODE = re.compile(b"\x00\x00\x01")


def split_annexb(data: bytes) -> list[bytes]:
    """The NAL units of an Annex B byte stream (3- or 4-byte start codes), without them."""
    starts = [m.end() for m in _START_CODE.finditer(data)]
    nals = []
    for index, start in enumerate(starts):
        end = starts[index + 1] - 3 if index + 1 < len(starts) else len(data)
        nal = data[start:end].rstrip(b"\x00") if index + 1 < len(starts) else data[start:end]
        if nal:
            nals.append(nal)
    return nals


def nal_type(nal: bytes) -> int:
    """The NAL unit type: the low 5 bits of its 1-byte header."""
    return nal[0] & 0x1F


def annexb(nals: Iterable[bytes]) -> bytes:
    """NAL units behind 4-byte start codes, as a camera sends them."""
    return b"".join(b"\x00\x00\x00\x01" + nal for nal in nals)


def avcc(nals: Iterable[bytes]) -> bytes:
    """Length-prefixed NAL units, as MP4 stores them."""
    return b"".join(len(nal).to_bytes(4, "big") + nal for nal in nals)


def split_avcc(data: bytes) -> list[bytes]:
    """The NAL units of length-prefixed data; a unit cut short is kept as it is."""
    nals, offset = [], 0
    while offset + 4 <= len(data):
        size = int.from_bytes(data[offset : offset + 4], "big")
        nals.append(data[offset + 4 : offset + 4 + size])
        offset += 4 + size
    return nals


def profile_level_id(sps: bytes) -> str:
    """The SDP `profile-level-id`: profile_idc, constraint flags and level_idc as hex."""
    return sps[1:4].hex().upper()


def sprop_parameter_sets(sps: bytes, pps: bytes) -> str:
    """The SDP `sprop-parameter-sets`: SPS and PPS in base64, comma-separated."""
    return ",".join(base64.b64encode(p).decode() for p in (sps, pps))


def is_keyframe(nals: Iterable[bytes]) -> bool:
    """Whether the access unit holds an IDR slice."""
    return any(nal_type(n) == NAL_IDR for n in nals)
