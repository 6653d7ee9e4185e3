"""Recording retention: per-camera age and size limits, and a guard that keeps disk free.

Oldest segments go first. Files are removed before their index rows, and a final pass
removes files no row points to, so a crash between the two steps leaves nothing behind
for long: no orphan files, no rows pointing at missing media.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from hearthwatch.context import AppContext
from hearthwatch.devices.models import Camera
from hearthwatch.media.models import Segment

log = logging.getLogger("hearthwatch.retention")

BATCH = 2000
DAY_US = 86_400_000_000


@dataclass
class SweepReport:
    by_age: int = 0
    by_size: int = 0
    for_disk: int = 0
    orphans: int = 0

    @property
    def deleted(self) -> int:
        return self.by_age + self.by_size + self.for_disk


def sweep(
    ctx: AppContext, *, now_us: int, free_fraction: Callable[[], float] | None = None
) -> SweepReport:
    """Apply every camera's limits, then the disk guard."""
    report = SweepReport()
    with ctx.db.session() as session:
        cameras = list(
            session.execute(select(Camera.id, Camera.retention_days, Camera.retention_bytes))
        )
    for camera_id, days, max_bytes in cameras:
        if days:
            report.by_age += _delete_older(ctx, camera_id, now_us - days * DAY_US)
        if max_bytes:
            report.by_size += _delete_over_size(ctx, camera_id, max_bytes)
    if free_fraction is not None:
        report.for_disk = _keep_disk_free(ctx, free_fraction)
    return report


def _delete_older(ctx: AppContext, camera_id: str, before_us: int) -> int:
    deleted = 0
    while True:
        with ctx.db.session() as session:
            batch = _pairs(
                session.execute(
                    select(Segment.id, Segment.blob_key)
                    .where(Segment.camera_id == camera_id, Segment.end_us <= before_us)
                    .order_by(Segment.start_us)
                    .limit(BATCH)
                )
            )
        if not batch:
            return deleted
        deleted += _remove(ctx, batch)


def _delete_over_size(ctx: AppContext, camera_id: str, max_bytes: int) -> int:
    with ctx.db.session() as session:
        total = int(
            session.scalar(
                select(func.coalesce(func.sum(Segment.bytes), 0)).where(
                    Segment.camera_id == camera_id
                )
            )
            or 0
        )
        if total <= max_bytes:
            return 0
        doomed = _oldest_covering(session, camera_id, total - max_bytes)
    return _remove(ctx, doomed)


def _keep_disk_free(ctx: AppContext, free_fraction: Callable[[], float]) -> int:
    deleted = 0
    while free_fraction() < ctx.settings.keep_free_disk_fraction:
        with ctx.db.session() as session:
            batch = _pairs(
                session.execute(
                    select(Segment.id, Segment.blob_key)
                    .order_by(Segment.start_us)
                    .limit(BATCH // 10)
                )
            )
        if not batch:
            break
        deleted += _remove(ctx, batch)
    return deleted


def _pairs(rows: Iterable[Any]) -> list[tuple[int, str]]:
    return [(int(row[0]), str(row[1])) for row in rows]


def _oldest_covering(session: Session, camera_id: str, excess: int) -> list[tuple[int, str]]:
    chosen: list[tuple[int, str]] = []
    freed = 0
    rows = session.execute(
        select(Segment.id, Segment.blob_key, Segment.bytes)
        .where(Segment.camera_id == camera_id)
        .order_by(Segment.start_us)
    )
    for segment_id, key, size in rows:
        if freed >= excess:
            break
        chosen.append((segment_id, key))
        freed += size
    return chosen


def _remove(ctx: AppContext, pairs: list[tuple[int, str]]) -> int:
    ctx.vault.blobs.delete_many(key for _, key in pairs)
    with ctx.db.session() as session:
        for start in range(0, len(pairs), 500):
            ids = [segment_id for segment_id, _ in pairs[start : start + 500]]
            session.execute(delete(Segment).where(Segment.id.in_(ids)))
    return len(pairs)


def remove_orphans(ctx: AppContext, *, now_us: int, prefix: str = "") -> int:
    """Delete segment files that no index row points to (a minute old at least, so a file
    whose row is being written right now is left alone)."""
    with ctx.db.session() as session:
        known = set(session.scalars(select(Segment.blob_key)))
    orphans = [
        key
        for key in ctx.vault.blobs.keys(prefix)
        if "/seg/" in key and key not in known and _started_us(key) < now_us - 60_000_000
    ]
    ctx.vault.blobs.delete_many(orphans)
    return len(orphans)


def _started_us(key: str) -> int:
    try:
        return int(key.rsplit("/", 1)[-1].split("-", 1)[0])
    except ValueError:
        return 0
