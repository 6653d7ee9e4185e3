"""Snapshot from live: `GET /api/v1/cameras/{id}/snapshot?token=<live>` latency.

What is measured: the wall time a client on the same machine sees for one live snapshot (a
JPEG of the current picture), request to last byte, on a keep-alive connection, N requests one
after another, for a 720p and a 1080p simulated camera (25 fps, 2 s GOP).

How: a temporary data directory and account; `hearthwatch serve` with the recorder on (its own
process); a camera simulator (in this process) serving one 720p and one 1080p camera; both
bound through the API with a bearer token; a live media token each. After the first snapshot
answers 200 and a warm-up, N sequential requests per camera are timed. Every process and
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


FULL = Plan(warmup=20, requests=300)
QUICK = Plan(warmup=5, requests=60)


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
        result[f"{name}_p50_ms"] = round(percentile(timings, 0.5), 1)
        result[f"{name}_p95_ms"] = round(percentile(timings, 0.95), 1)
        result[f"{name}_max_ms"] = round(max(timings), 1)
    result["load_average"] = load_average()
    result["target_p50_ms"] = TARGET_P50_MS
    result["pass"] = all(result[f"{name}_p50_ms"] < TARGET_P50_MS for name in per_resolution)
    verdict = "PASS" if result["pass"] else "FAIL"
    emit(
        f"snapshot {verdict}: 720p p50 {result['720p_p50_ms']} ms p95 {result['720p_p95_ms']} ms;"
        f" 1080p p50 {result['1080p_p50_ms']} ms p95 {result['1080p_p95_ms']} ms"
        f" (target p50 < {TARGET_P50_MS:.0f} ms)",
        result,
    )
    return 0


def run(plan: Plan) -> dict[str, list[float]]:
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


def measure(server: Server, camera_id: str, token: str, plan: Plan) -> list[float]:
    client = RawClient(server.port)
    path = f"/api/v1/cameras/{camera_id}/snapshot?token={token}"
    try:
        wait_for("the first live snapshot", lambda: client.get(path)[0] == 200, 60.0)
        for _ in range(plan.warmup):
            client.get(path)
        timings: list[float] = []
        for _ in range(plan.requests):
            started = time.perf_counter()
            status, body = client.get(path)
            elapsed = (time.perf_counter() - started) * 1000
            if status != 200 or not body.startswith(b"\xff\xd8"):
                raise BenchError(f"snapshot answered {status} ({len(body)} bytes)")
            timings.append(elapsed)
        return timings
    finally:
        client.close()


if __name__ == "__main__":
    raise SystemExit(main())
