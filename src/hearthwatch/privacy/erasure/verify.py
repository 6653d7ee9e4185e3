"""Check that an erasure left nothing readable (P19, P20): `privacy verify-erasure`.

Looks everywhere data can linger:

- the database: every erased personal column of the data map, in rows tied to the account
  or camera;
- the blob store and each backup's objects, with an attempt to decrypt them (objects that
  are still there but no longer open are `unreadable`, which is what crypto-shredding
  promises), and each backup's sealed account rows;
- every keyring there is: SQLite keyring files (a copy of `keyring.db` anywhere in the data
  directory or a backup) must hold no key of the subject, and every sealed keyring copy
  (the copy folder's, each backup's, any given) must either no longer open or hold none;
- every byte of the data directory (database files and their `-wal` / `-journal` files,
  outbox, server logs, exports, keyring copies), of the database and keyring files wherever
  they are, and of each backup, searched for the person's traces (`look_for`: e-mail,
  nickname, real name, camera address). The service knows none of them after an erasure:
  the operator gives them, from the erasure request.

Anything that still opens, or any trace found, is a finding.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from hearthwatch.context import AppContext
from hearthwatch.media.sealed import Binding, SealError, open_sealed
from hearthwatch.privacy.erasure import backup
from hearthwatch.privacy.erasure import traces as erasure_traces
from hearthwatch.privacy.erasure.plan import CAMERA_TABLE, object_prefixes, plan
from hearthwatch.security.datakeys import KeyDestroyed
from hearthwatch.storage.blobs import BlobStore, FileBlobStore


@dataclass
class ErasureCheck:
    """What a check found; `readable` lists everything that still gives data away."""

    subject: str
    readable: list[str] = field(default_factory=list)
    unreadable_objects: int = 0
    places: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.readable

    def as_dict(self) -> dict[str, Any]:
        return {
            "subject": self.subject,
            "ok": self.ok,
            "readable": self.readable,
            "unreadable_objects": self.unreadable_objects,
            "checked": self.places,
            "notes": self.notes,
        }


def verify(
    ctx: AppContext,
    *,
    account_id: str | None = None,
    camera_id: str | None = None,
    backup_dir: Path | None = None,
    backups: Sequence[Path] = (),
    look_for: Sequence[str] = (),
    keyring_copies: Sequence[Path] = (),
) -> ErasureCheck:
    """Scan the database, the blob store, the keyrings, every file of the data directory
    and each backup for the account or camera (and for the person's `look_for` traces)."""
    if (account_id is None) == (camera_id is None):
        raise ValueError("give an account or a camera")
    check = ErasureCheck(f"account {account_id}" if account_id else f"camera {camera_id}")
    earlier = [*([backup_dir] if backup_dir is not None else []), *backups]
    _scan_database(ctx, check, account_id, camera_id)
    _scan_objects(ctx, ctx.vault.blobs, "blob store", check, account_id, camera_id)
    for path in earlier:
        _scan_backup(ctx, path, check, account_id, camera_id)
    places = [*_installation_files(ctx), *earlier, *keyring_copies]
    scope_like = f"{account_id}/%" if account_id else f"%/{camera_id}"
    _scan_keyrings(ctx, check, places, scope_like)
    if look_for:
        _scan_files(check, places, list(look_for))
    return check


def _installation_files(ctx: AppContext) -> list[Path]:
    """The data directory, and the database and keyring files wherever they are."""
    settings = ctx.settings
    return [
        settings.data_dir,
        *erasure_traces.sqlite_side_files(settings.resolved_database_url),
        *erasure_traces.sqlite_side_files(settings.resolved_keyring_url),
    ]


def _scan_keyrings(
    ctx: AppContext, check: ErasureCheck, places: list[Path], scope_like: str
) -> None:
    check.places.append("keyrings and keyring copies")
    files = erasure_traces.files_under(p for p in places if p.exists())
    found = erasure_traces.find_keys(files, ctx.vault.keys, scope_like)
    check.readable.extend(found.readable)
    if found.unopened_copies:
        check.notes.append(f"{found.unopened_copies} keyring copy(ies) no longer open")


def _scan_files(check: ErasureCheck, places: list[Path], traces: list[str]) -> None:
    """The traces are not repeated in the report: it may itself be logged or mailed."""
    check.places.append("every file of the data directory and the backups")
    files = erasure_traces.files_under(p for p in places if p.exists())
    for number, path in erasure_traces.find_traces(files, traces):
        check.readable.append(f"file {path}: holds trace {number} of the person")


def _scan_database(
    ctx: AppContext, check: ErasureCheck, account_id: str | None, camera_id: str | None
) -> None:
    check.places.append("database")
    with ctx.db.session() as db:
        for table in plan():
            if account_id is not None:
                where = table.for_account(account_id)
            elif table.about_cameras:
                assert camera_id is not None
                where = table.for_camera(camera_id)
            else:
                continue
            found = db.scalar(select(func.count()).select_from(table.table).where(where))
            if found and table.name == CAMERA_TABLE:
                # erasing a device's data may keep the camera bound: its row is not a recording
                check.notes.append("the camera is still bound (its recordings were checked)")
                continue
            if found:
                columns = ", ".join(table.columns)
                check.readable.append(f"database: {found} row(s) of {table.name} ({columns})")


def _matches(key: str, account_id: str | None, camera_id: str | None) -> bool:
    if account_id is not None:
        return True
    parts = key.split("/")
    return len(parts) > 1 and parts[1] == camera_id


def _scan_objects(
    ctx: AppContext,
    store: BlobStore,
    place: str,
    check: ErasureCheck,
    account_id: str | None,
    camera_id: str | None,
) -> None:
    check.places.append(place)
    # An account's objects sit under the data map's prefixes; a camera's owner may be gone
    # with its row, so its objects are looked for everywhere.
    prefixes = object_prefixes(account_id=account_id) if account_id else [""]
    for prefix in prefixes:
        for key in store.keys(prefix):
            if not _matches(key, account_id, camera_id):
                continue
            if _opens(ctx, store, key):
                check.readable.append(f"{place}: object {key} still decrypts")
            else:
                check.unreadable_objects += 1


def _opens(ctx: AppContext, store: BlobStore, key: str) -> bool:
    parts = key.split("/")
    if len(parts) < 3:
        return True  # not a sealed media object: anything stored in the clear counts
    try:
        data_key = ctx.vault.keys.key_for(parts[0], parts[1])
        open_sealed(data_key, Binding(parts[0], parts[1], key), store.get(key))
    except (KeyDestroyed, SealError):
        return False
    return True


def _scan_backup(
    ctx: AppContext,
    path: Path,
    check: ErasureCheck,
    account_id: str | None,
    camera_id: str | None,
) -> None:
    manifest = backup.read_manifest(path)
    place = f"backup {path}"
    check.places.append(f"{place} (account rows)")
    for owner in backup.account_ids(path):
        rows = backup.open_account(ctx, path, owner, manifest["backup_id"])
        if rows is None:
            continue
        if account_id is not None and owner == account_id:
            check.readable.append(f"{place}: the account's rows still decrypt")
        elif camera_id is not None and _mentions_camera(rows, camera_id):
            check.readable.append(f"{place}: rows about the camera still decrypt")
    _scan_objects(ctx, FileBlobStore(path / "blobs"), place, check, account_id, camera_id)


def _mentions_camera(rows: dict[str, list[dict[str, Any]]], camera_id: str) -> bool:
    """Recording rows of the camera (the camera's own row only counts once it is unbound,
    which `_scan_database` reports for the live database)."""
    return any(
        row.get("camera_id") == camera_id
        for name, table_rows in rows.items()
        if name != "cameras"
        for row in table_rows
    )
