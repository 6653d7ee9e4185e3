"""A fragmented-MP4 writer for one H.264 or H.265 track and an optional AAC track, by copy.

Recorded segments and live fragments are ISO BMFF: an init segment (``ftyp`` + ``moov``
holding the decoder configurations, ``avcC`` or ``hvcC`` and ``esds``) and media fragments
(``moof`` + ``mdat``). Each fragment carries its absolute decode time (``tfdt``; 90 kHz for
video, the sample rate for audio), so segments recorded hours apart play on one timeline and
Media Source Extensions can append them in any order. A fragment holds one ``traf`` per
track (video is track 1, audio track 2), with the video samples first in its ``mdat``.

Video samples are length-prefixed NAL units. Cameras with B-frames send frames in decode
order: a sample's duration is the step to the next decode time, and its composition offset
(presentation minus decode time) goes in a version 1 ``trun`` (signed offsets, ISO/IEC
14496-12 8.8.8); a track without B-frames keeps the shorter version 0 ``trun``.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from hearthwatch.protocols.nal import hvcc_record

TIMESCALE = 90_000
VIDEO_TRACK, AUDIO_TRACK = 1, 2
SYNC_FLAGS = 0x02000000
NON_SYNC_FLAGS = 0x01010000
HIGH_PROFILES = frozenset({100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134})


@dataclass(frozen=True)
class AudioFormat:
    """An AAC track: what the ``mp4a`` sample entry and a WebRTC sender need."""

    codec: str  # "aac": G.711 is transcoded to AAC at ingest
    sample_rate: int
    channels: int
    config: bytes  # the AudioSpecificConfig (ISO/IEC 14496-3)


class Run(NamedTuple):
    """One track's samples in a fragment, from `decode_time` (in the track's timescale)."""

    track: int
    decode_time: int
    samples: Sequence[Sample]


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


def init_segment(
    sps: bytes,
    pps: bytes,
    width: int,
    height: int,
    *,
    vps: bytes | None = None,
    audio: AudioFormat | None = None,
) -> bytes:
    """``ftyp`` + ``moov``: one H.264 video track (H.265 when `vps` is given), and an AAC
    track when `audio` is given."""
    brand = b"isomiso5iso6avc1mp41" if vps is None else b"isomiso5iso6hvc1mp41"
    ftyp = box(b"ftyp", b"isom", struct.pack("!I", 0x200), brand)
    entry = _avc1(sps, pps, width, height) if vps is None else _hvc1(vps, sps, pps, width, height)
    traks = [_video_trak(entry, width, height)]
    if audio is not None:
        traks.append(_audio_trak(audio))
    return ftyp + box(b"moov", _mvhd(len(traks) + 1), *traks, _mvex(len(traks)))


def fragment(
    sequence: int, decode_time: int, samples: Sequence[Sample], audio: Run | None = None
) -> bytes:
    """``moof`` + ``mdat`` holding video `samples` from `decode_time` (TIMESCALE units), and
    the `audio` run if any."""
    return b"".join(fragment_parts(sequence, decode_time, samples, audio))


def fragment_parts(
    sequence: int, decode_time: int, samples: Sequence[Sample], audio: Run | None = None
) -> list[bytes]:
    """`fragment` as pieces to join once: the sample data (a recorded segment is about a
    megabyte) is then copied a single time instead of once per enclosing box."""
    runs = [Run(VIDEO_TRACK, decode_time, samples)]
    if audio is not None and audio.samples:
        runs.append(audio)
    return runs_parts(sequence, runs)


def runs_parts(sequence: int, runs: Sequence[Run]) -> list[bytes]:
    """``moof`` + ``mdat`` of any tracks' runs (a live audio fragment has only audio)."""
    tables = [_trun_table(run.samples) for run in runs]
    moof_size = 8 + 16 + sum(8 + 16 + 20 + 20 + len(t[1]) for t in tables)
    trafs, data_at = [], moof_size + 8
    for run, (version_flags, entries) in zip(runs, tables, strict=True):
        tfhd = full_box(b"tfhd", 0, 0x020000, struct.pack("!I", run.track))
        tfdt = full_box(b"tfdt", 1, 0, struct.pack("!Q", run.decode_time))
        head = struct.pack("!IIi", version_flags, len(run.samples), data_at)
        trafs.append(box(b"traf", tfhd, tfdt, box(b"trun", head, entries)))
        data_at += sum(len(s.data) for s in run.samples)
    moof = box(b"moof", full_box(b"mfhd", 0, 0, struct.pack("!I", sequence)), *trafs)
    datas = [s.data for run in runs for s in run.samples]
    mdat_size = data_at - moof_size
    return [moof, struct.pack("!I", mdat_size), b"mdat", *datas]


def _trun_table(samples: Sequence[Sample]) -> tuple[int, bytes]:
    """(version and flags, sample entries): signed composition offsets only when needed."""
    if any(s.offset for s in samples):
        entries = b"".join(
            struct.pack(
                "!IIIi",
                s.duration,
                len(s.data),
                SYNC_FLAGS if s.keyframe else NON_SYNC_FLAGS,
                s.offset,
            )
            for s in samples
        )
        return (1 << 24) | 0x000F01, entries
    entries = b"".join(
        struct.pack("!III", s.duration, len(s.data), SYNC_FLAGS if s.keyframe else NON_SYNC_FLAGS)
        for s in samples
    )
    return 0x000701, entries


def _mvhd(next_track: int = 2) -> bytes:
    return full_box(
        b"mvhd",
        0,
        0,
        struct.pack("!IIII", 0, 0, 1000, 0),
        struct.pack("!IH", 0x00010000, 0x0100),
        bytes(10),
        _MATRIX,
        bytes(24),
        struct.pack("!I", next_track),
    )


_MATRIX = struct.pack("!9I", 0x00010000, 0, 0, 0, 0x00010000, 0, 0, 0, 0x40000000)


def _video_trak(entry: bytes, width: int, height: int) -> bytes:
    tkhd = _tkhd(VIDEO_TRACK, 0, width, height)
    hdlr = full_box(b"hdlr", 0, 0, bytes(4), b"vide", bytes(12), b"Hearthwatch video\x00")
    minf = box(b"minf", full_box(b"vmhd", 0, 1, bytes(8)), _DINF, _stbl(entry))
    return box(b"trak", tkhd, box(b"mdia", _mdhd(TIMESCALE), hdlr, minf))


def _audio_trak(audio: AudioFormat) -> bytes:
    tkhd = _tkhd(AUDIO_TRACK, 0x0100, 0, 0)
    hdlr = full_box(b"hdlr", 0, 0, bytes(4), b"soun", bytes(12), b"Hearthwatch audio\x00")
    minf = box(b"minf", full_box(b"smhd", 0, 0, bytes(4)), _DINF, _stbl(_mp4a(audio)))
    return box(b"trak", tkhd, box(b"mdia", _mdhd(audio.sample_rate), hdlr, minf))


def _tkhd(track: int, volume: int, width: int, height: int) -> bytes:
    return full_box(
        b"tkhd",
        0,
        3,
        struct.pack("!IIIII", 0, 0, track, 0, 0),
        bytes(8),
        struct.pack("!hhhH", 0, 0, volume, 0),
        _MATRIX,
        struct.pack("!II", width << 16, height << 16),
    )


def _mdhd(timescale: int) -> bytes:
    return full_box(b"mdhd", 0, 0, struct.pack("!IIIIHH", 0, 0, timescale, 0, 0x55C4, 0))


_DINF = box(b"dinf", full_box(b"dref", 0, 0, struct.pack("!I", 1), full_box(b"url ", 0, 1)))


def _stbl(entry: bytes) -> bytes:
    return box(
        b"stbl",
        full_box(b"stsd", 0, 0, struct.pack("!I", 1), entry),
        full_box(b"stts", 0, 0, struct.pack("!I", 0)),
        full_box(b"stsc", 0, 0, struct.pack("!I", 0)),
        full_box(b"stsz", 0, 0, struct.pack("!II", 0, 0)),
        full_box(b"stco", 0, 0, struct.pack("!I", 0)),
    )


def _visual_entry(kind: bytes, width: int, height: int, config: bytes) -> bytes:
    return box(
        kind,
        bytes(6),
        struct.pack("!H", 1),
        bytes(16),
        struct.pack("!HH", width, height),
        struct.pack("!IIIH", 0x00480000, 0x00480000, 0, 1),
        bytes(32),
        struct.pack("!Hh", 0x0018, -1),
        config,
    )


def _hvc1(vps: bytes, sps: bytes, pps: bytes, width: int, height: int) -> bytes:
    return _visual_entry(b"hvc1", width, height, box(b"hvcC", hvcc_record(vps, sps, pps)))


def _mp4a(audio: AudioFormat) -> bytes:
    return box(
        b"mp4a",
        bytes(6),
        struct.pack("!H", 1),
        bytes(8),
        struct.pack("!HHHH", audio.channels, 16, 0, 0),
        struct.pack("!I", (audio.sample_rate & 0xFFFF) << 16),
        esds_box(audio.config),
    )


def _descriptor(tag: int, body: bytes) -> bytes:
    """An MPEG-4 descriptor (ISO/IEC 14496-1): tag, size in 7-bit groups, body."""
    size, groups = len(body), list[int]()
    while True:
        groups.insert(0, size & 0x7F)
        size >>= 7
        if not size:
            break
    coded = bytes(g | 0x80 for g in groups[:-1]) + bytes([groups[-1]])
    return bytes([tag]) + coded + body


def esds_box(config: bytes) -> bytes:
    """The elementary stream descriptor of an AAC track holding its AudioSpecificConfig."""
    decoder_config = _descriptor(
        0x04,
        bytes([0x40, 0x15])  # MPEG-4 Audio; audio stream
        + bytes(3)  # bufferSizeDB
        + struct.pack("!II", 0, 0)  # max and average bit rate: not known
        + _descriptor(0x05, config),
    )
    es = _descriptor(0x03, struct.pack("!HB", AUDIO_TRACK, 0) + decoder_config + b"\x06\x01\x02")
    return full_box(b"esds", 0, 0, es)


def _avc1(sps: bytes, pps: bytes, width: int, height: int) -> bytes:
    return _visual_entry(b"avc1", width, height, avcc_box(sps, pps))


def avcc_box(sps: bytes, pps: bytes) -> bytes:
    """The avcC decoder configuration record (ISO/IEC 14496-15)."""
    record = bytes([1, sps[1], sps[2], sps[3], 0xFF, 0xE1]) + struct.pack("!H", len(sps)) + sps
    record += bytes([1]) + struct.pack("!H", len(pps)) + pps
    if sps[1] in HIGH_PROFILES:
        record += bytes([0xFC | 1, 0xF8, 0xF8, 0])  # 4:2:0, 8-bit luma and chroma, no ext
    return box(b"avcC", record)


def _mvex(tracks: int) -> bytes:
    return box(
        b"mvex",
        *(
            full_box(b"trex", 0, 0, struct.pack("!IIIII", track, 1, 0, 0, 0))
            for track in range(1, tracks + 1)
        ),
    )


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
