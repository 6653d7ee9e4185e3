"""Backups that erasure reaches (P20): create, restore, and erased data staying erased."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, func, select, text

from hearthwatch.accounts.models import User
from hearthwatch.context import AppContext, build_context
from hearthwatch.db.migrate import upgrade
from hearthwatch.devices.models import Camera
from hearthwatch.errors import Conflict, ValidationFailed
from hearthwatch.media.models import Segment
from hearthwatch.models import metadata
from hearthwatch.privacy.consent.analytics import count_page_view, totals
from hearthwatch.privacy.erasure import backup
from hearthwatch.privacy.erasure import service as erasure
from hearthwatch.privacy.erasure.backup_cli import add_backup_command
from tests.factories import readable, segments_of


def fresh_context(ctx: AppContext, tmp_path: Path) -> AppContext:
    """An empty, migrated installation that shares only the keyring (as after a disaster)."""
    url = ctx.db.url
    ctx.db.dispose()
    if url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path / 'restored.db'}"
        upgrade(url)
    else:
        engine = create_engine(url)
        with engine.begin() as connection:
            names = ", ".join(t.name for t in metadata.sorted_tables)
            connection.execute(text(f"TRUNCATE {names} CASCADE"))
        engine.dispose()
    master = (ctx.settings.data_dir / "master.key").read_text().strip()
    settings = ctx.settings.model_copy(
        update={
            "data_dir": tmp_path / "restored",
            "database_url": url,
            "keyring_url": ctx.settings.resolved_keyring_url,
            "master_key": master,
        }
    )
    return build_context(settings)


@pytest.fixture
def restored(ctx: AppContext, tmp_path: Path) -> Iterator[Any]:
    made: list[AppContext] = []

    def make() -> AppContext:
        made.append(fresh_context(ctx, tmp_path))
        return made[-1]

    yield make
    for context in made:
        context.close()


def test_p20_backup_holds_only_a_sealed_keyring_copy_and_restores_everything(
    ctx: AppContext, household: dict[str, Any], tmp_path: Path, restored: Any
) -> None:
    saved = tmp_path / "backup"
    report = backup.create(ctx, to=saved)
    assert (report.accounts, report.objects) == (2, 7)
    manifest = json.loads((saved / "manifest.json").read_text())
    assert "keyring" in manifest["keyring"].lower()
    assert manifest["keyring_copy"]["file"] == "keyring.sealed"
    keyring_files = [p.name for p in saved.rglob("*") if "keyring" in p.name or p.suffix == ".key"]
    assert keyring_files == ["keyring.sealed"]  # never keyring.db, master.key or copy.key
    assert b"alice@example.org" not in b"".join(
        p.read_bytes() for p in saved.rglob("*") if p.is_file()
    )
    again = restored()
    result = backup.restore(again, path=saved)
    assert (result.accounts, result.skipped_accounts, result.objects) == (2, [], 7)
    with again.db.session() as session:
        assert session.scalar(select(func.count()).select_from(User)) == 2
    assert all(readable(again, s) for s in segments_of(again, household["cam_alice"]))


def test_p20_erasure_reaches_a_backup_made_before_it(
    ctx: AppContext, household: dict[str, Any], tmp_path: Path, restored: Any
) -> None:
    saved = tmp_path / "backup"
    backup.create(ctx, to=saved)
    with ctx.db.session() as session:
        user = session.get(User, household["alice"])
        assert user is not None
        erasure.erase_account_data(ctx, session, user=user)
        erasure.erase_device(
            ctx, session, user_id=household["carol"], camera_id=household["cam_carol"], unbind=False
        )
    manifest = backup.read_manifest(saved)
    assert backup.open_account(ctx, saved, household["alice"], manifest["backup_id"]) is None
    again = restored()
    result = backup.restore(again, path=saved)
    assert result.skipped_accounts == [household["alice"]]
    assert result.skipped_objects == 3 + 2  # Alice's, and the erased camera's
    with again.db.session() as session:
        emails = {user.email for user in session.scalars(select(User))}
        cameras = set(session.scalars(select(Camera.id)))
        recorded = set(session.scalars(select(Segment.camera_id)))
    assert emails == {"carol@example.org"}
    assert cameras == {household["cam_carol"], household["cam_carol_2"]}
    assert recorded == {household["cam_carol_2"]}
    assert all(readable(again, s) for s in segments_of(again, household["cam_carol_2"]))


def test_backup_refuses_a_used_folder_and_restore_a_used_database(
    ctx: AppContext, household: dict[str, Any], tmp_path: Path
) -> None:
    saved = tmp_path / "backup"
    backup.create(ctx, to=saved)
    with pytest.raises(Conflict) as used:
        backup.create(ctx, to=saved)
    assert used.value.code == "backup.folder_not_empty"
    with pytest.raises(Conflict) as full:
        backup.restore(ctx, path=saved)
    assert full.value.code == "backup.database_not_empty"
    with pytest.raises(ValidationFailed) as bogus:
        backup.restore(ctx, path=tmp_path)
    assert bogus.value.code == "backup.invalid"


def test_backup_command_is_registered() -> None:
    import argparse

    parser = argparse.ArgumentParser()
    add_backup_command(parser.add_subparsers())
    args = parser.parse_args(["backup", "create", "--to", "/tmp/x"])
    assert args.to == Path("/tmp/x") and callable(args.run)


def test_p20_item4_backup_keeps_analytics_days_and_restores_them(
    ctx: AppContext, household: dict[str, Any], tmp_path: Path, restored: Any
) -> None:
    """Issue 11 item 4: once anyone accepted analytics (rows with a `date`), a backup is
    written and restored, the days intact."""
    with ctx.db.session() as session:
        count_page_view(session, day=date(2026, 5, 1), section="home", new_visit=True)
        before = totals(session)
    saved = tmp_path / "backup"
    backup.create(ctx, to=saved)
    again = restored()
    backup.restore(again, path=saved)
    with again.db.session() as session:
        assert totals(session) == before


def test_p20_item4_a_failed_backup_leaves_nothing_behind(
    ctx: AppContext, household: dict[str, Any], tmp_path: Path
) -> None:
    """Issue 11 item 4: a backup that fails half-way (here: its keyring copy cannot be
    written) leaves no folder, no half-written file, and says why with a stable code."""
    copy_folder = ctx.settings.data_dir / "keyring-copies"
    shutil.rmtree(copy_folder, ignore_errors=True)
    copy_folder.write_text("a file where the copy folder should be mounted")
    target = tmp_path / "backups" / "monday"
    with pytest.raises(Conflict) as failed:
        backup.create(ctx, to=target)
    assert failed.value.code == "backup.write_failed"
    assert list((tmp_path / "backups").iterdir()) == []
    copy_folder.unlink()
    assert backup.create(ctx, to=target).accounts == 2
    assert sorted(p.name for p in (tmp_path / "backups").iterdir()) == ["monday"]
