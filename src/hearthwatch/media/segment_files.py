"""Reading stored segments back: each track's timescale, and a segment as a file of its own.

A stored segment's fragments carry absolute decode times (the recorder's wall clock), as
Media Source Extensions want them. A downloaded segment instead starts every track at zero,
so any player shows its real length, and keeps the moment it was recorded as metadata: a
``prft`` box (NTP time) and the movie's creation time. Box sizes do not change.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable

from hearthwatch.media.fmp4 import TIMESCALE, VIDEO_TRACK, full_box, split_init, top_level_boxes

NTP_UNIX_OFFSET_S = 2_208_988_800  # seconds from 1900 (NTP) to 1970
MP4_UNIX_OFFSET_S = 2_082_844_800  # seconds from 1904 (MP4 headers) to 1970


def _children(data: bytes | bytearray, start: int, end: int) -> Iterable[tuple[bytes, int, int]]:
    """(type, start, end) of each box inside [start, end)."""
    offset = start
    while offset + 8 <= end:
        size, kind = struct.unpack_from("!I4s", data, offset)
        if size < 8 or offset + size > end:
            return
        yield bytes(kind), offset, offset + size
        offset += size


def track_timescales(init: bytes) -> dict[int, int]:
    """Each track's timescale by track id, from an init segment (ValueError if malformed)."""
    try:
        moov = next(start for kind, start, _ in top_level_boxes(init) if kind == b"moov")
        return _timescales(init, moov, len(init))
    except (StopIteration, struct.error, IndexError) as err:
        raise ValueError("not an init segment with tracks") from err


def _timescales(moov: bytes | bytearray, start: int, end: int) -> dict[int, int]:
    """Each track's timescale (from its mdhd), by track id (from its tkhd)."""
    found: dict[int, int] = {}
    for kind, trak, trak_end in _children(moov, start + 8, end):
        if kind != b"trak":
            continue
        track = timescale = 0
        for child, at, child_end in _children(moov, trak + 8, trak_end):
            if child == b"tkhd":
                skip = 28 if moov[at + 8] == 1 else 20
                track = struct.unpack_from("!I", moov, at + skip)[0]
            elif child == b"mdia":
                for grand, mdhd, _ in _children(moov, at + 8, child_end):
                    if grand == b"mdhd":
                        skip = 28 if moov[mdhd + 8] == 1 else 20
                        timescale = struct.unpack_from("!I", moov, mdhd + skip)[0]
        if track and timescale:
            found[track] = timescale
    return found


def _decode_times(data: bytes | bytearray) -> list[tuple[int, int, int]]:
    """(track id, tfdt box start, decode time) of every track fragment."""
    found = []
    for kind, moof, moof_end in top_level_boxes(bytes(data)):
        if kind != b"moof":
            continue
        for child, traf, traf_end in _children(data, moof + 8, moof_end):
            if child != b"traf":
                continue
            track, tfdt_at = 0, -1
            for box_kind, at, _ in _children(data, traf + 8, traf_end):
                if box_kind == b"tfhd":
                    track = struct.unpack_from("!I", data, at + 12)[0]
                elif box_kind == b"tfdt":
                    tfdt_at = at
            if track and tfdt_at >= 0:
                wide = data[tfdt_at + 8] == 1
                value = struct.unpack_from("!Q" if wide else "!I", data, tfdt_at + 12)[0]
                found.append((track, tfdt_at, value))
    return found


def standalone(segment: bytes) -> bytes:
    """A stored segment as a file of its own: every track starts at zero, and the wall-clock
    moment it starts at is kept as metadata (a ``prft`` box mapping track 1's zero to that
    moment in NTP time, and the movie header's creation time).

    Stored segments carry absolute decode times (``tfdt``) so Media Source Extensions can
    place them on the timeline; a player given one segment alone would otherwise report a
    duration of some 1.8e9 seconds. Box sizes do not change: sample data offsets, relative
    to each ``moof``, stay right."""
    init, _ = split_init(segment)
    moov_at = next(start for kind, start, _ in top_level_boxes(init) if kind == b"moov")
    scales = _timescales(init, moov_at, len(init))
    times = _decode_times(segment)
    if not times or not scales:
        raise ValueError("not a fragmented MP4 segment of ours")
    # The earliest track start is the file's zero (audio may open a little before video).
    zero_s = min(value / scales.get(track, TIMESCALE) for track, _, value in times)
    out = bytearray(segment)
    for track, at, value in times:
        shifted = max(0, value - round(zero_s * scales.get(track, TIMESCALE)))
        if out[at + 8] == 1:
            struct.pack_into("!Q", out, at + 12, shifted)
        else:
            struct.pack_into("!I", out, at + 12, shifted)
    _set_creation_time(out, moov_at, int(zero_s))
    prft = full_box(b"prft", 1, 0, struct.pack("!IQQ", VIDEO_TRACK, _ntp(zero_s), 0))
    return bytes(out[: len(init)]) + prft + bytes(out[len(init) :])


def _ntp(unix_s: float) -> int:
    """NTP 32.32 fixed-point time of a Unix time."""
    return int((unix_s + NTP_UNIX_OFFSET_S) * (1 << 32)) & 0xFFFF_FFFF_FFFF_FFFF


def _set_creation_time(data: bytearray, moov_at: int, unix_s: int) -> None:
    for kind, at, _ in _children(
        data, moov_at + 8, moov_at + struct.unpack_from("!I", data, moov_at)[0]
    ):
        if kind == b"mvhd" and data[at + 8] == 0:
            moment = (unix_s + MP4_UNIX_OFFSET_S) & 0xFFFF_FFFF
            struct.pack_into("!II", data, at + 12, moment, moment)
