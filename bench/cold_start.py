"""Cold start: from spawning `hearthwatch serve` to its first 200 from `/api/v1/health`.

What is measured: wall time from just before the process is spawned until the health endpoint
first answers 200, polled every 10 ms. That covers interpreter start, imports, settings,
the master key, the schema migration, building the app and binding the socket.

How: each round makes a fresh temporary data directory and starts the server on it (so the
migration creates the schema and the master key is generated: the "first run"), stops it,
then starts it again on the same directory (the schema is current: a "warm" restart), several
times. Every server is stopped (SIGTERM, then SIGKILL after a grace period) and every
directory removed, even on error. Target: every start under 2 s.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _harness import (
    BenchError,
    emit,
    report_failure,
    spawn_server,
    stop_server,
    temp_data_dir,
    wait_healthy,
)

TARGET_S = 2.0
POLL_INTERVAL_S = 0.01


@dataclass(frozen=True)
class Plan:
    rounds: int
    restarts_per_round: int


FULL = Plan(rounds=3, restarts_per_round=3)
QUICK = Plan(rounds=1, restarts_per_round=2)


@dataclass(frozen=True)
class Timings:
    first_runs: list[float]
    warm_runs: list[float]

    @property
    def every_run(self) -> list[float]:
        return self.first_runs + self.warm_runs


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    plan = QUICK if args.quick else FULL
    extra = ["--workers", str(args.workers)] if args.workers > 1 else []
    try:
        rounds = [measure_round(plan.restarts_per_round, extra) for _ in range(plan.rounds)]
    except BenchError as err:
        return report_failure("cold_start", err)
    timings = Timings(
        first_runs=[first for first, _ in rounds],
        warm_runs=[warm for _, restarts in rounds for warm in restarts],
    )
    result = summarise(timings, workers=args.workers)
    emit(summary_line(result), result)
    return 0


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer starts, for a smoke run")
    parser.add_argument("--workers", type=int, default=1, help="pass --workers N to serve")
    return parser.parse_args(argv)


def measure_round(restarts: int, extra: Sequence[str]) -> tuple[float, list[float]]:
    """One fresh data directory: its first start, then `restarts` starts on it again."""
    with temp_data_dir() as data_dir:
        first = time_start(data_dir, extra)
        return first, [time_start(data_dir, extra) for _ in range(restarts)]


def time_start(data_dir: Path, extra: Sequence[str]) -> float:
    """Seconds from spawn to the first healthy answer; the server is always stopped after."""
    server = spawn_server(data_dir, extra_args=extra, recorder=not extra)
    try:
        return wait_healthy(server, interval_s=POLL_INTERVAL_S)
    finally:
        stop_server(server)


def summarise(timings: Timings, *, workers: int) -> dict[str, Any]:
    every = timings.every_run
    return {
        "bench": "cold_start",
        "first_run_s": round(statistics.median(timings.first_runs), 3),
        "first_run_max_s": round(max(timings.first_runs), 3),
        "warm_median_s": round(statistics.median(timings.warm_runs), 3),
        "median_s": round(statistics.median(every), 3),
        "max_s": round(max(every), 3),
        "runs": len(every),
        "first_runs_s": [round(t, 3) for t in timings.first_runs],
        "warm_runs_s": [round(t, 3) for t in timings.warm_runs],
        "server_workers": workers,
        "target_s": TARGET_S,
        "pass": max(every) < TARGET_S,
    }


def summary_line(result: dict[str, Any]) -> str:
    verdict = "PASS" if result["pass"] else "FAIL"
    return (
        f"cold_start {verdict}: fresh data dir {result['first_run_s']:.2f} s, "
        f"restart median {result['warm_median_s']:.2f} s, worst {result['max_s']:.2f} s "
        f"over {result['runs']} starts (target < {result['target_s']:.0f} s)"
    )


if __name__ == "__main__":
    raise SystemExit(main())
