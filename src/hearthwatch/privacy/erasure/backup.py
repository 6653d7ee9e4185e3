"""Backups that erasure reaches too (P20): `hearthwatch backup create|restore`.

A backup is a folder::

    manifest.json          format, time, schema revision, counts, the keyring copy's epoch
    shared.json            rows that belong to no account (registry, audit log, receipts)
    accounts/<id>.sealed   each account's personal rows, sealed with that account's data key
    devices/<id>/<cam>.sealed  each camera's recording rows, sealed with that camera's key
    blobs/<key>            every blob object, copied as stored (already sealed per device)
    keyring.sealed         a copy of the keyring, sealed under the current copy key

Why not a plain database file (the sqlite3 backup API, pg_dump): it would keep an erased
person's e-mail, sessions and camera addresses readable until the backup is rotated.
Sealing each account's rows with its data key means that erasing the account, which
destroys the key, makes its rows in every earlier backup unreadable at once, as its video
already is.

The keyring copy inside is sealed under a copy key that every erasure replaces (see
`security.keyring_copies`): it restores this backup until the next erasure, after which
only the copy in the keyring copy folder opens, and that one no longer holds the erased
keys. So no backup, however old, can bring an erased account back.

A backup is written into a hidden folder beside the target and renamed into place at the
end: a failed backup leaves nothing behind.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from sqlalchemy import Table, func, insert, select, text
from sqlalchemy.orm import Session

from hearthwatch.context import AppContext
from hearthwatch.db.base import new_id
from hearthwatch.errors import Conflict, ValidationFailed
from hearthwatch.media.sealed import Binding, SealError, open_sealed, seal
from hearthwatch.models import metadata
from hearthwatch.privacy.erasure.backup_values import decode, encode
from hearthwatch.privacy.erasure.plan import ErasedTable, plan
from hearthwatch.security.datakeys import ACCOUNT_SCOPE, KeyDestroyed
from hearthwatch.storage.blobs import FileBlobStore

FORMAT = "hearthwatch-backup-1"
SKIPPED_TABLES = frozenset({"alembic_version"})
KEYRING_COPY = "keyring.sealed"
KEYRING_NOTE = (
    "keyring.sealed is a copy of the keyring sealed under the current copy key: it opens "
    "until the next erasure replaces that key. After that, restore with the copy in the "
    "keyring copy folder (<data dir>/keyring-copies), which never holds an erased key."
)


@dataclass(frozen=True)
class BackupReport:
    path: Path
    accounts: int
    shared_rows: int
    objects: int


@dataclass(frozen=True)
class RestoreReport:
    accounts: int
    skipped_accounts: list[str]
    rows: int
    objects: int
    skipped_objects: int
    keys_from: str = ""


def create(ctx: AppContext, *, to: Path) -> BackupReport:
    """Write a backup of the database, the blob store and the keyring into the empty `to`."""
    if to.exists() and any(to.iterdir()):
        raise Conflict("The backup folder is not empty.", code="backup.folder_not_empty")
    to.parent.mkdir(parents=True, exist_ok=True)
    work = to.parent / f".{to.name}.{new_id()}.partial"
    try:
        report = _write(ctx, work)
        os.replace(work, to)  # an empty `to` is replaced whole
    except OSError as err:
        shutil.rmtree(work, ignore_errors=True)
        raise Conflict(
            f"The backup could not be written ({err.strerror or err}); nothing was kept.",
            code="backup.write_failed",
        ) from err
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return replace(report, path=to)


def _write(ctx: AppContext, to: Path) -> BackupReport:
    (to / "accounts").mkdir(parents=True)
    backup_id = new_id()
    tables = plan()
    with ctx.db.session() as db:
        accounts = list(db.scalars(select(metadata.tables["users"].c.id)))
        for account_id in accounts:
            _write_account(ctx, db, to, backup_id, account_id, tables)
        shared = _shared_rows(db, {t.name for t in tables})
        revision = db.scalar(text("SELECT version_num FROM alembic_version"))
    (to / "shared.json").write_text(json.dumps(shared))
    objects = _copy_blobs(ctx, to / "blobs")
    manifest = {
        "format": FORMAT,
        "backup_id": backup_id,
        "created_at": ctx.clock.now().isoformat(),
        "schema_revision": revision,
        "accounts": len(accounts),
        "objects": objects,
        "keyring_copy": _copy_keyring(ctx, to),
        "keyring": KEYRING_NOTE,
    }
    (to / "manifest.json").write_text(json.dumps(manifest, indent=2))
    return BackupReport(to, len(accounts), sum(len(r) for r in shared.values()), objects)


def _copy_keyring(ctx: AppContext, to: Path) -> dict[str, str] | None:
    """Seal the keyring beside the data (its keys exist now: the rows above made them),
    and renew the copy folder's copy under the same key."""
    copies = ctx.vault.keys.copies
    if copies is None:
        return None
    epoch = copies.write(to / KEYRING_COPY)
    copies.refresh()
    return {"file": KEYRING_COPY, "epoch": epoch}


def _write_account(
    ctx: AppContext,
    db: Session,
    to: Path,
    backup_id: str,
    account_id: str,
    tables: list[ErasedTable],
) -> None:
    """The account's rows under its account key; each camera's recording rows under that
    camera's key, so erasing one device shreds its rows in the backup too."""
    per_camera = [t for t in tables if t.camera is not None]
    rows = {
        t.name: _rows(db, t.table, t.for_account(account_id)) for t in tables if t.camera is None
    }
    _seal_rows(ctx, to / "accounts" / f"{account_id}.sealed", backup_id, account_id, None, rows)
    for camera in rows.get("cameras", []):
        camera_id = str(camera["id"])
        device_rows = {t.name: _rows(db, t.table, t.for_camera(camera_id)) for t in per_camera}
        target = to / "devices" / account_id / f"{camera_id}.sealed"
        _seal_rows(ctx, target, backup_id, account_id, camera_id, device_rows)


def _seal_rows(
    ctx: AppContext,
    target: Path,
    backup_id: str,
    account_id: str,
    camera_id: str | None,
    rows: dict[str, list[dict[str, Any]]],
) -> None:
    scope = camera_id or ACCOUNT_SCOPE
    key = ctx.vault.keys.key_for(account_id, scope, create=True)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(seal(key, _binding(backup_id, account_id, scope), json.dumps(rows).encode()))


def _binding(backup_id: str, account_id: str, scope: str = ACCOUNT_SCOPE) -> Binding:
    return Binding(account_id, scope, f"backup/{backup_id}/{account_id}/{scope}")


def _shared_rows(db: Session, account_tables: set[str]) -> dict[str, list[dict[str, Any]]]:
    return {
        table.name: _rows(db, table, None)
        for table in metadata.sorted_tables
        if table.name not in account_tables and table.name not in SKIPPED_TABLES
    }


def _rows(db: Session, table: Table, where: Any) -> list[dict[str, Any]]:
    query = select(table) if where is None else select(table).where(where)
    return [{k: encode(v) for k, v in row._mapping.items()} for row in db.execute(query)]


def _copy_blobs(ctx: AppContext, to: Path) -> int:
    target = FileBlobStore(to)
    count = 0
    for key in ctx.vault.blobs.keys(""):
        target.put(key, ctx.vault.blobs.get(key))
        count += 1
    return count


def read_manifest(path: Path) -> dict[str, Any]:
    try:
        manifest: dict[str, Any] = json.loads((path / "manifest.json").read_text())
    except (OSError, ValueError) as err:
        raise ValidationFailed("Not a Hearthwatch backup.", code="backup.invalid") from err
    if manifest.get("format") != FORMAT:
        raise ValidationFailed("Not a Hearthwatch backup.", code="backup.invalid")
    return manifest


def open_account(
    ctx: AppContext, path: Path, account_id: str, backup_id: str
) -> dict[str, list[dict[str, Any]]] | None:
    """An account's rows from a backup, or None when its key is gone (erased). Rows of a
    device whose key is gone (erased since) are left out."""
    rows = _open(ctx, path / "accounts" / f"{account_id}.sealed", backup_id, account_id, None)
    if rows is None:
        return None
    for device_file in sorted((path / "devices" / account_id).glob("*.sealed")):
        device_rows = _open(ctx, device_file, backup_id, account_id, device_file.stem) or {}
        for name, table_rows in device_rows.items():
            rows.setdefault(name, []).extend(table_rows)
    return rows


def _open(
    ctx: AppContext, source: Path, backup_id: str, account_id: str, camera_id: str | None
) -> dict[str, list[dict[str, Any]]] | None:
    scope = camera_id or ACCOUNT_SCOPE
    try:
        key = ctx.vault.keys.key_for(account_id, scope)
        sealed = source.read_bytes()
        rows: dict[str, list[dict[str, Any]]] = json.loads(
            open_sealed(key, _binding(backup_id, account_id, scope), sealed)
        )
    except (KeyDestroyed, SealError, FileNotFoundError):
        return None
    return rows


def account_ids(path: Path) -> list[str]:
    return sorted(p.stem for p in (path / "accounts").glob("*.sealed"))


def restore(ctx: AppContext, *, path: Path, keyring_copy: Path | None = None) -> RestoreReport:
    """Restore a backup into an empty, migrated database; erased accounts stay erased.

    The keys come from `keyring_copy` when given, else from the backup's own keyring copy
    if no erasure replaced its copy key since, else from the copy folder's copy; each adds
    only keys that were never destroyed, to whatever the live keyring holds.
    """
    manifest = read_manifest(path)
    with ctx.db.session() as db:
        if db.scalar(select(func.count()).select_from(metadata.tables["users"])):
            raise Conflict("Restore only into an empty database.", code="backup.database_not_empty")
        revision = db.scalar(text("SELECT version_num FROM alembic_version"))
        if revision != manifest["schema_revision"]:
            raise Conflict(
                "The backup's schema revision differs from the database's.",
                code="backup.schema_mismatch",
            )
        keys_from = _bring_keys(ctx, path, keyring_copy)
        restored, skipped, rows = _restore_rows(ctx, db, path, manifest["backup_id"])
    objects, skipped_objects = _restore_blobs(ctx, path / "blobs", set(restored))
    return RestoreReport(len(restored), skipped, rows, objects, skipped_objects, keys_from)


def _bring_keys(ctx: AppContext, path: Path, given: Path | None) -> str:
    """Load the first keyring copy that still opens; which one it was."""
    copies = ctx.vault.keys.copies
    if copies is None:
        return "live keyring"
    if given is not None:
        copies.restore(given)  # a copy made before an erasure is refused, loudly
        return str(given)
    for source in (path / KEYRING_COPY, copies.copy_path):
        try:
            copies.restore(source)
        except (Conflict, ValidationFailed):
            continue
        return str(source)
    return "live keyring"


def _restore_rows(
    ctx: AppContext, db: Session, path: Path, backup_id: str
) -> tuple[list[str], list[str], int]:
    merged: dict[str, list[dict[str, Any]]] = json.loads((path / "shared.json").read_text())
    restored, skipped = [], []
    for account_id in account_ids(path):
        rows = open_account(ctx, path, account_id, backup_id)
        if rows is None:
            skipped.append(account_id)
            continue
        restored.append(account_id)
        for name, table_rows in rows.items():
            merged.setdefault(name, []).extend(table_rows)
    count, alive = 0, _DeviceKeys(ctx)
    for table in metadata.sorted_tables:
        wanted = [
            r
            for r in merged.get(table.name, [])
            if _owner_kept(table, r, set(restored)) and alive.row(r)
        ]
        if wanted:
            db.execute(insert(table), [{k: decode(v) for k, v in r.items()} for r in wanted])
            count += len(wanted)
    return restored, skipped, count


def _owner_kept(table: Table, row: dict[str, Any], accounts: set[str]) -> bool:
    """Rows pointing at an account that was erased since the backup are left out."""
    for column in table.columns:
        points_at_user = any(fk.column.table.name == "users" for fk in column.foreign_keys)
        value = row.get(column.name)
        if points_at_user and value is not None and value not in accounts:
            return False
    return True


class _DeviceKeys:
    """Whether a device's key still exists: recordings of a device erased since the backup
    (its key destroyed) are not brought back, neither their index rows nor their objects."""

    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx
        self.known: dict[tuple[str, str], bool] = {}

    def alive(self, owner_id: str, camera_id: str) -> bool:
        if (owner_id, camera_id) not in self.known:
            try:
                self.ctx.vault.keys.key_for(owner_id, camera_id)
                self.known[owner_id, camera_id] = True
            except KeyDestroyed:
                self.known[owner_id, camera_id] = False
        return self.known[owner_id, camera_id]

    def row(self, row: dict[str, Any]) -> bool:
        if "owner_id" in row and "camera_id" in row and "blob_key" in row:
            return self.alive(str(row["owner_id"]), str(row["camera_id"]))
        return True


def _restore_blobs(ctx: AppContext, source: Path, accounts: set[str]) -> tuple[int, int]:
    store = FileBlobStore(source)
    restored = skipped = 0
    alive = _DeviceKeys(ctx)
    for key in store.keys(""):
        owner, camera = [*key.split("/"), "", ""][:2]
        if owner in accounts and alive.alive(owner, camera):
            ctx.vault.blobs.put(key, store.get(key))
            restored += 1
        else:
            skipped += 1
    return restored, skipped
