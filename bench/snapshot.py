"""Snapshot from live: `GET /api/v1/cameras/{id}/snapshot?token=<live>` latency.

What is measured: the wall time a client on the same machine sees for one live snapshot (a
JPEG of the current picture), request to last byte, on a keep-alive connection, N requests one
after another, for a 720p and a 1080p simulated camera (25 fps, 2 s GOP).

How: a temporary data directory and account; `hearthwatch serve` with the recorder on (its own
process); a camera simulator (in this process) serving one 720p and one 1080p camera; both
bound through the API with a bearer token; a live media token each. After the first snapshot
answers 200 and a warm-up, N sequential requests per camera are timed, 80 ms apart.

The server answers from the newest keyframe (2 s GOP) and caches its JPEG, so most requests
are cache hits. Requests whose picture differs from the previous one are the ones that made
the server decode a new keyframe; they are reported apart ("fresh") as they are what a single
user pressing "Snapshot" now and then sees, and the target applies to both. Every process and
directory is cleaned up even on error. Target: p50 under 50 ms per resolution.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _harness import (
    BenchError,
    Server,
    emit,
    report_failure,
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
    wait_for,
)

from hearthwatch.camsim import CameraFleet, FleetConfig

TARGET_P50_MS = 50.0


@dataclass(frozen=True)
class Plan:
    warmup: int
    requests: int
    gap_s: float  # pause between requests, so that they straddle many keyframes


FULL = Plan(warmup=20, requests=300, gap_s=0.08)
QUICK = Plan(warmup=5, requests=60, gap_s=0.08)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer requests, for a smoke run")
    args = parser.parse_args(argv)
    plan = QUICK if args.quick else FULL
    try:
        per_resolution = run(plan)
    except BenchError as err:
        return report_failure("snapshot", err)
    result: dict[str, Any] = {"bench": "snapshot", "requests_per_camera": plan.requests}
    for name, timings in per_resolution.items():
        result[f"{name}_p50_ms"] = round(percentile(timings.every, 0.5), 1)
        result[f"{name}_p95_ms"] = round(percentile(timings.every, 0.95), 1)
        result[f"{name}_max_ms"] = round(max(timings.every), 1)
        result[f"{name}_fresh_p50_ms"] = round(percentile(timings.fresh, 0.5), 1)
        result[f"{name}_fresh_max_ms"] = round(max(timings.fresh), 1)
        result[f"{name}_fresh_count"] = len(timings.fresh)
    result["load_average"] = load_average()
    result["target_p50_ms"] = TARGET_P50_MS
    result["pass_sequential_p50"] = all(
        result[f"{name}_p50_ms"] < TARGET_P50_MS for name in per_resolution
    )
    result["pass"] = all(
        result[f"{name}_p50_ms"] < TARGET_P50_MS and result[f"{name}_fresh_p50_ms"] < TARGET_P50_MS
        for name in per_resolution
    )
    verdict = "PASS" if result["pass"] else "FAIL"
    emit(
        f"snapshot {verdict}: 720p p50 {result['720p_p50_ms']} ms p95 {result['720p_p95_ms']} ms;"
        f" 1080p p50 {result['1080p_p50_ms']} ms p95 {result['1080p_p95_ms']} ms;"
        f" fresh keyframe (uncached) p50 720p {result['720p_fresh_p50_ms']} ms,"
        f" 1080p {result['1080p_fresh_p50_ms']} ms"
        f" (target p50 < {TARGET_P50_MS:.0f} ms)",
        result,
    )
    return 0


def run(plan: Plan) -> dict[str, Timings]:
    with contextlib.ExitStack() as stack:
        data_dir = stack.enter_context(temp_data_dir())
        fleets = {
            name: stack.enter_context(CameraFleet(FleetConfig(cameras=1, port=0, resolution=name)))
            for name in ("720p", "1080p")
        }
        create_user(data_dir)
        server = spawn_server(data_dir, recorder=True)
        stack.callback(stop_server, server)
        wait_healthy(server)
        account = sign_in(server)
        cameras = {
            name: bind_camera(server, account, fleet.cameras[0].main_url, f"Cam {name}")
            for name, fleet in fleets.items()
        }
        return {
            name: measure(server, camera_id, media_token(server, account, camera_id, "live"), plan)
            for name, camera_id in cameras.items()
        }
    raise AssertionError("unreachable")


@dataclass(frozen=True)
class Timings:
    every: list[float]  # ms, every request
    fresh: list[float]  # ms, requests that got a new picture (the server decoded a keyframe)


def measure(server: Server, camera_id: str, token: str, plan: Plan) -> Timings:
    client = RawClient(server.port)
    path = f"/api/v1/cameras/{camera_id}/snapshot?token={token}"
    try:
        wait_for("the first live snapshot", lambda: client.get(path)[0] == 200, 60.0)
        for _ in range(plan.warmup):
            client.get(path)
        timings = Timings([], [])
        previous = client.get(path)[1]
        for _ in range(plan.requests):
            time.sleep(plan.gap_s)
            started = time.perf_counter()
            status, body = client.get(path)
            elapsed = (time.perf_counter() - started) * 1000
            if status != 200 or not body.startswith(b"\xff\xd8"):
                raise BenchError(f"snapshot answered {status} ({len(body)} bytes)")
            timings.every.append(elapsed)
            if body != previous:
                timings.fresh.append(elapsed)
            previous = body
        if not timings.fresh:
            raise BenchError("the live picture never changed: is the camera streaming?")
        return timings
    finally:
        client.close()


if __name__ == "__main__":
    raise SystemExit(main())
