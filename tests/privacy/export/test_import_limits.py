"""P23 with P21 and P22: restrictions and objections move with the data to another service."""

from __future__ import annotations

import json
import shutil
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from hearthwatch.accounts.models import User
from hearthwatch.context import AppContext
from hearthwatch.errors import HearthwatchError
from hearthwatch.privacy.audit import service as audit
from hearthwatch.privacy.datamap.uses import MARKETING, PRODUCT_ANALYTICS
from hearthwatch.privacy.export import service as export
from hearthwatch.privacy.export.portability_import import import_archive
from hearthwatch.privacy.limits import service as limits
from hearthwatch.privacy.limits.models import ProcessingLimit
from tests.factories import (
    add_camera,
    add_user,
    build_export,
    cameras_of,
    export_data_json,
    zip_of,
)

NEW_EMAIL = "alice@elsewhere.example"


def _camera(ctx: AppContext, owner_id: str, name: str) -> str:
    return add_camera(ctx, owner_id, name, rtsp_url="rtsp://192.0.2.10:554/s")


@pytest.fixture
def limited_archive(ctx: AppContext, make_user: Any, tmp_path: Path) -> Path:
    """Alice's export with limits in force, one lifted and one run out."""
    alice: User = make_user()
    garden = _camera(ctx, alice.id, "Garden")
    now = ctx.clock.now()
    with ctx.db.session() as db:
        limits.restrict(ctx, db, user_id=alice.id, use=limits.ALL_USES, camera_id=garden,
                        until=None, reason="Evidence for my insurer")  # fmt: skip
        limits.restrict(ctx, db, user_id=alice.id, use=PRODUCT_ANALYTICS, camera_id=None,
                        until=now + timedelta(days=30), reason=None)  # fmt: skip
        limits.object_to(ctx, db, user_id=alice.id, use=MARKETING, reason="No mail, thanks")
        lifted = limits.object_to(ctx, db, user_id=alice.id, use=PRODUCT_ANALYTICS, reason=None)
        limits.lift(ctx, db, user_id=alice.id, limit_id=lifted.id)
        ending = limits.restrict(ctx, db, user_id=alice.id, use=MARKETING, camera_id=None,
                                 until=now + timedelta(hours=1), reason=None)  # fmt: skip
        ending.until = now - timedelta(minutes=1)  # ran out before the export
    path = tmp_path / "export.zip"
    shutil.copy(export.archive_path(ctx, build_export(ctx, alice).id), path)
    return path


def _active(ctx: AppContext, user_id: str) -> list[ProcessingLimit]:
    with ctx.db.session() as db:
        found = limits.active(db, user_id=user_id, at=ctx.clock.now())
        db.expunge_all()
        return found


def test_p21_p22_p23_item17_import_carries_restrictions_and_objections(
    ctx: AppContext, other: AppContext, limited_archive: Path
) -> None:
    user_id = add_user(other, NEW_EMAIL).id
    summary = import_archive(other, user_id=user_id, path=limited_archive)
    assert summary.limits == 3

    carried = {(x.kind, x.use, x.camera_id is not None): x for x in _active(other, user_id)}
    assert set(carried) == {
        ("restriction", "all", True),
        ("restriction", PRODUCT_ANALYTICS, False),
        ("objection", MARKETING, False),
    }
    garden = cameras_of(other, user_id)["Garden"].id
    assert carried[("restriction", "all", True)].camera_id == garden
    assert carried[("restriction", "all", True)].reason == "Evidence for my insurer"
    until = carried[("restriction", PRODUCT_ANALYTICS, False)].until
    assert isinstance(until, datetime) and until > other.clock.now()

    now = other.clock.now()
    with other.db.session() as db:
        assert not limits.processing_allowed(db, user_id=user_id, use=MARKETING, at=now)
        assert not limits.processing_allowed(db, user_id=user_id, use=PRODUCT_ANALYTICS, at=now)
        assert limits.held_cameras(db, at=now) == {garden}
        imported = [
            e for e in audit.entries_about(db, user_id) if e.action.startswith("processing.")
        ]
    assert len(imported) == 3 and all(json.loads(e.details)["imported"] for e in imported)


def _limit_row(**changes: Any) -> dict[str, Any]:
    row = {"id": "l1", "kind": "objection", "use": MARKETING, "camera_id": None,
           "reason": None, "started_at": "2026-11-01T00:00:00+00:00", "until": None,
           "lifted_at": None}  # fmt: skip
    return row | changes


@pytest.mark.parametrize(
    "row",
    [
        _limit_row(use="selling_data"),
        _limit_row(kind="suspension"),
        _limit_row(kind="objection", use="all"),
        _limit_row(kind="restriction", use=MARKETING, camera_id="no-such-camera"),
        _limit_row(kind="restriction", use="all", camera_id="no-such-camera"),
        _limit_row(started_at="yesterday"),
        _limit_row(reason="x" * (limits.MAX_REASON + 1)),
    ],
)
def test_p23_item17_an_archive_with_a_broken_limit_is_refused_whole(
    ctx: AppContext, make_user: Any, tmp_path: Path, row: dict[str, Any]
) -> None:
    alice: User = make_user()
    tables = {"users": [{"id": "a" * 32, "nickname": "x"}], "processing_limits": [row]}
    path = tmp_path / "hostile.zip"
    path.write_bytes(zip_of({"data.json": export_data_json(tables=tables)}))
    with pytest.raises(HearthwatchError) as refused:
        import_archive(ctx, user_id=alice.id, path=path)
    assert refused.value.code == "privacy.import_limit_invalid"
    with ctx.db.session() as db:
        assert list(db.scalars(select(ProcessingLimit))) == []
        assert db.get(User, alice.id).nickname is None  # type: ignore[union-attr]
