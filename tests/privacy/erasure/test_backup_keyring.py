"""Issue 11, erasure item 2 (P20): what the operator keeps of the keyring cannot undo an
erasure. Keyring copies are sealed under a copy key that each erasure replaces; a restore
takes its keys only from a copy that still opens, which holds no erased key."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, select, text

from hearthwatch.accounts.models import User
from hearthwatch.context import AppContext, build_context
from hearthwatch.db.migrate import upgrade
from hearthwatch.errors import Conflict
from hearthwatch.models import metadata
from hearthwatch.privacy.erasure import backup
from hearthwatch.privacy.erasure import service as erasure
from hearthwatch.privacy.erasure.backup_cli import add_backup_command
from tests.factories import readable, segments_of


def after_disaster(ctx: AppContext, tmp_path: Path) -> AppContext:
    """A new installation after losing the old one: an empty database and an empty keyring,
    with only the master key and the keyring copy folder (mounted from its own disk)."""
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
    data_dir = tmp_path / "restored"
    copies = ctx.vault.keys.copies
    assert copies is not None
    shutil.copytree(copies.folder, data_dir / "keyring-copies")
    settings = ctx.settings.model_copy(
        update={
            "data_dir": data_dir,
            "database_url": url,
            "keyring_url": f"sqlite:///{tmp_path / 'new-keyring.db'}",
            "master_key": (ctx.settings.data_dir / "master.key").read_text().strip(),
        }
    )
    return build_context(settings)


@pytest.fixture
def disaster(ctx: AppContext, tmp_path: Path) -> Iterator[Any]:
    made: list[AppContext] = []

    def make() -> AppContext:
        made.append(after_disaster(ctx, tmp_path))
        return made[-1]

    yield make
    for context in made:
        context.close()


def test_p20_item2_a_backup_restores_with_its_own_keyring_copy(
    ctx: AppContext, household: dict[str, Any], tmp_path: Path, disaster: Any
) -> None:
    """Issue 11 item 2: with no erasure since, a backup and the copy folder are enough."""
    saved = tmp_path / "backup"
    backup.create(ctx, to=saved)
    again = disaster()
    result = backup.restore(again, path=saved)
    assert (result.accounts, result.skipped_accounts, result.objects) == (2, [], 7)
    assert result.keys_from == str(saved / "keyring.sealed")
    assert all(readable(again, s) for s in segments_of(again, household["cam_alice"]))


def test_p20_item2_a_keyring_copy_made_before_an_erasure_restores_nothing(
    ctx: AppContext, household: dict[str, Any], tmp_path: Path, disaster: Any
) -> None:
    """Issue 11 item 2: every keyring copy made before an erasure (the backup's, the copy
    folder's of that day) is refused; the restore takes the copy folder's fresh copy,
    which brings back everyone but the erased account."""
    saved = tmp_path / "backup"
    backup.create(ctx, to=saved)
    copies = ctx.vault.keys.copies
    assert copies is not None
    kept = tmp_path / "copy-folder-copy-of-that-day.sealed"
    shutil.copy(copies.copy_path, kept)
    with ctx.db.session() as session:
        user = session.get(User, household["alice"])
        assert user is not None
        outcome = erasure.erase_account_data(ctx, session, user=user)
    assert outcome.job_id is not None
    erasure.run_job(ctx, outcome.job_id)
    again = disaster()
    for old_copy in (saved / "keyring.sealed", kept):
        with pytest.raises(Conflict) as refused:
            backup.restore(again, path=saved, keyring_copy=old_copy)
        assert refused.value.code == "keyring.copy_outdated"
    result = backup.restore(again, path=saved)
    assert result.keys_from.endswith("keyring-copies/keyring.sealed")
    assert result.skipped_accounts == [household["alice"]]
    with again.db.session() as session:
        assert {user.email for user in session.scalars(select(User))} == {"carol@example.org"}
    assert all(readable(again, s) for s in segments_of(again, household["cam_carol"]))


def test_p20_item2_a_device_erasure_replaces_the_copy_key_too(
    ctx: AppContext, household: dict[str, Any], tmp_path: Path
) -> None:
    """Issue 11 item 2: destroying one camera's key re-seals the copies as well."""
    copies = ctx.vault.keys.copies
    assert copies is not None
    before = copies.refresh()
    with ctx.db.session() as session:
        erasure.erase_device(
            ctx, session, user_id=household["carol"], camera_id=household["cam_carol"], unbind=True
        )
    after = copies.write(tmp_path / "now.sealed")
    assert after != before
    scopes = {k["scope"] for k in copies.read(copies.copy_path)["keys"]}
    assert f"{household['carol']}/{household['cam_carol']}" not in scopes
    assert f"{household['carol']}/{household['cam_carol_2']}" in scopes


def test_backup_keyring_command_is_registered() -> None:
    import argparse

    parser = argparse.ArgumentParser()
    add_backup_command(parser.add_subparsers())
    args = parser.parse_args(["backup", "restore", "--from", "/b", "--keyring-copy", "/k"])
    assert args.keyring_copy == Path("/k") and callable(args.run)
    assert callable(parser.parse_args(["backup", "keyring"]).run)


def test_p20_item2_an_erasure_that_cannot_reach_the_copies_fails_and_is_retried(
    ctx: AppContext, household: dict[str, Any]
) -> None:
    """Issue 11 item 2: with the copy folder unwritable, an erasure stops with a stable
    code rather than leave copies that still open; tried again, it goes through."""
    copies = ctx.vault.keys.copies
    assert copies is not None
    shutil.rmtree(copies.folder, ignore_errors=True)
    copies.folder.write_text("the copy disk is not mounted")
    carol, camera = household["carol"], household["cam_carol"]
    with pytest.raises(Conflict) as failed, ctx.db.session() as session:
        erasure.erase_device(ctx, session, user_id=carol, camera_id=camera, unbind=False)
    assert failed.value.code == "keyring.copies_unwritable"
    copies.folder.unlink()
    with ctx.db.session() as session:
        erasure.erase_device(ctx, session, user_id=carol, camera_id=camera, unbind=False)
    scopes = {k["scope"] for k in copies.read(copies.copy_path)["keys"]}
    assert f"{carol}/{camera}" not in scopes and f"{carol}/{household['cam_carol_2']}" in scopes
