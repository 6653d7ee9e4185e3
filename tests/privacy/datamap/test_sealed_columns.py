"""P38 (issue 11 item 3): personal text is stored sealed with the account's data key.

Proven on the database itself: the raw values read with plain SQL, the SQLite file's bytes,
and a copy of the database taken before an erasure (P19, P20), which must no longer give
the e-mail, names or camera address away once the account's key is destroyed.
"""

from __future__ import annotations

import hashlib
import hmac
import sqlite3
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import String, event, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.types import LargeBinary

from hearthwatch import cli
from hearthwatch.accounts import codes
from hearthwatch.accounts.emails import emails_by_id
from hearthwatch.accounts.models import User
from hearthwatch.accounts.registration import find_user_by_email
from hearthwatch.context import AppContext
from hearthwatch.db.migrate import downgrade, upgrade
from hearthwatch.devices.models import Camera
from hearthwatch.devices.registry import SEALED_PREFIX, register_camera
from hearthwatch.models import metadata
from hearthwatch.privacy.datamap.service import PERSONAL_FIELDS, Category, sealed_fields
from hearthwatch.privacy.erasure import service as erasure
from hearthwatch.privacy.export.data_view import data_of
from hearthwatch.privacy.minors.models import GuardianConsent
from hearthwatch.privacy.oversight.check import check
from hearthwatch.security.sealed_columns import (
    _SEALED_BY_CLASS,
    INDEX_PURPOSE,
    MAGIC,
    KeyCache,
    SealedValueUnreadable,
    sealer_of,
)
from hearthwatch.security.sealed_rows import seal_plaintext_rows, unseal_rows
from hearthwatch.settings import Settings
from tests.conftest import sign_in
from tests.support.notify_rows import ALERT_PLAINTEXTS, add_alert_channels

EMAIL = "robin.sealed@example.org"
NICKNAME = "Robin-the-nickname"
REAL_NAME = "Robin Sealedperson"
RTSP_URL = "rtsp://198.51.100.77:554/main-stream"
SUB_RTSP_URL = "rtsp://198.51.100.77:554/sub-stream"
NEW_EMAIL = "robin.pending@example.org"
GUARDIAN_EMAIL = "guardian.sealed@example.org"
GUARDIAN_NAME = "Gwen Guardianname"
PLAINTEXTS = (EMAIL, NICKNAME, REAL_NAME, RTSP_URL, SUB_RTSP_URL, NEW_EMAIL, GUARDIAN_EMAIL,
              GUARDIAN_NAME, *ALERT_PLAINTEXTS)  # fmt: skip
# Every identifier a person types or a camera reveals, which must never be stored readable.
IDENTIFIERS = {
    "users.email",
    "users.nickname",
    "users.real_name",
    "one_time_codes.email",
    "cameras.rtsp_url",
    "cameras.sub_rtsp_url",
    "guardian_consents.guardian_email",
    "guardian_consents.guardian_name",
}


def personal_rows(ctx: AppContext, make_user: Any) -> User:
    """An account with every sealed column filled: names, a camera, a pending address, the
    guardian who consented."""
    user: User = make_user(EMAIL, nickname=NICKNAME)
    now = ctx.clock.now()
    with ctx.db.session() as db:
        stored = db.get(User, user.id)
        assert stored is not None
        stored.real_name = REAL_NAME
        db.add(Camera(owner_id=user.id, name="Porch", rtsp_url=RTSP_URL,
                      sub_rtsp_url=SUB_RTSP_URL, activated_at=now))  # fmt: skip
        codes.issue_code(db, user_id=user.id, purpose=codes.CHANGE_EMAIL,
                         lifetime=timedelta(hours=1), now=now, email=NEW_EMAIL)  # fmt: skip
        db.add(GuardianConsent(user_id=user.id, reason="sign_up", guardian_email=GUARDIAN_EMAIL,
                               guardian_name=GUARDIAN_NAME, requested_at=now, deadline_at=now,
                               decided_at=now, decision="confirmed"))  # fmt: skip
        add_alert_channels(db, user.id, now)
    return user


def raw_values(ctx: AppContext) -> dict[str, list[Any]]:
    """Every sealed column as plain SQL reads it: what a dump holds."""
    found: dict[str, list[Any]] = {}
    with ctx.db.engine.connect() as connection:
        for field in sealed_fields():
            query = text(f"SELECT {field.column} FROM {field.table}")
            found[field.key] = [v for (v,) in connection.execute(query) if v is not None]
    return found


def owner_column(table: str) -> str:
    return "id" if table == "users" else "owner_id" if table == "cameras" else "user_id"


def database_bytes(path: Path) -> bytes:
    wal = Path(f"{path}-wal")
    return path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


def sqlite_path(ctx: AppContext) -> Path:
    database = ctx.db.engine.url.database
    assert database is not None
    return Path(database)


def test_p38_item3_every_personal_identifier_column_is_declared_sealed() -> None:
    sealed = {f.key for f in sealed_fields()}
    assert sealed >= IDENTIFIERS
    # Contact details and identity kept as text for an account (so erased with it) are
    # sealed; what belongs to no account (a complainant's address) is not erased per account.
    for field in PERSONAL_FIELDS:
        column = metadata.tables[field.table].c[field.column]
        as_text = isinstance(column.type, String) or field.sealed
        if field.erased and as_text and field.category in (Category.CONTACT, Category.IDENTITY):
            assert field.sealed, f"{field.key} holds an identifier but is not sealed"


def test_p38_item3_models_seal_exactly_the_columns_the_data_map_marks() -> None:
    by_models = {a.column for attributes in _SEALED_BY_CLASS.values() for a in attributes}
    assert by_models == {f.key for f in sealed_fields()}
    for field in sealed_fields():
        column = metadata.tables[field.table].c[field.column]
        assert isinstance(column.type, LargeBinary), field.key
        assert field.max_length, f"{field.key}: declare the longest text it takes"


def test_p38_item3_database_holds_no_plain_personal_text(
    ctx: AppContext, make_user: Any, db_backend: str
) -> None:
    user = personal_rows(ctx, make_user)
    for key, values in raw_values(ctx).items():
        assert values, f"{key}: the test filled no row"
        for value in values:
            stored = bytes(value)
            assert stored.startswith(MAGIC), key
            assert not any(p.encode() in stored for p in PLAINTEXTS), key
    if db_backend == "sqlite":
        dump = database_bytes(sqlite_path(ctx))
        assert not [p for p in PLAINTEXTS if p.encode() in dump]
    with ctx.db.session() as db:  # the application still reads them
        stored = db.get(User, user.id)
        assert stored is not None
        assert (stored.email, stored.nickname, stored.real_name) == (EMAIL, NICKNAME, REAL_NAME)
        camera = db.scalars(select(Camera)).one()
        assert (camera.rtsp_url, camera.sub_rtsp_url) == (RTSP_URL, SUB_RTSP_URL)


def test_p38_item3_sign_in_finds_the_account_by_its_blind_index(
    ctx: AppContext, client: Any, make_user: Any, db_backend: str
) -> None:
    user = make_user(EMAIL)
    assert sign_in(client, "Robin.Sealed@EXAMPLE.org")["user"]["email"] == EMAIL
    expected = hmac.new(ctx.keyring.derive(INDEX_PURPOSE), EMAIL.encode(), hashlib.sha256)
    with ctx.db.engine.connect() as connection:
        stored = connection.execute(text("SELECT email_index FROM users")).scalar_one()
        if db_backend == "sqlite":  # one indexed look-up, not a scan of every account
            plan = connection.exec_driver_sql(
                "EXPLAIN QUERY PLAN SELECT id FROM users WHERE email_index = ?", (stored,)
            ).all()
            assert "USING" in str(plan) and "INDEX" in str(plan)
    assert stored == expected.hexdigest()
    with ctx.db.session() as db:
        found = find_user_by_email(db, EMAIL.upper())
        assert found is not None and found.id == user.id
    with pytest.raises(IntegrityError), ctx.db.session() as db:  # uniqueness moved there
        db.add(User(email=EMAIL, password_hash="x", created_at=ctx.clock.now(),
                    updated_at=ctx.clock.now()))  # fmt: skip


def test_p19_p38_item3_erasure_leaves_a_copy_of_the_database_file_unreadable(
    ctx: AppContext, make_user: Any, db_backend: str, tmp_path: Path
) -> None:
    if db_backend != "sqlite":
        pytest.skip("a file copy is a SQLite database; PostgreSQL's dump is the next test")
    user = personal_rows(ctx, make_user)
    copy = tmp_path / "copy-before-erasure.db"
    with sqlite3.connect(sqlite_path(ctx)) as source, sqlite3.connect(copy) as target:
        source.backup(target)
    sealer = sealer_of(ctx.db)
    copied = copied_values(copy)
    for key, account_id, raw in copied:  # before the erasure, the copy opens
        assert sealer.open(raw, column=key, account_id=account_id, cache=KeyCache()) in PLAINTEXTS
    with ctx.db.session() as db:
        erasure.erase_account_data(ctx, db, user=db.get(User, user.id))
    for key, account_id, raw in copied:
        with pytest.raises(SealedValueUnreadable):
            sealer.open(raw, column=key, account_id=account_id, cache=KeyCache())
    assert not [p for p in PLAINTEXTS if p.encode() in database_bytes(copy)]


def copied_values(path: Path) -> list[tuple[str, str, bytes]]:
    with sqlite3.connect(path) as connection:
        return [
            (field.key, owner, value)
            for field in sealed_fields()
            for owner, value in connection.execute(
                f"SELECT {owner_column(field.table)}, {field.column} FROM {field.table}"
            )
            if value is not None
        ]


def test_p20_p38_item3_erasure_leaves_a_plain_dump_unreadable(
    ctx: AppContext, make_user: Any
) -> None:
    user = personal_rows(ctx, make_user)
    other = make_user("someone.else@example.org", nickname="Kept")
    dump = raw_values(ctx)  # a plain dump of the database taken before the erasure
    with ctx.db.session() as db:
        erasure.erase_account_data(ctx, db, user=db.get(User, user.id))
    sealer = sealer_of(ctx.db)
    for key, values in dump.items():
        for value in values:
            opened = []
            for account_id in (user.id, other.id):
                try:
                    opened.append(
                        sealer.open(value, column=key, account_id=account_id, cache=KeyCache())
                    )
                except SealedValueUnreadable:
                    continue
            assert not set(opened) & set(PLAINTEXTS), key
    with ctx.db.session() as db:  # the other account is untouched
        assert emails_by_id(db, [user.id, other.id]) == {other.id: "someone.else@example.org"}


@pytest.fixture
def before_p38(ctx: AppContext) -> Iterator[str]:
    """The test's database as it was before sealed columns (0014), holding an account and
    its camera in plaintext; its URL. Brought back to the newest schema, empty, after."""
    url = ctx.db.url
    ctx.db.dispose()
    downgrade(url, "0014")
    now = ctx.clock.now().replace(tzinfo=None)
    try:
        with ctx.db.engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO users (id, email, password_hash, nickname, real_name, "
                    "created_at, updated_at, failed_logins) VALUES ('u1', :email, 'x', "
                    ":nickname, NULL, :now, :now, 0)"
                ),
                {"email": EMAIL, "nickname": NICKNAME, "now": now},
            )
            connection.execute(
                text(
                    "INSERT INTO cameras (id, owner_id, name, rtsp_url, activated_at, "
                    "recording_mode) VALUES ('c1', 'u1', 'Porch', :url, :now, 'off')"
                ),
                {"url": RTSP_URL, "now": now},
            )
        yield url
    finally:
        ctx.db.dispose()
        upgrade(url)
        with ctx.db.engine.begin() as connection:
            connection.execute(text("DELETE FROM cameras"))
            connection.execute(text("DELETE FROM users"))


def assert_sealed_and_readable(ctx: AppContext) -> None:
    values = raw_values(ctx)
    assert all(bytes(v).startswith(MAGIC) for key in IDENTIFIERS for v in values[key])
    with ctx.db.session() as db:
        found = find_user_by_email(db, EMAIL)  # by the blind index the sealing filled in
        assert found is not None and (found.email, found.nickname) == (EMAIL, NICKNAME)
        assert db.scalars(select(Camera)).one().rtsp_url == RTSP_URL


def test_p38_item3_start_up_seals_plaintext_rows_left_from_before(
    ctx: AppContext, before_p38: str
) -> None:
    upgrade(before_p38)
    assert seal_plaintext_rows(ctx.db) == 3
    assert seal_plaintext_rows(ctx.db) == 0  # idempotent: every start runs it
    assert_sealed_and_readable(ctx)
    assert unseal_rows(ctx.db) == 3  # what a downgrade below 0015 needs first
    ctx.db.dispose()
    downgrade(before_p38, "0014")
    with ctx.db.engine.connect() as connection:
        row = connection.execute(text("SELECT email, nickname FROM users")).one()
        camera = connection.execute(text("SELECT rtsp_url FROM cameras")).scalar_one()
    assert (*row, camera) == (EMAIL, NICKNAME, RTSP_URL)


def test_p38_item3_hearthwatch_migrate_seals_plaintext_rows(
    ctx: AppContext, settings: Settings, before_p38: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HEARTHWATCH_ENVIRONMENT", "test")
    monkeypatch.setenv("HEARTHWATCH_DATA_DIR", str(settings.data_dir))  # same master key
    monkeypatch.setenv("HEARTHWATCH_DATABASE_URL", before_p38)
    assert cli.main(["migrate"]) == 0
    assert_sealed_and_readable(ctx)


def test_p38_item3_an_operator_list_opens_addresses_with_one_keyring_query(
    ctx: AppContext, make_user: Any
) -> None:
    ids = [make_user(f"person{n}@example.org").id for n in range(5)]
    statements: list[str] = []
    keyring = ctx.vault.keys.db.engine

    def count(*args: Any) -> None:
        statements.append(str(args[2]))

    event.listen(keyring, "before_cursor_execute", count)
    try:
        with ctx.db.session() as db:
            emails = emails_by_id(db, ids)
    finally:
        event.remove(keyring, "before_cursor_execute", count)
    assert sorted(emails.values()) == [f"person{n}@example.org" for n in range(5)]
    assert len(statements) == 1


def test_p17_p38_item3_the_data_page_shows_sealed_values_opened(
    ctx: AppContext, make_user: Any
) -> None:
    user = personal_rows(ctx, make_user)
    with ctx.db.session() as db:
        tables = {t.name: t for t in data_of(db, user.id)}
    assert tables["users"].rows[0]["email"] == EMAIL
    assert tables["users"].rows[0]["real_name"] == REAL_NAME
    assert tables["cameras"].rows[0]["rtsp_url"] == RTSP_URL


def test_p38_item3_rows_of_many_accounts_open_with_one_keyring_query(
    ctx: AppContext, make_user: Any
) -> None:
    """A list view (the recorder's cameras, a page of accounts) looks up each owner's key
    once, all in one query, not one query per row."""
    now = ctx.clock.now()
    with ctx.db.session() as db:
        for n in range(4):
            owner = make_user(f"owner{n}@example.org")
            db.add(Camera(owner_id=owner.id, name=f"Cam {n}", rtsp_url=f"rtsp://10.0.0.{n}/s",
                          activated_at=now))  # fmt: skip
    statements: list[str] = []
    keyring = ctx.vault.keys.db.engine

    def count(*args: Any) -> None:
        statements.append(str(args[2]))

    event.listen(keyring, "before_cursor_execute", count)
    try:
        with ctx.db.session() as db:
            cameras = list(db.scalars(select(Camera).order_by(Camera.name)))
            urls = [camera.rtsp_url for camera in cameras]
            names = [(u.email, u.nickname) for u in db.scalars(select(User))]
    finally:
        event.remove(keyring, "before_cursor_execute", count)
    assert urls == [f"rtsp://10.0.0.{n}/s" for n in range(4)]
    assert len(names) == 4
    assert len(statements) == 1


def test_p38_item3_the_privacy_check_reports_plaintext_in_a_sealed_column(
    ctx: AppContext, make_user: Any
) -> None:
    user = make_user(EMAIL, nickname=NICKNAME)
    assert not [f for f in check(ctx).findings if f.kind == "unsealed"]
    users = metadata.tables["users"]
    with ctx.db.session() as db:  # as a restore from an old dump, or a hand edit, would leave
        db.execute(update(users).where(users.c.id == user.id).values(nickname=b"plain"))
    (found,) = [f for f in check(ctx).findings if f.kind == "unsealed"]
    assert (found.code, found.subject, found.count) == ("storage.unsealed", "users.nickname", 1)
    assert seal_plaintext_rows(ctx.db) == 1
    assert not [f for f in check(ctx).findings if f.kind == "unsealed"]


def test_p38_item3_the_registry_keeps_provisioning_addresses_sealed(
    ctx: AppContext, client: Any, make_user: Any, db_backend: str
) -> None:
    """A camera bound by its code gets the registry's address: the registry's copy of it
    is sealed too, so no copy of the database shows where the camera is."""
    with ctx.db.session() as db:
        register_camera(ctx, db, serial="HWCSEALED001", code="ABCDEF", rtsp_url=RTSP_URL,
                        sub_rtsp_url=SUB_RTSP_URL)  # fmt: skip
    with ctx.db.engine.connect() as connection:
        stored = connection.execute(
            text("SELECT rtsp_url, sub_rtsp_url FROM camera_registry")
        ).one()
    assert all(value.startswith(SEALED_PREFIX) for value in stored)
    assert not any("198.51.100.77" in value for value in stored)
    if db_backend == "sqlite":
        assert b"198.51.100.77" not in database_bytes(sqlite_path(ctx))
    make_user()
    sign_in(client, "alice@example.org")
    body = {"serial": "HWCSEALED001", "verification_code": "ABCDEF"}
    bound = client.post("/api/v1/cameras/bind", json=body)
    assert bound.status_code == 201, bound.text
    with ctx.db.session() as db:
        camera = db.get(Camera, bound.json()["id"])
        assert camera is not None
        assert (camera.rtsp_url, camera.sub_rtsp_url) == (RTSP_URL, SUB_RTSP_URL)
