"""Erasure against a segment still in flight (P19, P20): a segment cut before its camera's
recordings were erased never gets a fresh key, and an object that could not be indexed is
not left behind in the blob store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.exc import IntegrityError

from hearthwatch.context import AppContext
from hearthwatch.media.segmenter import FinishedSegment
from hearthwatch.media.store import camera_prefix
from hearthwatch.security.datakeys import KeyDestroyed
from tests.factories import add_camera, readable, segments_of

SECOND = 1_000_000


def cut_at(ctx: AppContext, offset: timedelta) -> FinishedSegment:
    """A four-second segment that began `offset` from now."""
    start = int((ctx.clock.now() + offset).timestamp() * SECOND)
    return FinishedSegment(start, start + 4 * SECOND, 100, b"video" * 500)


def objects(ctx: AppContext, owner_id: str, camera_id: str) -> list[str]:
    return list(ctx.vault.blobs.keys(camera_prefix(owner_id, camera_id)))


def test_p20_a_segment_cut_before_the_erasure_gets_no_fresh_key(
    ctx: AppContext, make_user: Any
) -> None:
    owner = make_user()
    camera_id = add_camera(ctx, owner.id)
    ctx.vault.store_segment(
        owner_id=owner.id, camera_id=camera_id, segment=cut_at(ctx, -timedelta(seconds=30))
    )
    ctx.vault.keys.destroy_device(owner.id, camera_id)  # the recordings are erased
    late = cut_at(ctx, -timedelta(seconds=3))  # cut before that, stored after
    with pytest.raises(KeyDestroyed):
        made_at = datetime.fromtimestamp(late.start_us / SECOND, UTC)
        ctx.vault.keys.key_for(owner.id, camera_id, create=True, made_at=made_at)
    ctx.vault.store_segment(owner_id=owner.id, camera_id=camera_id, segment=late)
    (earlier,) = segments_of(ctx, camera_id)  # the late one was not stored...
    assert not readable(ctx, earlier)  # ...and the earlier one stays shredded
    assert len(objects(ctx, owner.id, camera_id)) == 1
    # The camera was kept: what it records from now on is stored under a new key.
    ctx.vault.store_segment(
        owner_id=owner.id, camera_id=camera_id, segment=cut_at(ctx, timedelta(seconds=2))
    )
    fresh = [s for s in segments_of(ctx, camera_id) if readable(ctx, s)]
    assert len(fresh) == 1


def test_p19_a_whole_account_erasure_refuses_its_in_flight_segments(
    ctx: AppContext, make_user: Any
) -> None:
    owner = make_user()
    camera_id = add_camera(ctx, owner.id)
    ctx.vault.keys.destroy_account(owner.id)
    ctx.vault.store_segment(
        owner_id=owner.id, camera_id=camera_id, segment=cut_at(ctx, -timedelta(seconds=2))
    )
    assert segments_of(ctx, camera_id) == [] and objects(ctx, owner.id, camera_id) == []


def test_p19_an_object_that_cannot_be_indexed_is_removed(ctx: AppContext, make_user: Any) -> None:
    owner = make_user()
    missing_camera = "f" * 32  # removed meanwhile: the index refuses the row
    with pytest.raises(IntegrityError):
        ctx.vault.store_segment(
            owner_id=owner.id, camera_id=missing_camera, segment=cut_at(ctx, timedelta())
        )
    assert objects(ctx, owner.id, missing_camera) == []


def test_p19_a_key_read_while_it_is_destroyed_is_not_kept_in_memory(
    ctx: AppContext, make_user: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A recorder thread reading a camera's key while the camera is erased must not put the
    destroyed key back in the keyring's cache: it decrypted the erased recordings for a
    second after the erasure answered (a flaky erasure test found it)."""
    owner = make_user()
    camera_id = add_camera(ctx, owner.id)
    ctx.vault.store_segment(
        owner_id=owner.id, camera_id=camera_id, segment=cut_at(ctx, -timedelta(seconds=5))
    )
    (stored,) = segments_of(ctx, camera_id)
    keys = ctx.vault.keys
    keys._forget(lambda scope: True)  # nothing cached: the next read goes to the database
    load = keys._load

    def load_then_erase(scope: str) -> Any:
        read = load(scope)
        monkeypatch.setattr(keys, "_load", load)
        keys.destroy_device(owner.id, camera_id)  # the erasure lands between read and cache
        return read

    monkeypatch.setattr(keys, "_load", load_then_erase)
    with pytest.raises(KeyDestroyed):
        keys.key_for(owner.id, camera_id)
    assert not readable(ctx, stored)
