"""Export throughput: recordings into a "Download my data" archive, and the memory it takes.

What is measured: the wall time of one export build (`privacy.export_build.build`, the code the
API runs in its background thread) for an account holding N bytes of recordings, as MB/s of
recorded video written into the ZIP; and the process's resident memory (RSS) before the
build, at its peak during the build (sampled every 10 ms), and after it. Memory must stay
flat: the archive is streamed member by member, whatever the size of the recordings.

How: a temporary data directory with its own SQLite database, one account and two cameras;
recordings are stored through `MediaVault.store_segment` (sealed and indexed exactly as the
recorder does) from a simulated 1080p 25 fps 2 Mbit/s stream in 4 s segments (not timed).
PyAV and OpenCV are loaded before timing, as they are in a running server. After the build
the archive is checked: every segment is in it and one MP4 passes `ffprobe -v error`.
Full run: 2 GB of recordings; `--quick`: 300 MB (under a minute); `--size-mb 10240` makes
it the 10 GB the issue names. Target: >= 100 MB/s and a peak RSS growth far below the size
of the recordings (flat: < 64 MB).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _harness import BenchError, emit, report_failure, temp_data_dir
from _media import load_average

from hearthwatch.accounts.admin import create_confirmed_user
from hearthwatch.camsim.scene import SceneSpec, load_clip
from hearthwatch.context import AppContext, build_context
from hearthwatch.db.migrate import upgrade
from hearthwatch.devices.models import Camera
from hearthwatch.media.fmp4 import TIMESCALE, Sample, fragment, init_segment
from hearthwatch.media.segmenter import FinishedSegment
from hearthwatch.privacy.export import build as export_build
from hearthwatch.privacy.export import service as export
from hearthwatch.privacy.export.models import DataExport
from hearthwatch.protocols.h264 import avcc
from hearthwatch.settings import Settings

SCENE = SceneSpec(1920, 1080, 25, 20, 2.0, 2000, ((6.0, 12.0),))  # as bench/playback_seek.py
SEGMENT_S = 4
PASSWORD = "violet-harbour-trumpet-42"
TARGET_MB_S = 100.0
TARGET_RSS_GROWTH_MB = 64.0
PAGE = os.sysconf("SC_PAGE_SIZE")


@dataclass(frozen=True)
class Plan:
    recording_mb: int


FULL = Plan(recording_mb=2000)
QUICK = Plan(recording_mb=300)


def rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * PAGE / 1e6


class PeakRss:
    """Samples this process's RSS every 10 ms in a thread until stopped."""

    def __init__(self) -> None:
        self.peak = rss_mb()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.01):
            self.peak = max(self.peak, rss_mb())

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="300 MB instead of 2 GB")
    parser.add_argument(
        "--size-mb", type=int, help="MB of recordings to export (10240 for the issue's 10 GB)"
    )
    args = parser.parse_args(argv)
    plan = QUICK if args.quick else FULL
    if args.size_mb is not None:
        if args.size_mb < 10:
            parser.error("--size-mb must be at least 10")
        plan = Plan(recording_mb=args.size_mb)
    try:
        result = run(plan)
    except BenchError as err:
        return report_failure("export", err)
    verdict = "PASS" if result["pass"] else "FAIL"
    emit(
        f"export {verdict}: {result['recordings_mb']} MB of recordings in"
        f" {result['build_s']} s = {result['throughput_mb_s']} MB/s (target >= {TARGET_MB_S:.0f};"
        f" {result['mb_per_cpu_s']} MB per CPU second);"
        f" RSS {result['rss_before_mb']} -> peak {result['rss_peak_mb']} ->"
        f" after {result['rss_after_mb']} MB (growth {result['rss_growth_mb']} MB,"
        f" target < {TARGET_RSS_GROWTH_MB:.0f})",
        result,
    )
    return 0


def run(plan: Plan) -> dict[str, Any]:
    with temp_data_dir() as data_dir:
        settings = Settings(data_dir=data_dir, environment="development", log_json=False)
        ctx = build_context(settings)
        try:
            upgrade(settings.resolved_database_url)
            user_id, plain_bytes, segments = prepare(ctx, plan)
            warm_up()
            gc.collect()
            before = rss_mb()
            job_id = request(ctx, user_id)
            with PeakRss() as peak:
                started, cpu_started = time.perf_counter(), time.process_time()
                export_build.build(ctx, job_id)
                build_s = time.perf_counter() - started
                cpu_s = time.process_time() - cpu_started
            gc.collect()
            after = rss_mb()
            archive_mb = check(ctx, job_id, segments)
        finally:
            ctx.close()
    throughput = plain_bytes / 1e6 / build_s
    growth = peak.peak - before
    return {
        "bench": "export",
        "recordings_mb": round(plain_bytes / 1e6, 1),
        "segments": segments,
        "stream": "1920x1080 25fps 2000kbit/s, 4 s segments, 2 cameras",
        "build_s": round(build_s, 2),
        "throughput_mb_s": round(throughput, 1),
        # CPU seconds of this process during the build: on a machine shared with other
        # work the wall-clock figure drops while this one stays put.
        "build_cpu_s": round(cpu_s, 2),
        "mb_per_cpu_s": round(plain_bytes / 1e6 / cpu_s, 1),
        "archive_mb": archive_mb,
        "rss_before_mb": round(before, 1),
        "rss_peak_mb": round(peak.peak, 1),
        "rss_after_mb": round(after, 1),
        "rss_growth_mb": round(growth, 1),
        "load_average": load_average(),
        "target_mb_s": TARGET_MB_S,
        "target_rss_growth_mb": TARGET_RSS_GROWTH_MB,
        "pass": throughput >= TARGET_MB_S and growth < TARGET_RSS_GROWTH_MB,
    }


def prepare(ctx: AppContext, plan: Plan) -> tuple[str, int, int]:
    """An account with two cameras and `plan.recording_mb` of sealed recordings."""
    clip = load_clip(SCENE)
    per_segment = clip.fps * SEGMENT_S
    windows = [
        [
            Sample(avcc(f.nals), TIMESCALE // clip.fps, f.keyframe)
            for f in clip.frames[w * per_segment : (w + 1) * per_segment]
        ]
        for w in range(len(clip.frames) // per_segment)
    ]
    init = init_segment(clip.sps, clip.pps, SCENE.width, SCENE.height)
    with ctx.db.session() as session:
        user = create_confirmed_user(ctx, session, email="bench@example.com", password=PASSWORD)
        cameras = [camera(session, user.id, name) for name in ("Front", "Back")]
        user_id = user.id
    start_us, total, count = 1_790_000_000_000_000, 0, 0
    while total < plan.recording_mb * 1_000_000:
        decode_time = start_us * TIMESCALE // 1_000_000
        data = init + fragment(1, decode_time, windows[count % len(windows)])
        end_us = start_us + SEGMENT_S * 1_000_000
        segment = FinishedSegment(start_us, end_us, per_segment, data)
        ctx.vault.store_segment(owner_id=user_id, camera_id=cameras[count % 2], segment=segment)
        total, count = total + len(data), count + 1
        start_us = end_us if count % 2 == 0 else start_us
    return user_id, total, count


def camera(session: Any, owner_id: str, name: str) -> str:
    from datetime import UTC, datetime

    made = Camera(
        owner_id=owner_id,
        name=name,
        rtsp_url="rtsp://192.0.2.10:554/stream1",
        activated_at=datetime.now(UTC),
    )
    session.add(made)
    session.flush()
    camera_id: str = made.id
    return camera_id


def warm_up() -> None:
    import av  # noqa: F401  (loaded in a running server; not part of the export's cost)
    import cv2  # noqa: F401


def request(ctx: AppContext, user_id: str) -> str:
    from hearthwatch.accounts.models import User

    with ctx.db.session() as session:
        user = session.get(User, user_id)
        assert user is not None
        job_id: str = export.request_export(ctx, session, user=user, password=PASSWORD).id
        return job_id


def check(ctx: AppContext, job_id: str, segments: int) -> float:
    """The job is ready, every segment is in the archive, and an MP4 plays; its size in MB."""
    with ctx.db.session() as session:
        job = session.get(DataExport, job_id)
        if job is None or job.state != "ready":
            raise BenchError(
                f"the export did not finish: {job and job.state} {job and job.error_code}"
            )
    path = export.archive_path(ctx, job_id)
    with zipfile.ZipFile(path) as archive:
        data = json.loads(archive.read("data.json"))
        found = sum(len(entry["segments"]) for entry in data["recordings"])
        if found != segments:
            raise BenchError(f"{found} of {segments} segments in the archive")
        first = data["recordings"][0]["file"]
        with tempfile.TemporaryDirectory() as folder, archive.open(first) as member:
            target = Path(folder) / "probe.mp4"
            with open(target, "wb") as out:
                shutil.copyfileobj(member, out, 1024 * 1024)
            probe = subprocess.run(
                ["ffprobe", "-v", "error", str(target)], capture_output=True, text=True, check=False
            )
            if probe.returncode or probe.stderr:
                raise BenchError(f"ffprobe refused {first}: {probe.stderr.strip()}")
    return round(path.stat().st_size / 1e6, 1)


if __name__ == "__main__":
    sys.exit(main())
