"""Recording retention: per-camera age and size limits, and a guard that keeps disk free.

Oldest segments go first. A camera recording only around events (`RECORDING_EVENTS`, issue
14) records continuously, and the sweep deletes each segment that lies wholly outside every
event's kept span (pre-roll to post-roll; an open event's span reaches to now) once it is
older than the furthest an event about to open could reach back (`EVENT_REACH_BACK_US`).
Recordings a person has restricted (P21: "keep it, use it for
nothing") are held: no rule deletes them while the restriction is in force, not even the
disk guard, which then logs that it could not free enough. Files are removed before their
index rows, and a final pass
removes files no row points to, so a crash between the two steps leaves nothing behind
for long: no orphan files, no rows pointing at missing media.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, delete, exists, func, or_, select, tuple_
from sqlalchemy.orm import Session

from hearthwatch.context import AppContext
from hearthwatch.devices.models import RECORDING_EVENTS, Camera
from hearthwatch.events.detection import EVENT_REACH_BACK_US
from hearthwatch.events.models import Event
from hearthwatch.media.models import Segment
from hearthwatch.privacy.limits import service as limits

log = logging.getLogger("hearthwatch.retention")

BATCH = 2000
ROWS_PER_STATEMENT = 1000
DAY_US = 86_400_000_000


@dataclass
class SweepReport:
    by_age: int = 0
    by_size: int = 0
    for_disk: int = 0
    orphans: int = 0
    outside_events: int = 0

    @property
    def deleted(self) -> int:
        return self.by_age + self.by_size + self.for_disk + self.outside_events


def sweep(
    ctx: AppContext, *, now_us: int, free_fraction: Callable[[], float] | None = None
) -> SweepReport:
    """Apply every camera's limits, then the disk guard."""
    report = SweepReport()
    with ctx.db.session() as session:
        held = limits.held_cameras(session, at=ctx.clock.now())
        cameras = [
            row
            for row in session.execute(
                select(Camera.id, Camera.retention_days, Camera.retention_bytes)
            )
            if row[0] not in held
        ]
        around_events = set(
            session.scalars(select(Camera.id).where(Camera.recording_mode == RECORDING_EVENTS))
        )
    expired = (
        _expired_batches(ctx, camera_id, now_us - days * DAY_US)
        for camera_id, days, _ in cameras
        if days
    )
    report.by_age = _remove_pipelined(ctx, itertools.chain.from_iterable(expired))
    outside = (
        _outside_events_batches(ctx, camera_id, now_us - EVENT_REACH_BACK_US)
        for camera_id, _, _ in cameras
        if camera_id in around_events
    )
    report.outside_events = _remove_pipelined(ctx, itertools.chain.from_iterable(outside))
    for camera_id, _, max_bytes in cameras:
        if max_bytes:
            report.by_size += _delete_over_size(ctx, camera_id, max_bytes)
    if free_fraction is not None:
        report.for_disk = _keep_disk_free(ctx, free_fraction, held)
    return report


def _expired_batches(
    ctx: AppContext, camera_id: str, before_us: int
) -> Iterator[list[tuple[int, str]]]:
    """The camera's segments that ended before `before_us`, oldest first, a batch at a time.

    Walks the (camera, start) index from the oldest segment and stops at `before_us` (what
    ended before the cut-off also started before it), paging by (start, id) so the next
    batch can be read while the previous one is still being deleted.
    """
    after = (-1, -(2**62))  # (id, start_us) of the last row handed out
    while True:
        with ctx.db.session() as session:
            rows = list(
                session.execute(
                    select(Segment.id, Segment.blob_key, Segment.start_us)
                    .where(
                        Segment.camera_id == camera_id,
                        Segment.start_us >= after[1],
                        Segment.start_us < before_us,
                        Segment.end_us <= before_us,
                        tuple_(Segment.start_us, Segment.id) > tuple_(after[1], after[0]),
                    )
                    .order_by(Segment.start_us, Segment.id)
                    .limit(BATCH)
                )
            )
        if not rows:
            return
        after = (int(rows[-1][0]), int(rows[-1][2]))
        yield _pairs(rows)


def _outside_events_batches(
    ctx: AppContext, camera_id: str, before_us: int
) -> Iterator[list[tuple[int, str]]]:
    """The camera's segments that ended before `before_us` and overlap no event's kept span,
    oldest first, a batch at a time (each batch is deleted before the next is read)."""
    kept = exists().where(
        Event.camera_id == camera_id,
        Event.span_start_us < Segment.end_us,
        or_(Event.span_end_us.is_(None), Event.span_end_us > Segment.start_us),
    )
    after = (-1, -(2**62))  # (id, start_us) of the last row handed out
    while True:
        with ctx.db.session() as session:
            rows = list(
                session.execute(
                    select(Segment.id, Segment.blob_key, Segment.start_us)
                    .where(
                        and_(Segment.camera_id == camera_id, Segment.end_us <= before_us),
                        tuple_(Segment.start_us, Segment.id) > tuple_(after[1], after[0]),
                        ~kept,
                    )
                    .order_by(Segment.start_us, Segment.id)
                    .limit(BATCH)
                )
            )
        if not rows:
            return
        after = (int(rows[-1][0]), int(rows[-1][2]))
        yield _pairs(rows)


def _remove_pipelined(ctx: AppContext, batches: Iterable[list[tuple[int, str]]]) -> int:
    """`_remove` for many batches, deleting one batch's files while the previous batch's rows
    are deleted: files still go before their rows, and the two kinds of I/O overlap."""
    deleted = 0
    pending: tuple[Future[None], list[tuple[int, str]]] | None = None
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="retention-files") as files:
        for batch in batches:
            started = files.submit(ctx.vault.blobs.delete_many, [key for _, key in batch])
            if pending is not None:
                deleted += _finish(ctx, *pending)
            pending = (started, batch)
        if pending is not None:
            deleted += _finish(ctx, *pending)
    return deleted


def _finish(ctx: AppContext, files_deleted: Future[None], batch: list[tuple[int, str]]) -> int:
    files_deleted.result()
    _delete_rows(ctx, [segment_id for segment_id, _ in batch])
    return len(batch)


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


def _keep_disk_free(
    ctx: AppContext, free_fraction: Callable[[], float], held: frozenset[str]
) -> int:
    deleted = 0
    while free_fraction() < ctx.settings.keep_free_disk_fraction:
        with ctx.db.session() as session:
            batch = _pairs(
                session.execute(
                    select(Segment.id, Segment.blob_key)
                    .where(Segment.camera_id.not_in(held))
                    .order_by(Segment.start_us)
                    .limit(BATCH // 10)
                )
            )
        if not batch:
            if held:
                log.error("disk low: only recordings held by a restriction are left to delete")
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
    _delete_rows(ctx, [segment_id for segment_id, _ in pairs])
    return len(pairs)


def _delete_rows(ctx: AppContext, ids: list[int]) -> None:
    with ctx.db.session() as session:
        for start in range(0, len(ids), ROWS_PER_STATEMENT):
            chunk = ids[start : start + ROWS_PER_STATEMENT]
            session.execute(
                delete(Segment).where(Segment.id.in_(chunk)),
                execution_options={"synchronize_session": False},  # nothing is loaded
            )


def remove_orphans(ctx: AppContext, *, now_us: int, prefix: str = "") -> int:
    """Delete segment files that no index row points to (a minute old at least, so a file
    whose row is being written right now is left alone).

    One camera at a time, so memory holds one camera's index, not the whole installation's
    (a camera recording for a month has some 650,000 segments). Files of cameras no longer
    in the database are for the erasure jobs, which delete whole prefixes.
    """
    with ctx.db.session() as session:
        cameras = list(session.execute(select(Camera.owner_id, Camera.id)))
    removed = 0
    for owner_id, camera_id in cameras:
        camera_prefix = f"{owner_id}/{camera_id}/"
        if not (camera_prefix.startswith(prefix) or prefix.startswith(camera_prefix)):
            continue
        with ctx.db.session() as session:
            known = set(
                session.scalars(select(Segment.blob_key).where(Segment.camera_id == camera_id))
            )
        orphans = [
            key
            for key in ctx.vault.blobs.keys(max(prefix, camera_prefix, key=len))
            if "/seg/" in key and key not in known and _started_us(key) < now_us - 60_000_000
        ]
        ctx.vault.blobs.delete_many(orphans)
        removed += len(orphans)
    return removed


def _started_us(key: str) -> int:
    try:
        return int(key.rsplit("/", 1)[-1].split("-", 1)[0])
    except ValueError:
        return 0
