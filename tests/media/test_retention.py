"""Retention per camera and the disk guard: oldest first, no orphan files or rows."""

from __future__ import annotations

from typing import Any

from hearthwatch.context import AppContext
from hearthwatch.devices.models import Camera
from hearthwatch.media import retention
from tests.factories import DAY_US, add_camera_with_days, stored_segments

NOW_US = 1_800_000_000_000_000


def test_p33_age_limit_deletes_old_segments_files_and_rows(ctx: AppContext, make_user: Any) -> None:
    camera = add_camera_with_days(ctx, make_user().id, until_us=NOW_US, days=5, retention_days=2)
    report = retention.sweep(ctx, now_us=NOW_US)
    rows, files = stored_segments(ctx, camera)
    assert report.by_age == 9 and len(rows) == 6
    assert all(r.end_us > NOW_US - 2 * DAY_US for r in rows)
    assert files == sorted(r.blob_key for r in rows)


def test_size_limit_keeps_the_newest(ctx: AppContext, make_user: Any) -> None:
    camera = add_camera_with_days(ctx, make_user().id, until_us=NOW_US, days=2, per_day=5)
    one = stored_segments(ctx, camera)[0][0].bytes
    with ctx.db.session() as session:
        session.get(Camera, camera.id).retention_bytes = one * 4  # type: ignore[union-attr]
    report = retention.sweep(ctx, now_us=NOW_US)
    rows, files = stored_segments(ctx, camera)
    assert report.by_size == 6 and len(rows) == 4 and len(files) == 4
    assert rows[0].start_us > NOW_US - DAY_US  # only the newest day is left


def test_disk_guard_deletes_oldest_until_enough_is_free(ctx: AppContext, make_user: Any) -> None:
    camera = add_camera_with_days(ctx, make_user().id, until_us=NOW_US, days=3)
    ctx.settings.keep_free_disk_fraction = 0.5
    frees = iter([0.1, 0.2, 0.6])
    report = retention.sweep(ctx, now_us=NOW_US, free_fraction=lambda: next(frees))
    assert report.for_disk == 9 - len(stored_segments(ctx, camera)[0])
    assert report.for_disk > 0


def test_orphan_files_are_removed_but_fresh_ones_kept(ctx: AppContext, make_user: Any) -> None:
    camera = add_camera_with_days(ctx, make_user().id, until_us=NOW_US, days=1)
    prefix = f"{camera.owner_id}/{camera.id}/seg/"
    ctx.vault.blobs.put(f"{prefix}{NOW_US - 3_600_000_000}-dead.mp4", b"orphan")
    ctx.vault.blobs.put(f"{prefix}{NOW_US}-fresh.mp4", b"being indexed")
    assert retention.remove_orphans(ctx, now_us=NOW_US) == 1
    assert len(stored_segments(ctx, camera)[1]) == 4
