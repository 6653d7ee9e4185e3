"""P23 (portability): an export imports into another Hearthwatch with nothing lost, and
hostile archives are refused with stable codes."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from hearthwatch.accounts.models import ProfilePicture, User
from hearthwatch.cli import main
from hearthwatch.context import AppContext
from hearthwatch.errors import HearthwatchError
from hearthwatch.media.models import Segment
from hearthwatch.privacy.export.portability_import import (
    CAMERA_SETTINGS,
    check_members,
    import_archive,
)
from tests.conftest import STRONG_PASSWORD
from tests.factories import (
    Recorded,
    add_user,
    cameras_of,
    export_data_json,
    zip_of,
)
from tests.support.hostile_archives import HOSTILE

NEW_EMAIL = "alice@elsewhere.example"


def recordings_of(ctx: AppContext, camera_id: str) -> list[tuple[int, int, int, bytes]]:
    with ctx.db.session() as session:
        segments = session.scalars(
            select(Segment).where(Segment.camera_id == camera_id).order_by(Segment.start_us)
        ).all()
        session.expunge_all()
    return [(s.start_us, s.end_us, s.frames, ctx.vault.read_segment(s)) for s in segments]


def test_p23_round_trip_into_another_instance_loses_nothing(
    ctx: AppContext, alice: User, other: AppContext, archive: tuple[Path, list[Recorded]]
) -> None:
    path, recorded = archive
    user_id = add_user(other, NEW_EMAIL).id
    summary = import_archive(other, user_id=user_id, path=path)
    assert (summary.cameras, summary.segments) == (2, 7)
    with other.db.session() as session:
        moved = session.get(User, user_id)
        assert moved is not None
        assert (moved.nickname, moved.real_name, moved.email) == ("Al", "Alice B", NEW_EMAIL)
        assert other.passwords.verify(moved.password_hash, STRONG_PASSWORD)
        picture = session.get(ProfilePicture, user_id)
        assert picture is not None
        with ctx.db.session() as source:
            original = source.get(ProfilePicture, alice.id)
            assert original is not None
            assert picture.data == original.data
    before, after = cameras_of(ctx, alice.id), cameras_of(other, user_id)
    assert sorted(before) == sorted(after)
    for name, camera in before.items():
        moved_camera = after[name]
        for setting in (*CAMERA_SETTINGS, "rtsp_url", "sub_rtsp_url", "activated_at"):
            assert getattr(moved_camera, setting) == getattr(camera, setting), setting
        assert moved_camera.credentials is None  # withheld: entered again after the move
        # Byte for byte: every segment, its times and frame count, decrypted with new keys.
        assert recordings_of(other, moved_camera.id) == recordings_of(ctx, camera.id)
    stored = {s.start_us: s.data for r in recorded for s in r.segments}
    for moved_camera in after.values():
        for start, _end, _frames, data in recordings_of(other, moved_camera.id):
            assert data == stored[start]


def test_p23_import_through_the_api(
    client: TestClient, ctx: AppContext, make_user: Any, archive: tuple[Path, list[Recorded]]
) -> None:
    path, _ = archive
    client.cookies.clear()
    bob = make_user("bob@example.org")
    login = client.post(
        "/api/v1/auth/login", json={"email": bob.email, "password": STRONG_PASSWORD}
    )
    client.headers["x-csrf-token"] = login.json()["csrf_token"]
    answer = client.post(
        "/api/v1/privacy/import",
        content=path.read_bytes(),
        headers={"content-type": "application/zip"},
    )
    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "profile_fields": ["nickname", "real_name", "picture"],
        "cameras": 2,
        "segments": 7,
    }
    assert sorted(cameras_of(ctx, bob.id)) == ["Front door", "Garden"]
    assert not list((ctx.settings.data_dir / "imports").iterdir())


def test_p23_import_cli_creates_the_account(
    other: AppContext,
    archive: tuple[Path, list[Recorded]],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path, _ = archive
    monkeypatch.setenv("HEARTHWATCH_DATA_DIR", str(other.settings.data_dir))
    monkeypatch.setenv("HEARTHWATCH_ENVIRONMENT", "test")
    monkeypatch.setenv("HEARTHWATCH_LOG_JSON", "false")
    monkeypatch.setenv("HEARTHWATCH_ARGON2_TIME_COST", "1")
    monkeypatch.setenv("HEARTHWATCH_ARGON2_MEMORY_KIB", "1024")
    assert main(["privacy", "import", str(path), "--email", "new@example.org", "--json"]) == 0
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert result["account_created"] is True
    assert (result["cameras"], result["segments"]) == (2, 7)


# --- hostile archives ---


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_p23_hostile_archives_are_refused(
    ctx: AppContext, alice: User, tmp_path: Path, case: str
) -> None:
    payload, code = HOSTILE[case]
    path = tmp_path / "hostile.zip"
    path.write_bytes(payload)
    with pytest.raises(HearthwatchError) as refused:
        import_archive(ctx, user_id=alice.id, path=path)
    assert refused.value.code == code
    assert cameras_of(ctx, alice.id) == {}


def test_p23_member_longer_than_declared_is_refused(
    ctx: AppContext, alice: User, tmp_path: Path
) -> None:
    honest = zip_of({"data.json": export_data_json()})
    declared = len(export_data_json())
    # Lie in both headers: the entry claims 10 bytes fewer than it holds.
    forged = honest.replace(declared.to_bytes(4, "little"), (declared - 10).to_bytes(4, "little"))
    path = tmp_path / "forged.zip"
    path.write_bytes(forged)
    with pytest.raises(HearthwatchError) as refused:
        import_archive(ctx, user_id=alice.id, path=path)
    assert refused.value.code == "privacy.import_damaged"


def test_p23_api_refuses_hostile_and_oversized_uploads(
    client: TestClient, ctx: AppContext, alice: User
) -> None:
    payload, code = HOSTILE["path traversal"]
    refused = client.post(
        "/api/v1/privacy/import", content=payload, headers={"content-type": "application/zip"}
    )
    assert refused.status_code == 422
    assert refused.json()["error"]["code"] == code
    ctx.settings.import_max_bytes = 1024 * 1024
    big = client.post(
        "/api/v1/privacy/import",
        content=bytes(2 * 1024 * 1024),
        headers={"content-type": "application/zip"},
    )
    assert big.status_code == 413
    assert big.json()["error"]["code"] == "privacy.import_too_large"
    assert not list((ctx.settings.data_dir / "imports").iterdir())


def test_p23_import_needs_a_signed_in_caller(client: TestClient) -> None:
    answer = client.post(
        "/api/v1/privacy/import", content=b"x", headers={"content-type": "application/zip"}
    )
    assert answer.status_code == 401


def test_p23_huge_members_are_refused_before_reading(ctx: AppContext) -> None:
    huge = zipfile.ZipInfo("recordings/cam/big.mp4")
    huge.file_size, huge.compress_size = 64 * 1024**3, 60 * 1024**3
    data = zipfile.ZipInfo("data.json")
    with pytest.raises(HearthwatchError) as refused:
        check_members(ctx, [data, huge])
    assert (refused.value.status, refused.value.code) == (413, "privacy.import_too_large")
