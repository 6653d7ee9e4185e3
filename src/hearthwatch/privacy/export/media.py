"""Recordings in an export: sealed segments joined into playable MP4 files, and back.

A stored segment is an fMP4 init segment (``ftyp`` + ``moov``) followed by media fragments
(``moof`` + ``mdat``) whose decode times (``tfdt``) are absolute: microseconds since 1970 on
a 90 kHz clock. Back-to-back segments with the same init segment are joined into one file:
the init segment once, then every segment's fragments, by byte copy (no transcoding). Each
file's decode times are shifted to start at zero, so a player shows a clip of its real length
rather than one that starts 56 years in; the shift (`decode_time_base`) and each segment's
fragment length are kept in `data.json`, so an import cuts the file back into exactly the
segments that were recorded, byte for byte.
"""

from __future__ import annotations

import contextlib
import struct
import threading
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from queue import Empty, Queue

from hearthwatch.media.fmp4 import TIMESCALE, split_init, top_level_boxes
from hearthwatch.media.models import Segment
from hearthwatch.media.segment_files import track_timescales

GAP_TOLERANCE_US = 1_500_000


class BadFragment(ValueError):
    """The bytes are not the moof/mdat fragments of a recorded segment."""


def _children(data: bytes | bytearray, start: int, end: int) -> Iterator[tuple[bytes, int, int]]:
    offset = start
    while offset + 8 <= end:
        size, kind = struct.unpack_from("!I4s", data, offset)
        if size < 8 or offset + size > end:
            raise BadFragment("a box runs past its parent")
        yield kind, offset, offset + size
        offset += size
    if offset != end:
        raise BadFragment("trailing bytes after the last box")


def _tfdt_boxes(media: bytes | bytearray) -> Iterator[int]:
    """Offsets of every ``tfdt`` box (moof → traf → tfdt), checking the box structure."""
    for offset, _track in _tracked_tfdt_boxes(media):
        yield offset


def _tracked_tfdt_boxes(media: bytes | bytearray) -> Iterator[tuple[int, int]]:
    """(offset, track id) of every ``tfdt`` box; the track id from its traf's tfhd."""
    moofs = 0
    for kind, start, end in _children(media, 0, len(media)):
        if kind not in (b"moof", b"mdat", b"styp", b"sidx", b"free"):
            raise BadFragment(f"unexpected {kind!r} box among the fragments")
        if kind != b"moof":
            continue
        moofs += 1
        for t_kind, t_start, t_end in _children(media, start + 8, end):
            if t_kind == b"traf":
                yield from _tfdt_in(media, t_start + 8, t_end)
    if not moofs:
        raise BadFragment("no moof box")


def _tfdt_in(media: bytes | bytearray, start: int, end: int) -> Iterator[tuple[int, int]]:
    track = 1
    for kind, b_start, b_end in _children(media, start, end):
        if kind == b"tfhd" and b_end - b_start >= 16:
            track = struct.unpack_from("!I", media, b_start + 12)[0]
        if kind == b"tfdt":
            if b_end - b_start < 16 or (media[b_start + 8] == 1 and b_end - b_start < 20):
                raise BadFragment("a tfdt box too short for its decode time")
            yield b_start, track


def _tfdt_format(media: bytes | bytearray, offset: int) -> str:
    return "!Q" if media[offset + 8] == 1 else "!I"


def timescales_of(init: bytes) -> dict[int, int]:
    """Each track's timescale (video 90 kHz, audio its sample rate), by track id."""
    try:
        return track_timescales(init)
    except ValueError as err:
        raise BadFragment(str(err)) from err


def _scaled(delta: int, timescale: int) -> int:
    """`delta` 90 kHz ticks in another timescale, rounded the same way either side of zero
    (an export's shift and an import's shift back cancel exactly)."""
    size = (abs(delta) * timescale + TIMESCALE // 2) // TIMESCALE
    return size if delta >= 0 else -size


def shift_decode_times(media: bytes, delta: int, timescales: dict[int, int] | None = None) -> bytes:
    """The fragments with every ``tfdt`` moved by `delta` 90 kHz ticks (checked, same
    length); a track with another timescale (`timescales`, by track id: audio) by as much
    time in its own ticks."""
    out = bytearray(media)
    for offset, track in list(_tracked_tfdt_boxes(out)):
        fmt = _tfdt_format(out, offset)
        scale = (timescales or {}).get(track, TIMESCALE)
        moved = delta if scale == TIMESCALE else _scaled(delta, scale)
        value = struct.unpack_from(fmt, out, offset + 12)[0] + moved
        if value < 0 or value >= (1 << (64 if fmt == "!Q" else 32)):
            raise BadFragment("a decode time out of range")
        struct.pack_into(fmt, out, offset + 12, value)
    return bytes(out)


def first_decode_time(media: bytes) -> int:
    for offset in _tfdt_boxes(media):
        return int(struct.unpack_from(_tfdt_format(media, offset), media, offset + 12)[0])
    raise BadFragment("no decode time")


def init_length(data: bytes) -> int:
    """Length of the init segment (up to and including ``moov``) at the start of `data`."""
    for kind, _start, end in top_level_boxes(data):
        if kind == b"moov":
            return end
    raise BadFragment("no moov box")


@dataclass
class SegmentEntry:
    start_us: int
    end_us: int
    frames: int
    media_bytes: int

    def as_json(self) -> dict[str, int]:
        return {
            "start_us": self.start_us,
            "end_us": self.end_us,
            "frames": self.frames,
            "media_bytes": self.media_bytes,
        }


@dataclass
class JoinedFile:
    """One exported MP4 being written: its init segment, time base and segments so far."""

    name: str
    camera_id: str
    init: bytes
    decode_time_base: int
    segments: list[SegmentEntry] = field(default_factory=list)

    def accepts(self, init: bytes, start_us: int) -> bool:
        previous_end = self.segments[-1].end_us
        return init == self.init and start_us - previous_end <= GAP_TOLERANCE_US

    def as_json(self) -> dict[str, object]:
        return {
            "file": self.name,
            "camera_id": self.camera_id,
            "init_bytes": len(self.init),
            "decode_time_base": self.decode_time_base,
            "segments": [s.as_json() for s in self.segments],
        }


def split_segment(plain: bytes) -> tuple[bytes, bytes]:
    """(init, fragments) of a decrypted segment; BadFragment when it is not one."""
    try:
        return split_init(plain)
    except ValueError as err:
        raise BadFragment(str(err)) from err


def prefetched(
    segments: Generator[Segment], read: Callable[[Segment], bytes | None], depth: int = 4
) -> Iterator[tuple[Segment, bytes | None]]:
    """Fetch and decrypt the next few segments in a thread while the caller writes.

    Reading (storage, decryption) and writing (CRC, disk) then overlap; the bounded queue
    keeps at most `depth` segments in memory.
    """
    queue: Queue[tuple[Segment, bytes | None] | BaseException | None] = Queue(maxsize=depth)
    stop = threading.Event()

    def fetch() -> None:
        try:
            for segment in segments:
                if stop.is_set():
                    return
                queue.put((segment, read(segment)))
        except BaseException as err:  # handed to the consumer, which raises it
            queue.put(err)
            return
        finally:
            segments.close()  # ends the database session of the segment query
        queue.put(None)

    worker = threading.Thread(target=fetch, name="export-read", daemon=True)
    worker.start()
    try:
        while (item := queue.get()) is not None:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        while worker.is_alive():  # unblock a producer waiting on a full queue
            with contextlib.suppress(Empty):
                queue.get_nowait()
            worker.join(timeout=0.05)
