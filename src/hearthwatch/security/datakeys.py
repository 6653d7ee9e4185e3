"""Per-device data keys, wrapped by the master key, kept apart from the data they protect.

Every stored media object is sealed with the data key of its (account, device) scope.
The keys live in their own small database (``keyring.db`` by default), never in the
metadata database or the blob store, so a backup of those holds no usable key. Erasing a
device or an account destroys its keys first (crypto-shredding): from that moment every
copy of its media, in backups and replicas too, is unreadable, and physical deletion can
follow at leisure.

Unwrapped keys are cached for at most `CACHE_SECONDS`, so a key destroyed by another node
stops working everywhere within that time; on this node it stops at once.

Each destruction leaves a tombstone (the scope and when). Data made before that moment can
never get a new key of its scope: a segment still in flight when its camera was erased is
refused (`made_at`), while a camera kept after its recordings were erased records anew.

A destroyed key must not live on anywhere: SQLite zeroes deleted rows (`secure_delete`),
each destruction empties the keyring's write-ahead file before it returns (`Database.scrub`),
and the keyring copies that operators keep are re-sealed under a new copy key whose
predecessor is destroyed (`keyring_copies`), so no copy made before the destruction opens.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import Index, LargeBinary, String, bindparam, delete, func, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from hearthwatch.clock import clock
from hearthwatch.db.base import UTCDateTime
from hearthwatch.db.engine import Database
from hearthwatch.security.keyring_copies import KeyringCopies
from hearthwatch.security.keys import Keyring

CACHE_SECONDS = 1.0
WRAP_PURPOSE = "data-key-wrap-v1"
ACCOUNT_SCOPE = "account"


class KeyDestroyed(Exception):
    """The data key of this scope was destroyed: its data is gone for good."""


class KeyringBase(DeclarativeBase):
    pass


class DataKey(KeyringBase):
    __tablename__ = "data_keys"
    __table_args__ = (Index("ix_data_keys_account", "account_id"),)

    scope: Mapped[str] = mapped_column(String(80), primary_key=True)
    account_id: Mapped[str] = mapped_column(String(32))
    wrapped: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class DestroyedKey(KeyringBase):
    """Tombstone of a destroyed scope (``<account>/*`` for a whole account)."""

    __tablename__ = "destroyed_keys"

    scope: Mapped[str] = mapped_column(String(80), primary_key=True)
    destroyed_at: Mapped[datetime] = mapped_column(UTCDateTime())


_KEY_BY_SCOPE = select(DataKey.wrapped, DataKey.created_at).where(
    DataKey.scope == bindparam("scope")
)


class DataKeys:
    """Creates, unwraps and destroys data keys."""

    def __init__(self, db: Database, keyring: Keyring, *, copies_dir: Path | None = None) -> None:
        self.db = db
        self._kek = AESGCM(keyring.derive(WRAP_PURPOSE))
        self._cache: dict[str, tuple[bytes, float]] = {}
        self._destructions = 0  # how many destructions this keyring has seen (see key_for)
        self._lock = threading.Lock()
        KeyringBase.metadata.create_all(db.engine)
        self.copies = KeyringCopies(copies_dir, self, keyring) if copies_dir else None

    @staticmethod
    def scope(account_id: str, device_id: str = ACCOUNT_SCOPE) -> str:
        return f"{account_id}/{device_id}"

    def key_for(
        self, account_id: str, device_id: str, *, create: bool = False,
        made_at: datetime | None = None,
    ) -> bytes:  # fmt: skip
        """The scope's data key; created on first use when `create` is set.

        `made_at` is when the data to seal was made: data older than a destruction of its
        scope is refused, so it cannot outlive the erasure under a fresh key.
        """
        scope = self.scope(account_id, device_id)
        while True:
            with self._lock:
                cached = self._cache.get(scope)
                if cached is not None and cached[1] > time.monotonic():
                    return cached[0]
                seen = self._destructions
            key = self._look_up(account_id, scope, create=create, made_at=made_at)
            with self._lock:
                # A destruction between the read and now may have removed this very key:
                # it is neither cached nor handed out (it would outlive the erasure in
                # memory); the lookup starts again and finds the tombstone.
                if self._destructions == seen:
                    self._cache[scope] = (key, time.monotonic() + CACHE_SECONDS)
                    return key

    def _look_up(
        self, account_id: str, scope: str, *, create: bool, made_at: datetime | None
    ) -> bytes:
        loaded = self._load(scope)
        # A key older than the data was alive all along: no destruction came in between
        # (it would have removed this very key). Otherwise the tombstones decide.
        fresh = loaded is None or (made_at is not None and loaded[1] > made_at)
        if made_at is not None and fresh and self._destroyed_after(account_id, scope, made_at):
            raise KeyDestroyed(f"{scope}: destroyed after the data was made")
        key = loaded[0] if loaded else (self._create(scope, account_id) if create else None)
        if key is None:
            raise KeyDestroyed(scope)
        return key

    def _destroyed_after(self, account_id: str, scope: str, moment: datetime) -> bool:
        tombstones = (scope, self.scope(account_id, "*"))
        with self.db.session() as session:
            latest = session.scalar(
                select(func.max(DestroyedKey.destroyed_at)).where(
                    DestroyedKey.scope.in_(tombstones)
                )
            )
        return latest is not None and latest >= moment

    def _load(self, scope: str) -> tuple[bytes, datetime] | None:
        """The scope's key and when it was made."""
        # A Core read: every camera asks for its key with each segment it stores.
        with self.db.engine.connect() as connection:
            record = connection.execute(_KEY_BY_SCOPE, {"scope": scope}).first()
            if record is None:
                return None
            try:
                key = self._kek.decrypt(record.wrapped[:12], record.wrapped[12:], scope.encode())
                return key, record.created_at
            except InvalidTag as err:
                raise KeyDestroyed(f"{scope}: wrapped key does not open") from err

    def _create(self, scope: str, account_id: str) -> bytes:
        key = AESGCM.generate_key(bit_length=256)
        nonce = secrets.token_bytes(12)
        wrapped = nonce + self._kek.encrypt(nonce, key, scope.encode())
        with self.db.session() as session:
            existing = session.get(DataKey, scope)
            if existing is not None:  # another thread or node won the race
                return self._kek.decrypt(
                    existing.wrapped[:12], existing.wrapped[12:], scope.encode()
                )
            session.add(
                DataKey(scope=scope, account_id=account_id, wrapped=wrapped, created_at=clock.now())
            )
        return key

    def account_keys(self, account_ids: list[str]) -> dict[str, bytes]:
        """The account-scope keys of many accounts in one query (sealed columns of a list);
        an account without a key is left out."""
        scopes = {self.scope(a): a for a in account_ids}
        with self.db.engine.connect() as connection:
            rows = connection.execute(
                select(DataKey.scope, DataKey.wrapped).where(DataKey.scope.in_(scopes))
            )
            found = {scope: wrapped for scope, wrapped in rows}
        keys = {}
        for scope, wrapped in found.items():
            try:
                keys[scopes[scope]] = self._kek.decrypt(wrapped[:12], wrapped[12:], scope.encode())
            except InvalidTag:
                continue  # does not open: treated like a destroyed key
        return keys

    def destroy_device(self, account_id: str, device_id: str) -> None:
        """Crypto-shred one device's data."""
        scope = self.scope(account_id, device_id)
        with self.db.session() as session:
            self._tombstone(session, scope)
            session.execute(delete(DataKey).where(DataKey.scope == scope))
        self._forget(lambda s: s == scope)
        self._after_destruction()

    def destroy_account(self, account_id: str) -> int:
        """Crypto-shred every scope of an account; returns how many keys were destroyed."""
        with self.db.session() as session:
            scopes = list(
                session.scalars(select(DataKey.scope).where(DataKey.account_id == account_id))
            )
            self._tombstone(session, self.scope(account_id, "*"))
            session.execute(delete(DataKey).where(DataKey.account_id == account_id))
        self._forget(lambda s: s.startswith(f"{account_id}/"))
        self._after_destruction()
        return len(scopes)

    def _after_destruction(self) -> None:
        """No readable trace of a destroyed key: not in the write-ahead file, not in a copy."""
        self.db.scrub()
        if self.copies is not None:
            self.copies.rotate()

    def export_rows(self) -> dict[str, list[dict[str, Any]]]:
        """Every wrapped key and tombstone, as a keyring copy holds them."""
        with self.db.session() as session:
            keys = [
                {
                    "scope": k.scope,
                    "account_id": k.account_id,
                    "wrapped": k.wrapped.hex(),
                    "created_at": k.created_at.isoformat(),
                }
                for k in session.scalars(select(DataKey))
            ]
            destroyed = [
                {"scope": d.scope, "destroyed_at": d.destroyed_at.isoformat()}
                for d in session.scalars(select(DestroyedKey))
            ]
        return {"keys": keys, "destroyed": destroyed}

    def import_rows(self, rows: dict[str, list[dict[str, Any]]]) -> int:
        """Bring back keys from a copy, never one whose scope was destroyed here or in the
        copy; returns how many keys were added."""
        added = 0
        with self.db.session() as session:
            for tomb in rows.get("destroyed", []):
                at = datetime.fromisoformat(tomb["destroyed_at"])
                found = session.get(DestroyedKey, tomb["scope"])
                if found is None:
                    session.add(DestroyedKey(scope=tomb["scope"], destroyed_at=at))
                elif found.destroyed_at < at:
                    found.destroyed_at = at
            session.flush()
            for key in rows.get("keys", []):
                restored = self._restored_key(key)
                if (
                    self._outlived(session, restored)
                    or session.get(DataKey, restored.scope) is not None
                ):
                    continue
                session.add(restored)
                added += 1
        return added

    def destroyed_since(self, scope: str, account_id: str, created_at: datetime) -> bool:
        """Whether a key of `scope` made at `created_at` was destroyed since: a copy that
        still holds it would undo an erasure."""
        key = DataKey(scope=scope, account_id=account_id, created_at=created_at)
        with self.db.session() as session:
            return self._outlived(session, key)

    def _outlived(self, session: Session, key: DataKey) -> bool:
        """Whether a destruction of the key's scope (or its whole account) came after it."""
        tombstones = (key.scope, self.scope(key.account_id, "*"))
        latest = session.scalar(
            select(func.max(DestroyedKey.destroyed_at)).where(DestroyedKey.scope.in_(tombstones))
        )
        return latest is not None and latest >= key.created_at

    @staticmethod
    def _restored_key(key: dict[str, Any]) -> DataKey:
        return DataKey(
            scope=key["scope"],
            account_id=key["account_id"],
            wrapped=bytes.fromhex(key["wrapped"]),
            created_at=datetime.fromisoformat(key["created_at"]),
        )

    @staticmethod
    def _tombstone(session: Session, scope: str) -> None:
        now = clock.now()
        found = session.get(DestroyedKey, scope)
        if found is None:
            session.add(DestroyedKey(scope=scope, destroyed_at=now))
        else:
            found.destroyed_at = now

    def _forget(self, matches: Callable[[str], bool]) -> None:
        with self._lock:
            self._destructions += 1
            for scope in [s for s in self._cache if matches(s)]:
                del self._cache[scope]
