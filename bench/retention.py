"""Retention sweep over 1,000,000 indexed recording segments (SQLite).

What is measured: the wall time of one recording retention sweep (`media.retention.sweep`,
the per-camera age limits the recorder applies every few minutes) over an index of
1,000,000 segments of which about half are past their camera's retention, and then the
privacy retention sweep (`privacy.retention.sweep`: accounts, sessions, codes, IPs) on the
same database.

How: a temporary data directory with the default embedded database (SQLite, WAL), migrated
with `hearthwatch migrate`'s code. 1,000 cameras (owned by 100 accounts), each with a
retention of 1 to 60 days, and 1,000 segments per camera, one every 86.4 minutes over the
last 60 days, are inserted directly into the index in bulk (not recorded: the index is what
the sweep walks). No segment files are written: the blob store is the local filesystem
one, so each deletion still asks the filesystem to remove its file and is told it is not
there. The segments each camera should keep are counted before and checked after.
`--quick` does the same with 100,000 segments (100 cameras). Target: the full sweep of
1,000,000 segments finishes under 30 s.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _harness import BenchError, emit, report_failure, temp_data_dir
from sqlalchemy import func, select

from hearthwatch.accounts.models import User
from hearthwatch.context import AppContext, build_context
from hearthwatch.db.migrate import upgrade
from hearthwatch.devices.models import Camera
from hearthwatch.media import retention as media_retention
from hearthwatch.media.models import Segment
from hearthwatch.privacy.retention import service as privacy_retention
from hearthwatch.settings import Settings

TARGET_S = 30.0
DAY_US = 86_400_000_000
HISTORY_DAYS = 60


@dataclass(frozen=True)
class Plan:
    cameras: int
    per_camera: int
    accounts: int


FULL = Plan(cameras=1000, per_camera=1000, accounts=100)
QUICK = Plan(cameras=100, per_camera=1000, accounts=10)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100,000 segments, for a smoke run")
    args = parser.parse_args(argv)
    plan = QUICK if args.quick else FULL
    try:
        with temp_data_dir() as data_dir:
            result = run(plan, data_dir)
    except BenchError as err:
        return report_failure("retention", err)
    emit(
        f"retention: swept {result['segments']:,} segments ({result['deleted']:,} expired) "
        f"in {result['media_sweep_s']} s, privacy sweep {result['privacy_sweep_s']} s "
        f"(target < {TARGET_S:.0f} s): {'PASS' if result['pass'] else 'FAIL'}",
        result,
    )
    return 0 if result["pass"] else 1


def run(plan: Plan, data_dir: Path) -> dict[str, Any]:
    settings = Settings(environment="development", data_dir=data_dir, log_json=False)
    upgrade(settings.resolved_database_url)
    ctx = build_context(settings)
    try:
        now_us = int(datetime.now(UTC).timestamp() * 1_000_000)
        started = time.perf_counter()
        keep = populate(ctx, plan, now_us)
        fill_s = time.perf_counter() - started
        total = plan.cameras * plan.per_camera
        started, cpu = time.perf_counter(), time.process_time()
        report = media_retention.sweep(ctx, now_us=now_us)
        media_s, media_cpu_s = time.perf_counter() - started, time.process_time() - cpu
        left = count_segments(ctx)
        if left != keep or report.by_age != total - keep:
            raise BenchError(f"expected {keep} segments kept, found {left}")
        started = time.perf_counter()
        privacy_retention.sweep(ctx)
        privacy_s = time.perf_counter() - started
    finally:
        ctx.close()
    return {
        "bench": "retention",
        "segments": total,
        "deleted": report.by_age,
        "kept": left,
        "fill_s": round(fill_s, 1),
        "media_sweep_s": round(media_s, 2),
        "media_sweep_cpu_s": round(media_cpu_s, 2),
        "load_average_1m": round(os.getloadavg()[0], 2),
        "privacy_sweep_s": round(privacy_s, 2),
        "segments_per_s": round(report.by_age / media_s),
        "target_s": TARGET_S,
        "pass": media_s < TARGET_S,
    }


def populate(ctx: AppContext, plan: Plan, now_us: int) -> int:
    """Accounts, cameras and the segment index; returns how many segments must be kept."""
    rng = random.Random(7)
    stamp = datetime.now(UTC)
    users = [f"{i:032x}" for i in range(plan.accounts)]
    cameras = [(f"{i + 1:032x}", users[i % plan.accounts], rng.randint(1, HISTORY_DAYS))
               for i in range(plan.cameras)]  # fmt: skip
    # ORM objects, not a bulk insert: e-mails and camera addresses are sealed on flush with
    # each account's key (P38), which only the models' sealed attributes do.
    with ctx.db.session() as db:
        db.add_all(User(**_user(uid, stamp)) for uid in users)
        db.flush()
        db.add_all(Camera(**_camera(cid, uid, days, stamp)) for cid, uid, days in cameras)
    step_us = HISTORY_DAYS * DAY_US // plan.per_camera
    keep = 0
    for _, _, days in cameras:
        cutoff = now_us - days * DAY_US
        keep += sum(1 for n in range(plan.per_camera) if _end(now_us, n, step_us) > cutoff)
    raw = ctx.db.engine.raw_connection()
    try:
        raw.executemany(
            "INSERT INTO segments (camera_id, owner_id, start_us, end_us, bytes, frames, blob_key)"
            " VALUES (?, ?, ?, ?, 1000, 100, ?)",
            _segments(cameras, plan.per_camera, now_us, step_us),
        )
        raw.commit()
    finally:
        raw.close()
    return keep


def _segments(
    cameras: list[tuple[str, str, int]], per_camera: int, now_us: int, step_us: int
) -> Iterator[tuple[str, str, int, int, str]]:
    for camera_id, owner_id, _ in cameras:
        for n in range(per_camera):
            end = _end(now_us, n, step_us)
            start = end - 4_000_000
            yield camera_id, owner_id, start, end, f"{owner_id}/{camera_id}/seg/{start}-0.mp4"


def _end(now_us: int, n: int, step_us: int) -> int:
    return now_us - n * step_us - 1_000_000


def _user(user_id: str, stamp: datetime) -> dict[str, Any]:
    return {"id": user_id, "email": f"{user_id}@example.org", "password_hash": "x",
            "created_at": stamp, "updated_at": stamp, "email_confirmed_at": stamp,
            "last_login_at": stamp, "failed_logins": 0}  # fmt: skip


def _camera(camera_id: str, owner_id: str, days: int, stamp: datetime) -> dict[str, Any]:
    return {"id": camera_id, "owner_id": owner_id, "name": "cam", "rtsp_url": "rtsp://x/",
            "activated_at": stamp, "recording_mode": "continuous",
            "retention_days": days}  # fmt: skip


def count_segments(ctx: AppContext) -> int:
    with ctx.db.session() as db:
        return int(db.scalar(select(func.count()).select_from(Segment)) or 0)


if __name__ == "__main__":
    raise SystemExit(main())
