"""Issue 12 item 3: the camera's sound, encoded once, loops without a click, and its RTP
packets follow RFC 3640 (AAC-hbr)."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest

from hearthwatch.camsim.rtp import MAX_PAYLOAD, RtpPacketizer
from hearthwatch.camsim.sound import SAMPLES_PER_FRAME, SoundSpec, load_sound, synthesize


@pytest.mark.parametrize("seconds", [4, 3, 20])
def test_issue12_item3_the_clip_loops_seamlessly_in_step_with_the_scene(
    seconds: int, tmp_path: Path
) -> None:
    spec = SoundSpec(seconds=seconds, chimes=(seconds - 0.5,))  # the melody rings over the loop
    clip = load_sound(spec, cache_dir=tmp_path)
    assert len(clip.frames) * SAMPLES_PER_FRAME == spec.loops * seconds * 16000
    decoder = av.CodecContext.create("aac", "r")
    decoder.extradata = clip.config
    decoded = np.concatenate(
        [f.to_ndarray()[0] for frame in clip.frames * 3 for f in decoder.decode(av.Packet(frame))]
    )
    expected = np.tile(synthesize(spec), spec.loops * 3)
    settled = SAMPLES_PER_FRAME * 4  # the decoder's first frames, before it has history
    error = np.abs(decoded[settled:] - expected[settled : len(decoded)])
    assert error.max() < 0.01  # joins included: no click where the clip starts again
    assert np.abs(expected).max() > 0.15


def test_issue12_item3_the_cache_is_reused(tmp_path: Path) -> None:
    spec = SoundSpec(seconds=2)
    first = load_sound(spec, cache_dir=tmp_path)
    assert load_sound(spec, cache_dir=tmp_path) == first
    assert first.config == bytes.fromhex("1408")  # AAC-LC, 16 kHz, mono


def parse_aac_payload(payload: bytes) -> list[bytes]:
    header_bits = int.from_bytes(payload[:2], "big")
    sizes = [
        int.from_bytes(payload[2 + 2 * i : 4 + 2 * i], "big") >> 3 for i in range(header_bits // 16)
    ]
    frames, offset = [], 2 + header_bits // 8
    for size in sizes:
        frames.append(payload[offset : offset + size])
        offset += size
    assert offset == len(payload)
    return frames


def test_issue12_item3_aac_frames_are_packed_whole_with_au_headers() -> None:
    packetizer = RtpPacketizer(payload_type=97, clock_rate=16000)
    frames = [bytes([n]) * (300 + n) for n in range(8)]
    packets = list(packetizer.packetize_aac(frames, 5 * 1024, SAMPLES_PER_FRAME))
    assert len(packets) > 1 and all(len(p) - 12 <= MAX_PAYLOAD for p in packets)
    unpacked = [f for p in packets for f in parse_aac_payload(p[12:])]
    assert unpacked == frames
    stamps = [int.from_bytes(p[4:8], "big") - packetizer.timestamp_base for p in packets]
    counts = [len(parse_aac_payload(p[12:])) for p in packets]
    assert stamps[0] % 2**32 == 5 * 1024
    assert all(p[1] == 0x80 | 97 for p in packets)  # marker set: each holds whole frames
    assert (stamps[1] - stamps[0]) % 2**32 == counts[0] * 1024
