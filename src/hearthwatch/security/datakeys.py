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
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from datetime import datetime

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import Index, LargeBinary, String, bindparam, delete, func, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from hearthwatch.clock import clock
from hearthwatch.db.base import UTCDateTime
from hearthwatch.db.engine import Database
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

    def __init__(self, db: Database, keyring: Keyring) -> None:
        self.db = db
        self._kek = AESGCM(keyring.derive(WRAP_PURPOSE))
        self._cache: dict[str, tuple[bytes, float]] = {}
        self._lock = threading.Lock()
        KeyringBase.metadata.create_all(db.engine)

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
        with self._lock:
            cached = self._cache.get(scope)
            if cached is not None and cached[1] > time.monotonic():
                return cached[0]
        loaded = self._load(scope)
        # A key older than the data was alive all along: no destruction came in between
        # (it would have removed this very key). Otherwise the tombstones decide.
        fresh = loaded is None or (made_at is not None and loaded[1] > made_at)
        if made_at is not None and fresh and self._destroyed_after(account_id, scope, made_at):
            raise KeyDestroyed(f"{scope}: destroyed after the data was made")
        key = loaded[0] if loaded else (self._create(scope, account_id) if create else None)
        if key is None:
            raise KeyDestroyed(scope)
        with self._lock:
            self._cache[scope] = (key, time.monotonic() + CACHE_SECONDS)
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

    def destroy_device(self, account_id: str, device_id: str) -> None:
        """Crypto-shred one device's data."""
        scope = self.scope(account_id, device_id)
        with self.db.session() as session:
            self._tombstone(session, scope)
            session.execute(delete(DataKey).where(DataKey.scope == scope))
        self._forget(lambda s: s == scope)

    def destroy_account(self, account_id: str) -> int:
        """Crypto-shred every scope of an account; returns how many keys were destroyed."""
        with self.db.session() as session:
            scopes = list(
                session.scalars(select(DataKey.scope).where(DataKey.account_id == account_id))
            )
            self._tombstone(session, self.scope(account_id, "*"))
            session.execute(delete(DataKey).where(DataKey.account_id == account_id))
        self._forget(lambda s: s.startswith(f"{account_id}/"))
        return len(scopes)

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
            for scope in [s for s in self._cache if matches(s)]:
                del self._cache[scope]
