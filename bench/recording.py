"""Recording: N simulated 1080p cameras at ~2 Mbit/s recorded at once, encrypted, by Hearthwatch,
side by side with a bare `ffmpeg -c copy -f segment` per camera.

What is measured, over a fixed window after a warm-up (60 s full / 20 s with --quick):
- CPU time of `hearthwatch serve` with the recorder on (its own process group, read from
  /proc/<pid>/stat), as % of one core: RTSP in, 4 s fMP4 segments, AES sealing, blob store,
  SQLite index, live hubs, and the idle API;
- CPU time of the N ffmpeg processes doing the same job without encryption or indexing;
- the per-stream ratio hearthwatch / ffmpeg (both record the same N streams);
- the server's CPU before any camera is bound (its idle floor, included in the total);
- CPU of the camera simulator (this Python process, which otherwise only sleeps);
- segments finished per camera during the window, by both, vs duration / 4 s expected; a
  camera "loses" segments when it got fewer than expected - 1 (one is allowed for the edges).

How: a temporary data directory and account; the simulator serves N cameras from one port
(1920x1080, 25 fps, 2 s GOP, 2000 kbit/s pre-encoded scene, the first encode cached and not
timed); `hearthwatch serve` (recorder on) gets every camera bound through the API; then one
`ffmpeg -nostdin -loglevel error -rtsp_transport tcp -i URL -c copy -f segment -segment_time 4
-reset_timestamps 1 DIR/%05d.mp4` per camera is started. Counts of segment rows (SQLite) and
of ffmpeg files are taken at both ends of the window. Everything is stopped and removed even
on error. Targets: no lost segments, Hearthwatch under 50% of one core in total, and the
per-stream ratio at most 1.3.
"""

from __future__ import annotations

import argparse
import contextlib
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _harness import (
    BenchError,
    Server,
    emit,
    expect,
    report_failure,
    request_json,
    spawn_server,
    stop_server,
    temp_data_dir,
    wait_healthy,
)
from _media import (
    bind_camera,
    create_user,
    load_average,
    pid_cpu_s,
    self_cpu_s,
    sign_in,
    wait_for,
)

from hearthwatch.camsim import CameraFleet, FleetConfig
from hearthwatch.camsim.scene import SceneSpec, load_clip

SEGMENT_S = 4.0
TARGET_CPU_PCT = 50.0
TARGET_RATIO = 1.3
SCENE = SceneSpec(1920, 1080, 25, 20, 2.0, 2000, ((6.0, 12.0),))


@dataclass(frozen=True)
class Plan:
    cameras: int
    warmup_s: float
    duration_s: float


FULL = Plan(cameras=32, warmup_s=10.0, duration_s=60.0)
QUICK = Plan(cameras=8, warmup_s=4.0, duration_s=20.0)


@dataclass
class Sample:
    wall: float
    hw_cpu: float
    ff_cpu: float
    sim_cpu: float
    hw_counts: dict[str, int]
    ff_counts: list[int]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="8 cameras for 20 s")
    parser.add_argument("--cameras", type=int, default=0, help="override the camera count")
    args = parser.parse_args(argv)
    plan = QUICK if args.quick else FULL
    if args.cameras:
        plan = Plan(args.cameras, plan.warmup_s, plan.duration_s)
    try:
        result = run(plan)
    except BenchError as err:
        return report_failure("recording", err)
    verdict = "PASS" if result["pass"] else "FAIL"
    emit(
        f"recording {verdict}: {plan.cameras} x 1080p@2Mbit/s for {plan.duration_s:.0f} s:"
        f" hearthwatch {result['hearthwatch_cpu_pct']}% of a core,"
        f" ffmpeg {result['ffmpeg_cpu_pct']}%, ratio {result['per_stream_ratio']},"
        f" lost segments hw {result['hearthwatch_lost_segments']}"
        f" / ffmpeg {result['ffmpeg_lost_segments']}"
        f" (targets < {TARGET_CPU_PCT:.0f}%, ratio <= {TARGET_RATIO}, 0 lost)",
        result,
    )
    return 0


def run(plan: Plan) -> dict[str, Any]:
    load_clip(SCENE)  # the first encode is slow and cached: never inside the measurement
    with contextlib.ExitStack() as stack:
        data_dir = stack.enter_context(temp_data_dir())
        fleet = stack.enter_context(
            CameraFleet(FleetConfig(cameras=plan.cameras, port=0, main_scene=SCENE))
        )
        create_user(data_dir)
        server = spawn_server(data_dir, recorder=True)
        stack.callback(stop_server, server)
        wait_healthy(server)
        account = sign_in(server)
        idle_pct = idle_cpu_pct(server, plan.warmup_s)
        camera_ids = [
            bind_camera(server, account, camera.main_url, f"Cam {index}")
            for index, camera in enumerate(fleet.cameras)
        ]
        for camera_id in camera_ids:  # recording alone: motion_analysis.py benches detection
            off = {"enabled": False}
            path = f"/api/v1/cameras/{camera_id}/detection"
            expect(request_json(server, "PUT", path, body=off, headers=account.auth), 200, path)
        ff_dirs = [data_dir / "ffmpeg" / f"cam{index:02d}" for index in range(plan.cameras)]
        ffmpegs = stack.enter_context(
            ffmpeg_recorders([c.main_url for c in fleet.cameras], ff_dirs, data_dir)
        )
        db_path = data_dir / "hearthwatch.db"

        def everyone_recording() -> bool:
            hw = hearthwatch_counts(db_path)
            return all(hw.get(cid, 0) >= 1 for cid in camera_ids) and all(
                count >= 2 for count in ffmpeg_counts(ff_dirs)
            )

        wait_for("a first segment from every recorder", everyone_recording, 60.0, 0.5)
        time.sleep(plan.warmup_s)
        check_alive(server, ffmpegs)
        before = sample(server, ffmpegs, db_path, ff_dirs)
        time.sleep(plan.duration_s)
        after = sample(server, ffmpegs, db_path, ff_dirs)
        check_alive(server, ffmpegs)
        result = summarise(plan, camera_ids, before, after)
        result["hearthwatch_idle_cpu_pct"] = round(idle_pct, 1)
        return result
    raise AssertionError("unreachable")


def idle_cpu_pct(server: Server, seconds: float) -> float:
    """The server's own CPU with no camera bound (API idle, recorder loop), % of one core."""
    time.sleep(1.0)  # let start-up work settle
    cpu, wall = server.cpu_s() or 0.0, time.monotonic()
    time.sleep(seconds)
    return ((server.cpu_s() or 0.0) - cpu) / (time.monotonic() - wall) * 100


@contextlib.contextmanager
def ffmpeg_recorders(
    urls: list[str], dirs: list[Path], data_dir: Path
) -> Iterator[list[subprocess.Popen[bytes]]]:
    processes: list[subprocess.Popen[bytes]] = []
    log = (data_dir / "ffmpeg.log").open("wb")
    try:
        for url, directory in zip(urls, dirs, strict=True):
            directory.mkdir(parents=True)
            command = [
                "ffmpeg", "-nostdin", "-loglevel", "error", "-rtsp_transport", "tcp",
                "-i", url, "-c", "copy", "-f", "segment", "-segment_time", "4",
                "-reset_timestamps", "1", str(directory / "%05d.mp4"),
            ]  # fmt: skip
            processes.append(
                subprocess.Popen(
                    command,
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL,
                    stderr=log,
                    start_new_session=True,
                )
            )
        yield processes
    finally:
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
        log.close()


def check_alive(server: Server, ffmpegs: list[subprocess.Popen[bytes]]) -> None:
    if server.process.poll() is not None:
        raise BenchError(f"the server exited:\n{server.log_tail()}")
    dead = [p.pid for p in ffmpegs if p.poll() is not None]
    if dead:
        raise BenchError(f"{len(dead)} ffmpeg recorders exited")


def hearthwatch_counts(db_path: Path) -> dict[str, int]:
    with contextlib.closing(sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)) as db:
        db.execute("PRAGMA busy_timeout = 5000")
        rows = db.execute("SELECT camera_id, count(*) FROM segments GROUP BY camera_id")
        return {camera_id: count for camera_id, count in rows}


def ffmpeg_counts(dirs: list[Path]) -> list[int]:
    return [sum(1 for _ in directory.iterdir()) for directory in dirs]


def sample(
    server: Server, ffmpegs: list[subprocess.Popen[bytes]], db_path: Path, dirs: list[Path]
) -> Sample:
    return Sample(
        wall=time.monotonic(),
        hw_cpu=server.cpu_s() or 0.0,
        ff_cpu=sum(pid_cpu_s(p.pid) or 0.0 for p in ffmpegs),
        sim_cpu=self_cpu_s(),
        hw_counts=hearthwatch_counts(db_path),
        ff_counts=ffmpeg_counts(dirs),
    )


def summarise(plan: Plan, camera_ids: list[str], before: Sample, after: Sample) -> dict[str, Any]:
    wall = after.wall - before.wall
    expected = wall / SEGMENT_S
    hw_got = [after.hw_counts.get(c, 0) - before.hw_counts.get(c, 0) for c in camera_ids]
    ff_got = [a - b for a, b in zip(after.ff_counts, before.ff_counts, strict=True)]

    def lost(got: list[int]) -> int:
        return sum(max(0, int(expected) - 1 - count) for count in got)

    hw_pct = (after.hw_cpu - before.hw_cpu) / wall * 100
    ff_pct = (after.ff_cpu - before.ff_cpu) / wall * 100
    ratio = hw_pct / ff_pct if ff_pct > 0 else float("inf")
    hw_lost, ff_lost = lost(hw_got), lost(ff_got)
    return {
        "bench": "recording",
        "cameras": plan.cameras,
        "stream": "1920x1080 25fps 2000kbit/s",
        "duration_s": round(wall, 1),
        "hearthwatch_cpu_pct": round(hw_pct, 1),
        "hearthwatch_cpu_pct_per_stream": round(hw_pct / plan.cameras, 2),
        "ffmpeg_cpu_pct": round(ff_pct, 1),
        "ffmpeg_cpu_pct_per_stream": round(ff_pct / plan.cameras, 2),
        "per_stream_ratio": round(ratio, 2),
        "simulator_cpu_pct": round((after.sim_cpu - before.sim_cpu) / wall * 100, 1),
        "expected_segments_per_camera": round(expected, 1),
        "hearthwatch_segments_min_max": [min(hw_got), max(hw_got)],
        "ffmpeg_segments_min_max": [min(ff_got), max(ff_got)],
        "hearthwatch_lost_segments": hw_lost,
        "ffmpeg_lost_segments": ff_lost,
        "load_average": load_average(),
        "target_cpu_pct": TARGET_CPU_PCT,
        "target_ratio": TARGET_RATIO,
        "pass": hw_lost == 0 and hw_pct < TARGET_CPU_PCT and ratio <= TARGET_RATIO,
    }


if __name__ == "__main__":
    raise SystemExit(main())
