"""Playback seek-to-frame over a 24 h recording, at the API level.

What is measured: for random moments of a recorded day, the wall time from asking to holding
the decoded frame of that moment, as a player does it: the timeline query for a 10-minute
window around the moment (`GET /recordings?start&end&token`), the fetch of the segment that
holds it (`GET /segments/{id}?form=timeline&token`, as the player asks: blob read +
AES-GCM open on the server), and decoding
with PyAV from the segment's keyframe up to the frame shown at that moment. Each part is
timed too. Fresh HTTP connections, as a browser's first seek after page load would use.

How: a temporary data directory and account; `hearthwatch serve` (recorder off: nothing else
writes) in its own process; a camera bound through the API by RTSP URL (never contacted). A day
of 4 s segments (21,600; 2,700 = 3 h with --quick) is stored through `ctx.vault.store_segment`
in this process: real fMP4 segments (init + one fragment, absolute tfdt = start) built from the
cached 1920x1080 25 fps 2 Mbit/s simulator scene, sealed and indexed as the recorder does.
Then a playback media token, warm-up seeks, and N timed seeks (200 full / 40 quick).
Everything is stopped and removed even on error. Target: p50 < 300 ms.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import random
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent))

import av
from _harness import (
    BenchError,
    Server,
    emit,
    report_failure,
    request_json,
    spawn_server,
    stop_server,
    temp_data_dir,
    wait_healthy,
)
from _media import (
    RawClient,
    bind_camera,
    create_user,
    load_average,
    media_token,
    percentile,
    sign_in,
)

import hearthwatch.devices.models  # noqa: F401  (the segments table refers to cameras)
from hearthwatch.camsim.scene import EncodedClip, SceneSpec, load_clip
from hearthwatch.context import build_context
from hearthwatch.media.fmp4 import TIMESCALE, Sample, fragment, init_segment
from hearthwatch.media.segmenter import FinishedSegment
from hearthwatch.protocols.h264 import avcc
from hearthwatch.settings import Settings

SCENE = SceneSpec(1920, 1080, 25, 20, 2.0, 2000, ((6.0, 12.0),))
SEGMENT_S = 4
WINDOW_S = 600
TARGET_P50_MS = 300.0


@dataclass(frozen=True)
class Plan:
    segments: int
    seeks: int
    warmup: int


FULL = Plan(segments=21_600, seeks=200, warmup=10)
QUICK = Plan(segments=2_700, seeks=40, warmup=5)


@dataclass(frozen=True)
class Seek:
    total_ms: float
    timeline_ms: float
    fetch_ms: float
    decode_ms: float
    frames_decoded: int


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 h of segments, fewer seeks")
    args = parser.parse_args(argv)
    plan = QUICK if args.quick else FULL
    try:
        seeks, store_s, stored_bytes = run(plan)
    except BenchError as err:
        return report_failure("playback_seek", err)
    result = summarise(plan, seeks, store_s, stored_bytes)
    verdict = "PASS" if result["pass"] else "FAIL"
    emit(
        f"playback_seek {verdict}: seek-to-frame p50 {result['p50_ms']} ms, p95"
        f" {result['p95_ms']} ms over {result['seeks']} seeks in {plan.segments} segments"
        f" (timeline p50 {result['timeline_p50_ms']} ms, fetch {result['fetch_p50_ms']} ms,"
        f" decode {result['decode_p50_ms']} ms; target p50 < {TARGET_P50_MS:.0f} ms)",
        result,
    )
    return 0


def run(plan: Plan) -> tuple[list[Seek], float, int]:
    clip = load_clip(SCENE)  # cached after the first encode, never timed
    with contextlib.ExitStack() as stack:
        data_dir = stack.enter_context(temp_data_dir())
        create_user(data_dir)
        server = spawn_server(data_dir, recorder=False)
        stack.callback(stop_server, server)
        wait_healthy(server)
        account = sign_in(server)
        camera_id = bind_camera(
            server, account, "rtsp://192.0.2.10:554/stream1", "Yard", offline=True
        )
        me = request_json(server, "GET", "/api/v1/me", headers=account.auth)
        owner_id: str = me.body["id"]
        day_start = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        day_start -= timedelta(days=1)
        day0_us = int(day_start.timestamp() * 1_000_000)
        started = time.perf_counter()
        stored = store_day(data_dir, owner_id, camera_id, clip, day0_us, plan.segments)
        store_s = time.perf_counter() - started
        token = media_token(server, account, camera_id, "playback")
        span_us = plan.segments * SEGMENT_S * 1_000_000
        rng = random.Random(7)
        moments = [day0_us + rng.randrange(span_us) for _ in range(plan.warmup + plan.seeks)]
        seeks = [seek(server, camera_id, token, moment) for moment in moments]
        return seeks[plan.warmup :], store_s, stored
    raise AssertionError("unreachable")


def store_day(
    data_dir: Path, owner_id: str, camera_id: str, clip: EncodedClip, day0_us: int, count: int
) -> int:
    """Seal and index `count` consecutive 4 s segments from `day0_us`; return bytes stored."""
    per_segment = clip.fps * SEGMENT_S
    windows = len(clip.frames) // per_segment
    samples = [
        [
            Sample(avcc(frame.nals), TIMESCALE // clip.fps, frame.keyframe)
            for frame in clip.frames[w * per_segment : (w + 1) * per_segment]
        ]
        for w in range(windows)
    ]
    if not all(window[0].keyframe for window in samples):
        raise BenchError("the scene's 4 s windows must start on keyframes")
    init = init_segment(clip.sps, clip.pps, clip.spec.width, clip.spec.height)
    ctx = build_context(Settings(data_dir=data_dir, environment="development"))
    total = 0
    try:
        for index in range(count):
            start_us = day0_us + index * SEGMENT_S * 1_000_000
            decode_time = start_us * TIMESCALE // 1_000_000
            data = init + fragment(index + 1, decode_time, samples[index % windows])
            segment = FinishedSegment(start_us, start_us + SEGMENT_S * 1_000_000, per_segment, data)
            ctx.vault.store_segment(owner_id=owner_id, camera_id=camera_id, segment=segment)
            total += len(data)
    finally:
        ctx.close()
    return total


def iso(us: int) -> str:
    return quote(datetime.fromtimestamp(us / 1_000_000, UTC).isoformat())


def seek(server: Server, camera_id: str, token: str, moment_us: int) -> Seek:
    """Timeline for the window around the moment, segment fetch, decode up to the frame."""
    base = f"/api/v1/cameras/{camera_id}"
    half = WINDOW_S // 2 * 1_000_000
    client = RawClient(server.port)
    try:
        t0 = time.perf_counter()
        status, body = client.get(
            f"{base}/recordings?start={iso(moment_us - half)}&end={iso(moment_us + half)}"
            f"&token={token}"
        )
        if status != 200:
            raise BenchError(f"timeline answered {status}: {body[:200]!r}")
        segments = json.loads(body)["segments"]
        found = next(
            (s for s in segments if to_us(s["start"]) <= moment_us < to_us(s["end"])), None
        )
        if found is None:
            raise BenchError(f"no segment holds {moment_us} in {len(segments)} listed")
        t1 = time.perf_counter()
        status, mp4 = client.get(f"{base}/segments/{found['id']}?form=timeline&token={token}")
        if status != 200:
            raise BenchError(f"segment answered {status}")
        t2 = time.perf_counter()
        frames = decode_to(mp4, moment_us)
        t3 = time.perf_counter()
    finally:
        client.close()
    return Seek((t3 - t0) * 1000, (t1 - t0) * 1000, (t2 - t1) * 1000, (t3 - t2) * 1000, frames)


def to_us(text: str) -> int:
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1_000_000)


def decode_to(mp4: bytes, moment_us: int) -> int:
    """Decode from the segment's start until the frame shown at `moment_us`; frames decoded."""
    decoded = 0
    with av.open(io.BytesIO(mp4), mode="r") as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        for frame in container.decode(stream):
            decoded += 1
            if frame.time is None:
                raise BenchError("a decoded frame without a time")
            next_time_us = (frame.time + 1 / SCENE.fps) * 1_000_000
            if next_time_us > moment_us:
                break
        else:
            raise BenchError("the segment ended before the moment")
    return decoded


def summarise(plan: Plan, seeks: list[Seek], store_s: float, stored: int) -> dict[str, Any]:
    def p(values: list[float], fraction: float) -> float:
        return round(percentile(values, fraction), 1)

    total = [s.total_ms for s in seeks]
    return {
        "bench": "playback_seek",
        "segments": plan.segments,
        "recorded_hours": round(plan.segments * SEGMENT_S / 3600, 1),
        "stream": "1920x1080 25fps 2000kbit/s, 4 s segments",
        "seeks": len(seeks),
        "p50_ms": p(total, 0.5),
        "p95_ms": p(total, 0.95),
        "max_ms": p(total, 1.0),
        "timeline_p50_ms": p([s.timeline_ms for s in seeks], 0.5),
        "timeline_p95_ms": p([s.timeline_ms for s in seeks], 0.95),
        "fetch_p50_ms": p([s.fetch_ms for s in seeks], 0.5),
        "fetch_p95_ms": p([s.fetch_ms for s in seeks], 0.95),
        "decode_p50_ms": p([s.decode_ms for s in seeks], 0.5),
        "decode_p95_ms": p([s.decode_ms for s in seeks], 0.95),
        "frames_decoded_p50": p([float(s.frames_decoded) for s in seeks], 0.5),
        "store_s": round(store_s, 1),
        "store_segments_per_s": round(plan.segments / store_s, 1),
        "stored_mb": round(stored / 1e6, 1),
        "load_average": load_average(),
        "target_p50_ms": TARGET_P50_MS,
        "pass": percentile(total, 0.5) < TARGET_P50_MS,
    }


if __name__ == "__main__":
    raise SystemExit(main())
