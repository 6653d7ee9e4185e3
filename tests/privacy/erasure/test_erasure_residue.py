"""Issue 11, erasure items 1 and 5 (P19, P20, P38): nothing of an erased person lingers in
the databases' write-ahead files, the keyring, the demo outbox, the logs or earlier backups,
and `verify-erasure` looks in every one of those places."""

from __future__ import annotations

import argparse
import json
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

import hearthwatch as hearthwatch_package
from hearthwatch.accounts.admin import create_confirmed_user
from hearthwatch.accounts.models import User
from hearthwatch.context import AppContext, build_context
from hearthwatch.errors import Conflict
from hearthwatch.mail.backends import OutboxMailer
from hearthwatch.mail.messages import OutgoingMail
from hearthwatch.privacy.erasure import backup
from hearthwatch.privacy.erasure import service as erasure
from hearthwatch.privacy.erasure.cli import run_verify_erasure
from hearthwatch.privacy.erasure.traces import files_under, sqlite_side_files, wal_commits
from hearthwatch.privacy.erasure.verify import verify
from hearthwatch.security.datakeys import DataKey
from hearthwatch.settings import Settings
from tests.conftest import STRONG_PASSWORD, sign_in
from tests.factories import add_camera, add_segments
from tests.support.erasure import ask_code, erase_account
from tests.support.smtp import Mailbox

EMAIL, NICKNAME = "zelda.quist@example.org", "Zeldaquist"
CAMERA_URL = "rtsp://192.0.2.77:554/zelda-porch"


def keys_in_image(image: bytes, tmp_path: Path, account_id: str) -> int:
    target = tmp_path / "rolled-back-keyring.db"
    target.write_bytes(image)
    connection = sqlite3.connect(target)
    try:
        query = "SELECT count(*) FROM data_keys WHERE account_id = ?"
        return int(connection.execute(query, (account_id,)).fetchone()[0])
    finally:
        connection.close()
        for leftover in (target, *target.parent.glob("rolled-back-keyring.db-*")):
            leftover.unlink(missing_ok=True)


def keyring_file(ctx: AppContext) -> Path:
    return sqlite_side_files(ctx.settings.resolved_keyring_url)[0]


def erase_now(ctx: AppContext, user_id: str) -> None:
    """The whole account erasure, as the service runs it: the request, then the job."""
    with ctx.db.session() as session:
        user = session.get(User, user_id)
        assert user is not None
        outcome = erasure.erase_account_data(ctx, session, user=user)
    assert outcome.job_id is not None
    erasure.run_job(ctx, outcome.job_id)


def every_byte(places: list[Path]) -> bytes:
    return b"".join(p.read_bytes() for p in files_under(places)).lower()


@pytest.fixture
def zelda(ctx: AppContext, make_user: Any) -> str:
    """An account with a nickname and a recording camera with its own address."""
    user = make_user(EMAIL, nickname=NICKNAME)
    camera_id = add_camera(ctx, user.id, "Porch")
    with ctx.db.session() as session:
        from hearthwatch.devices.models import Camera

        camera = session.get(Camera, camera_id)
        assert camera is not None
        camera.rtsp_url = CAMERA_URL
    add_segments(ctx, user.id, camera_id, range(0, 12, 4))
    return str(user.id)


def test_p19_p20_item1_keyring_wal_holds_no_destroyed_key(
    ctx: AppContext, zelda: str, tmp_path: Path
) -> None:
    """Issue 11 item 1: the erased account's wrapped keys are gone from `keyring.db` and its
    `-wal` at once, and no commit the files still hold brings one back."""
    with ctx.vault.keys.db.session() as session:
        wrapped = list(session.scalars(select(DataKey.wrapped).where(DataKey.account_id == zelda)))
    assert wrapped  # the camera's key (and the account's, once sealed rows need it)
    erase_now(ctx, zelda)
    database = keyring_file(ctx)
    held = every_byte(sqlite_side_files(ctx.settings.resolved_keyring_url))
    assert not [w for w in wrapped if w.lower() in held]
    for image in wal_commits(database):
        assert keys_in_image(image, tmp_path, zelda) == 0


def test_p19_p38_item1_database_wal_holds_no_personal_row(
    client: TestClient, ctx: AppContext, zelda: str, mailbox: Mailbox, tmp_path: Path
) -> None:
    """Issue 11 item 1: right after an erasure, no byte of the metadata database, its
    `-wal` or anything else on disk holds the e-mail, nickname, password hash or camera
    address (SQLite's secure_delete and a TRUNCATE checkpoint)."""
    with ctx.db.session() as session:
        password_hash = session.get(User, zelda).password_hash  # type: ignore[union-attr]
    sign_in(client, EMAIL)
    assert erase_account(client, code=ask_code(client, mailbox, EMAIL)).status_code == 200
    assert erasure.pending_jobs(ctx) == []
    held = every_byte([tmp_path, *sqlite_side_files(ctx.settings.resolved_database_url)])
    for trace in (EMAIL, NICKNAME, password_hash, CAMERA_URL):
        assert trace.lower().encode() not in held, trace


@pytest.fixture
def outbox_ctx(ctx: AppContext) -> Iterator[AppContext]:
    """The installation with the development outbox instead of SMTP."""
    settings = ctx.settings.model_copy(update={"mail_backend": "outbox"})
    context = build_context(settings)
    yield context
    context.close()


def test_p19_item1_demo_outbox_drops_mail_to_and_about_the_erased_person(
    outbox_ctx: AppContext,
) -> None:
    """Issue 11 item 1: the demo outbox keeps no mail to or about an erased address."""
    with outbox_ctx.db.session() as session:
        user = create_confirmed_user(
            outbox_ctx, session, email=EMAIL, password=STRONG_PASSWORD, nickname=NICKNAME
        )
    send = outbox_ctx.mailer.send
    send(OutgoingMail(to=EMAIL, subject="Your code: 123456", body="Hello", kind="t"))
    send(OutgoingMail(to="bob@example.org", subject="Shared", body=f"{NICKNAME} shared", kind="t"))
    send(OutgoingMail(to="bob@example.org", subject="Maintenance", body="Sunday", kind="t"))
    erase_now(outbox_ctx, user.id)
    mailer = outbox_ctx.mailer
    assert isinstance(mailer, OutboxMailer)
    left = [(str(m["To"]), str(m["Subject"])) for m in mailer.messages()]
    assert left == [("bob@example.org", "Maintenance")]  # the receipt to Zelda went too
    assert EMAIL.encode() not in every_byte([outbox_ctx.settings.outbox_dir])


def test_p19_p20_item5_nothing_of_an_erased_person_is_left_anywhere(
    ctx: AppContext, zelda: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 11 item 5: erase, then search every byte of the data directory, the database
    files and an earlier backup for the e-mail and nickname, and try every keyring copy that
    existed before the erasure; `verify-erasure` agrees."""
    earlier = tmp_path / "earlier-backup"
    backup.create(ctx, to=earlier)
    copies = ctx.vault.keys.copies
    assert copies is not None
    kept = tmp_path / "copies-kept-before"
    kept.mkdir()
    shutil.copy(copies.copy_path, kept / "from-the-copy-folder.sealed")
    shutil.copy(earlier / "keyring.sealed", kept / "from-the-backup.sealed")
    erase_now(ctx, zelda)
    places = [tmp_path, *sqlite_side_files(ctx.settings.resolved_database_url)]
    held = every_byte(places)
    assert EMAIL.encode() not in held and NICKNAME.lower().encode() not in held
    for copy in sorted(kept.iterdir()):
        with pytest.raises(Conflict) as refused:
            copies.read(copy)
        assert refused.value.code == "keyring.copy_outdated"
    args = argparse.Namespace(
        account=zelda,
        camera=None,
        backup=[earlier],
        look_for=[EMAIL, NICKNAME],
        keyring_copy=sorted(kept.iterdir()),
        json=True,
    )
    assert run_verify_erasure(ctx.settings, args) == 0
    result = json.loads(capsys.readouterr().out.strip())
    assert result["ok"], result
    assert "keyrings and keyring copies" in result["checked"]


def plant_in_log(ctx: AppContext, tmp_path: Path) -> Path:
    target = ctx.settings.data_dir / "logs" / "server-2026-01-02.jsonl"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps({"message": f"mail sent to {EMAIL}"}) + "\n")
    return target


def plant_in_outbox(ctx: AppContext, tmp_path: Path) -> Path:
    target = ctx.settings.outbox_dir / "00000000000000000001-abcd-test.eml"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(f"To: {EMAIL.upper()}\nSubject: hello\n\nhi\n")
    return target


def plant_in_database_wal(ctx: AppContext, tmp_path: Path) -> Path:
    """Bytes appended after the last valid frame: SQLite ignores them, a reader does not."""
    side = sqlite_side_files(ctx.settings.resolved_database_url)
    if not side:
        pytest.skip("PostgreSQL keeps its write-ahead log outside the installation's files")
    target = side[1]
    with target.open("ab") as wal:
        wal.write(b"\0" * 64 + EMAIL.encode() + b"\0" * 64)
    return target


@pytest.mark.parametrize("plant", [plant_in_log, plant_in_outbox, plant_in_database_wal])
def test_p19_item5_verify_erasure_fails_when_a_trace_is_left(
    ctx: AppContext, zelda: str, tmp_path: Path, plant: Any
) -> None:
    """Issue 11 item 5: a data directory that still holds the erased e-mail fails the
    check, wherever the e-mail lies (the finding names the file, never the e-mail)."""
    erase_now(ctx, zelda)
    assert verify(ctx, account_id=zelda, look_for=[EMAIL, NICKNAME]).ok
    planted = plant(ctx, tmp_path)
    check = verify(ctx, account_id=zelda, look_for=[EMAIL, NICKNAME])
    assert not check.ok
    assert [f for f in check.readable if str(planted) in f and EMAIL not in f]


def test_p20_item5_verify_erasure_fails_on_a_keyring_file_copy(
    ctx: AppContext, zelda: str, tmp_path: Path
) -> None:
    """Issue 11 item 5: a copy of `keyring.db` taken before the erasure, left in the data
    directory, is found and fails the check."""
    kept = ctx.settings.data_dir / "keyring-before.db"
    ctx.vault.keys.db.scrub()
    shutil.copy(keyring_file(ctx), kept)
    erase_now(ctx, zelda)
    check = verify(ctx, account_id=zelda)
    assert [f for f in check.readable if str(kept) in f and "key(s) still there" in f]
    kept.unlink()
    assert verify(ctx, account_id=zelda).ok


def test_p20_item5_verify_erasure_rolls_a_keyring_copy_back_through_its_wal(
    ctx: AppContext, zelda: str
) -> None:
    """Issue 11 item 1 and 5: a keyring copy whose newest state holds no key of the erased
    account, but whose file without its `-wal`, or an earlier commit in it, still does,
    fails the check."""
    ctx.vault.keys.db.scrub()
    planted = ctx.settings.data_dir / "keyring-rolled.db"
    shutil.copy(keyring_file(ctx), planted)
    holder = sqlite3.connect(planted)  # kept open: closing would checkpoint the -wal
    try:
        holder.execute("PRAGMA journal_mode=WAL")
        holder.execute("PRAGMA wal_autocheckpoint=0")
        holder.execute("DELETE FROM data_keys WHERE account_id = ?", (zelda,))
        holder.commit()
        erase_now(ctx, zelda)
        check = verify(ctx, account_id=zelda)
    finally:
        holder.close()
    assert [f for f in check.readable if str(planted) in f]


def test_p19_item5_a_camera_recording_anew_after_its_erasure_is_not_a_finding(
    ctx: AppContext, zelda: str
) -> None:
    """Issue 11 item 5: the keyring check flags keys destroyed since they were made, not the
    fresh key of a camera kept bound that records again after its data was erased."""
    with ctx.db.session() as session:
        from hearthwatch.devices.models import Camera

        camera_id = session.scalars(select(Camera.id).where(Camera.owner_id == zelda)).one()
        erasure.erase_device(ctx, session, user_id=zelda, camera_id=camera_id, unbind=False)
    ctx.vault.keys.key_for(zelda, camera_id, create=True)  # what its next segment does
    ctx.vault.keys.db.scrub()  # the new key in the file itself, not only in the -wal
    check = verify(ctx, camera_id=camera_id)
    assert check.ok, check.readable


def hearthwatch(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    """The command line, running the very package under test."""
    env = {
        "HEARTHWATCH_DATA_DIR": str(settings.data_dir),
        "HEARTHWATCH_DATABASE_URL": settings.resolved_database_url,
        "HEARTHWATCH_KEYRING_URL": settings.resolved_keyring_url,
        "HEARTHWATCH_ENVIRONMENT": "development",
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": str(Path(hearthwatch_package.__file__).parents[1]),
    }
    command = [sys.executable, "-m", "hearthwatch.cli", *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, check=False)


def test_p19_p20_item5_operator_commands_from_backup_to_verification(
    ctx: AppContext, zelda: str, tmp_path: Path
) -> None:
    """Issue 11 items 2 and 5 from the command line: `backup create`, `backup keyring`,
    then `privacy verify-erasure` passes after the erasure and fails (exit 1, the trace not
    repeated) once the e-mail is planted in a log file."""
    earlier = tmp_path / "monday"
    made = hearthwatch(ctx.settings, "backup", "create", "--to", str(earlier))
    assert made.returncode == 0 and "sealed keyring copy" in made.stdout, made.stderr
    assert hearthwatch(ctx.settings, "backup", "keyring").returncode == 0
    erase_now(ctx, zelda)
    check = [
        *("privacy", "verify-erasure", "--account", zelda),
        *("--look-for", EMAIL, "--look-for", NICKNAME, "--backup", str(earlier)),
    ]
    passed = hearthwatch(ctx.settings, *check)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    plant_in_log(ctx, tmp_path)
    failed = hearthwatch(ctx.settings, *check)
    assert failed.returncode == 1 and "server-2026-01-02.jsonl" in failed.stdout
    assert EMAIL not in failed.stdout
