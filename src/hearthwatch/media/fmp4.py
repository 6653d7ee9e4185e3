"""A fragmented-MP4 writer for one H.264 track, without re-encoding.

Recorded segments and live fragments are ISO BMFF: an init segment (``ftyp`` + ``moov``
holding the avcC decoder configuration) and media fragments (``moof`` + ``mdat``). Each
fragment carries its absolute decode time (``tfdt``, 90 kHz), so segments recorded hours
apart play on one timeline and Media Source Extensions can append them in any order.
Samples are AVCC (length-prefixed NAL units); there are no B-frames (cameras here send
none), so presentation time equals decode time and no composition offsets are written.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Sequence
from typing import NamedTuple

TIMESCALE = 90_000
SYNC_FLAGS = 0x02000000
NON_SYNC_FLAGS = 0x01010000
HIGH_PROFILES = frozenset({100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134})


class Sample(NamedTuple):
    """One access unit. A named tuple, not a dataclass: one is made per recorded frame, and
    building a frozen dataclass costs several times as much."""

    data: bytes  # AVCC (or HVCC for H.265; raw frames for audio)
    duration: int  # in the track's timescale (TIMESCALE for video)
    keyframe: bool
    offset: int = 0  # composition time offset, presentation minus decode time (B-frames)


def box(kind: bytes, *payload: bytes) -> bytes:
    body = b"".join(payload)
    return struct.pack("!I", 8 + len(body)) + kind + body


def full_box(kind: bytes, version: int, flags: int, *payload: bytes) -> bytes:
    return box(kind, struct.pack("!I", (version << 24) | flags), *payload)


def init_segment(sps: bytes, pps: bytes, width: int, height: int) -> bytes:
    """``ftyp`` + ``moov`` for one H.264 video track."""
    ftyp = box(b"ftyp", b"isom", struct.pack("!I", 0x200), b"isomiso5iso6avc1mp41")
    return ftyp + box(b"moov", _mvhd(), _trak(sps, pps, width, height), _mvex())


def fragment(sequence: int, decode_time: int, samples: Sequence[Sample]) -> bytes:
    """``moof`` + ``mdat`` holding `samples`, starting at `decode_time` (TIMESCALE units)."""
    return b"".join(fragment_parts(sequence, decode_time, samples))


def fragment_parts(sequence: int, decode_time: int, samples: Sequence[Sample]) -> list[bytes]:
    """`fragment` as pieces to join once: the sample data (a recorded segment is about a
    megabyte) is then copied a single time instead of once per enclosing box."""
    tfhd = full_box(b"tfhd", 0, 0x020000, struct.pack("!I", 1))
    tfdt = full_box(b"tfdt", 1, 0, struct.pack("!Q", decode_time))
    entries = b"".join(
        struct.pack("!III", s.duration, len(s.data), SYNC_FLAGS if s.keyframe else NON_SYNC_FLAGS)
        for s in samples
    )
    trun_size = 12 + 8 + len(entries)
    moof_size = 8 + 16 + 8 + len(tfhd) + len(tfdt) + trun_size
    trun = full_box(b"trun", 0, 0x000701, struct.pack("!Ii", len(samples), moof_size + 8), entries)
    moof = box(
        b"moof",
        full_box(b"mfhd", 0, 0, struct.pack("!I", sequence)),
        box(b"traf", tfhd, tfdt, trun),
    )
    mdat_size = 8 + sum(len(s.data) for s in samples)
    return [moof, struct.pack("!I", mdat_size), b"mdat", *(s.data for s in samples)]


def _mvhd() -> bytes:
    return full_box(
        b"mvhd",
        0,
        0,
        struct.pack("!IIII", 0, 0, 1000, 0),
        struct.pack("!IH", 0x00010000, 0x0100),
        bytes(10),
        _MATRIX,
        bytes(24),
        struct.pack("!I", 2),
    )


_MATRIX = struct.pack("!9I", 0x00010000, 0, 0, 0, 0x00010000, 0, 0, 0, 0x40000000)


def _trak(sps: bytes, pps: bytes, width: int, height: int) -> bytes:
    tkhd = full_box(
        b"tkhd",
        0,
        3,
        struct.pack("!IIIII", 0, 0, 1, 0, 0),
        bytes(8),
        struct.pack("!hhhH", 0, 0, 0, 0),
        _MATRIX,
        struct.pack("!II", width << 16, height << 16),
    )
    mdhd = full_box(b"mdhd", 0, 0, struct.pack("!IIIIHH", 0, 0, TIMESCALE, 0, 0x55C4, 0))
    hdlr = full_box(b"hdlr", 0, 0, bytes(4), b"vide", bytes(12), b"Hearthwatch video\x00")
    dinf = box(b"dinf", full_box(b"dref", 0, 0, struct.pack("!I", 1), full_box(b"url ", 0, 1)))
    stbl = box(
        b"stbl",
        full_box(b"stsd", 0, 0, struct.pack("!I", 1), _avc1(sps, pps, width, height)),
        full_box(b"stts", 0, 0, struct.pack("!I", 0)),
        full_box(b"stsc", 0, 0, struct.pack("!I", 0)),
        full_box(b"stsz", 0, 0, struct.pack("!II", 0, 0)),
        full_box(b"stco", 0, 0, struct.pack("!I", 0)),
    )
    minf = box(b"minf", full_box(b"vmhd", 0, 1, bytes(8)), dinf, stbl)
    return box(b"trak", tkhd, box(b"mdia", mdhd, hdlr, minf))


def _avc1(sps: bytes, pps: bytes, width: int, height: int) -> bytes:
    return box(
        b"avc1",
        bytes(6),
        struct.pack("!H", 1),
        bytes(16),
        struct.pack("!HH", width, height),
        struct.pack("!IIIH", 0x00480000, 0x00480000, 0, 1),
        bytes(32),
        struct.pack("!Hh", 0x0018, -1),
        avcc_box(sps, pps),
    )


def avcc_box(sps: bytes, pps: bytes) -> bytes:
    """The avcC decoder configuration record (ISO/IEC 14496-15)."""
    record = bytes([1, sps[1], sps[2], sps[3], 0xFF, 0xE1]) + struct.pack("!H", len(sps)) + sps
    record += bytes([1]) + struct.pack("!H", len(pps)) + pps
    if sps[1] in HIGH_PROFILES:
        record += bytes([0xFC | 1, 0xF8, 0xF8, 0])  # 4:2:0, 8-bit luma and chroma, no ext
    return box(b"avcC", record)


def _mvex() -> bytes:
    return box(b"mvex", full_box(b"trex", 0, 0, struct.pack("!IIIII", 1, 1, 0, 0, 0)))


def top_level_boxes(data: bytes) -> Iterable[tuple[bytes, int, int]]:
    """(type, start, end) of each top-level box, for splitting init from media."""
    offset = 0
    while offset + 8 <= len(data):
        size, kind = struct.unpack_from("!I4s", data, offset)
        if size < 8:
            break
        yield kind, offset, offset + size
        offset += size


def split_init(data: bytes) -> tuple[bytes, bytes]:
    """(init segment, media fragments) of a stored segment."""
    for kind, _start, end in top_level_boxes(data):
        if kind == b"moov":
            return data[:end], data[end:]
    raise ValueError("no moov box: not a fragmented MP4 segment")
