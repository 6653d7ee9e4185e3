"""Personal columns sealed with the account's data key, and blind indexes to find them (P38).

The data map marks the columns that hold someone's personal text (`PersonalField.sealed`):
an e-mail address, a nickname, a real name, a camera's network address. Such a column
stores ``MAGIC + nonce + AES-256-GCM(text)`` under a key derived from the data key of the
account the row belongs to (`DataKeys`, kept in the keyring database), bound to the column
and the account. A dump or a file copy of the metadata database therefore shows none of
that text, and erasing the account (which destroys its data key) crypto-shreds it in every
copy taken before.

A sealed column cannot be searched. Where the service must find a row by such a value
(signing in by e-mail) it keeps a blind index beside it: HMAC-SHA256 of the normalised
value under a key derived from the master key, the same for every account (the look-up
comes before anyone is known), unique where the value must be.

Models keep their plain attribute API: ``user.email`` reads and writes text. The attribute
is a `Sealed` descriptor over the mapped column (``User._email``): a value set is sealed at
the next flush, with the owner's key, and a loaded one is opened on first read. The keys
come from the session (``Session.info[SEALER]``, put there by `install`) and are kept per
session, so a list of rows opens with one key look-up per account, not per row; `warm`
looks up many accounts' keys at once.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeVar, overload

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import event
from sqlalchemy.orm import Session, object_session

from hearthwatch.db.base import Base, new_id
from hearthwatch.errors import NotFound
from hearthwatch.privacy.datamap.service import is_sealed
from hearthwatch.security.datakeys import ACCOUNT_SCOPE, DataKeys, KeyDestroyed
from hearthwatch.security.keys import Keyring

if TYPE_CHECKING:
    from hearthwatch.db.engine import Database

MAGIC = b"\x00hw1"  # never starts a stored text, so plaintext left from before is told apart
NONCE_BYTES = 12
INDEX_PURPOSE = "blind-index-v1"
SUBKEY_INFO = b"sealed-columns-v1"
SEALER = "hearthwatch.column_sealer"  # in Database.info, hence in every Session.info
_SESSION_KEYS = "hearthwatch.sealed_keys"  # per session: account id -> AESGCM
_PENDING = "_hw_sealed_pending"  # on an instance: attribute name -> text to seal
_OPENED = "_hw_sealed_opened"  # on an instance: attribute name -> (raw, text)
_BOUND = "_hw_sealed_bound"  # on an instance: (sealer, key cache) of the session it came from

T = TypeVar("T", str, "str | None")


@dataclass
class KeyCache:
    """The account keys a session looked up, and the accounts whose sealed rows it loaded:
    the first value opened fetches the keys of all of them in one keyring query."""

    keys: dict[str, AESGCM] = field(default_factory=dict)
    wanted: set[str] = field(default_factory=set)


class SealedValueUnreadable(NotFound):
    """A sealed value whose account key is gone: the data was erased."""

    code = "account.data_erased"


class SealedColumnsUnavailable(RuntimeError):
    """A sealed column was used through a database that has no sealer (`install`)."""


def is_sealed_value(raw: object) -> bool:
    """Whether a stored value is sealed (rather than plaintext left from before P38)."""
    return isinstance(raw, bytes | bytearray | memoryview) and bytes(raw[:4]) == MAGIC


def _aead(account_key: bytes) -> AESGCM:
    # Not cached beyond the session (`KeyCache`): a destroyed key must not live on here.
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=SUBKEY_INFO)
    return AESGCM(hkdf.derive(account_key))


class ColumnSealer:
    """Seals and opens personal column values with their account's key; blind indexes."""

    def __init__(self, keys: DataKeys, keyring: Keyring) -> None:
        self.keys = keys
        self._index_key = keyring.derive(INDEX_PURPOSE)

    def blind_index(self, text: str) -> str:
        """The keyed hash a sealed value is looked up by (normalise the text first)."""
        return hmac.new(self._index_key, text.encode(), hashlib.sha256).hexdigest()

    def seal(self, text: str, *, column: str, account_id: str, cache: KeyCache) -> bytes:
        nonce = secrets.token_bytes(NONCE_BYTES)
        aad = _context(column, account_id)
        aead = self._key(account_id, cache, create=True)
        return MAGIC + nonce + aead.encrypt(nonce, text.encode(), aad)

    def open(self, raw: bytes, *, column: str, account_id: str, cache: KeyCache) -> str:
        """The text of a sealed value; `SealedValueUnreadable` once its key is destroyed."""
        raw = bytes(raw)
        if not raw.startswith(MAGIC):
            raise SealedColumnsUnavailable(f"{column} holds plaintext: run the start-up sealing")
        nonce, body = raw[len(MAGIC) : len(MAGIC) + NONCE_BYTES], raw[len(MAGIC) + NONCE_BYTES :]
        try:
            aead = self._key(account_id, cache, create=False)
            return aead.decrypt(nonce, body, _context(column, account_id)).decode()
        except (KeyDestroyed, InvalidTag) as err:
            raise SealedValueUnreadable(
                "This data was erased and can no longer be read.",
                details={"column": column},
            ) from err

    def warm(self, account_ids: Iterable[str], cache: KeyCache) -> None:
        """Look up the keys of many accounts at once (list views)."""
        missing = sorted({a for a in account_ids if a not in cache.keys})
        if missing:
            for account_id, key in self.keys.account_keys(missing).items():
                cache.keys[account_id] = _aead(key)
        cache.wanted.difference_update(missing)

    def _key(self, account_id: str, cache: KeyCache, *, create: bool) -> AESGCM:
        aead = cache.keys.get(account_id)
        if aead is None and not create and cache.wanted - {account_id}:
            self.warm(cache.wanted | {account_id}, cache)  # a list: every owner at once
            aead = cache.keys.get(account_id)
        if aead is None:
            key = self.keys.key_for(account_id, ACCOUNT_SCOPE, create=create)
            aead = cache.keys[account_id] = _aead(key)
        return aead


def _context(column: str, account_id: str) -> bytes:
    return f"{column}/{account_id}".encode()


def install(db: Database, sealer: ColumnSealer) -> None:
    """Give every session of `db` the sealer (build_context does this once)."""
    db.info[SEALER] = sealer


def sealer_of(owner: Session | Database) -> ColumnSealer:
    sealer = owner.info.get(SEALER)
    if not isinstance(sealer, ColumnSealer):
        raise SealedColumnsUnavailable("this database has no column sealer installed")
    return sealer


def key_cache(session: Session) -> KeyCache:
    """The session's cache of account keys (gone with the session)."""
    cache = session.info.get(_SESSION_KEYS)
    if cache is None:
        cache = session.info[_SESSION_KEYS] = KeyCache()
    assert isinstance(cache, KeyCache)
    return cache


def open_value(session: Session, raw: Any, *, column: str, account_id: str) -> str | None:
    """Open a sealed value read with a Core query (generic walks over the data map)."""
    if raw is None:
        return None
    return sealer_of(session).open(raw, column=column, account_id=account_id,
                                   cache=key_cache(session))  # fmt: skip


def seal_value(session: Session, text: str | None, *, column: str, account_id: str) -> bytes | None:
    """Seal a value to write with a Core statement."""
    if text is None:
        return None
    return sealer_of(session).seal(text, column=column, account_id=account_id,
                                   cache=key_cache(session))  # fmt: skip


def blind_index(owner: Session | Database, text: str) -> str:
    """The blind index to look a sealed value up by (``User.email_index == ...``)."""
    return sealer_of(owner).blind_index(text)


def warm(session: Session, account_ids: Iterable[str]) -> None:
    """Fetch the keys of these accounts in one keyring query before listing their rows."""
    sealer_of(session).warm(account_ids, key_cache(session))


# ---- the ORM attribute -------------------------------------------------------------------

_SEALED_BY_CLASS: dict[type, list[Sealed[Any]]] = {}


class Sealed(Generic[T]):
    """A text attribute of a model stored sealed in the mapped attribute `raw`.

    `owner` names the attribute holding the account id (``id`` on the account itself,
    which a new row then gets at its first flush, since the seal is bound to it); `index`
    names the attribute that gets the blind index of the value, if any.
    """

    def __init__(self, raw: str, *, column: str, owner: str, index: str | None = None) -> None:
        if not is_sealed(column):
            raise SealedColumnsUnavailable(f"{column} is not declared sealed in the data map")
        self.raw, self.column, self.owner, self.index = raw, column, owner, index
        self.name = ""

    def __set_name__(self, cls: type, name: str) -> None:
        self.name = name
        _SEALED_BY_CLASS.setdefault(cls, []).append(self)

    @overload
    def __get__(self, instance: None, cls: type) -> Sealed[T]: ...
    @overload
    def __get__(self, instance: object, cls: type) -> T: ...
    def __get__(self, instance: object | None, cls: type) -> Sealed[T] | T:
        if instance is None:
            return self
        pending: dict[str, Any] = instance.__dict__.get(_PENDING, {})
        if self.name in pending:
            return pending[self.name]  # type: ignore[no-any-return]
        raw = getattr(instance, self.raw)
        if raw is None:
            return None  # type: ignore[return-value]
        opened = instance.__dict__.setdefault(_OPENED, {})
        hit = opened.get(self.name)
        if hit is not None and hit[0] is raw:
            return hit[1]  # type: ignore[no-any-return]
        sealer, cache = _binding_of(instance)
        text = sealer.open(raw, column=self.column, account_id=self._owner_id(instance),
                           cache=cache)  # fmt: skip
        opened[self.name] = (raw, text)
        return text

    def __set__(self, instance: object, value: T) -> None:
        instance.__dict__.setdefault(_PENDING, {})[self.name] = value
        # Marks the row changed; the flush puts the sealed value in (`_seal_pending`).
        setattr(instance, self.raw, None)

    def _owner_id(self, instance: object) -> str:
        owner_id = getattr(instance, self.owner)
        if owner_id is None and self.owner == "id":
            owner_id = new_id()
            setattr(instance, self.owner, owner_id)
        return str(owner_id)

    def seal_pending(self, instance: object, sealer: ColumnSealer, cache: KeyCache) -> None:
        text = instance.__dict__[_PENDING].pop(self.name)
        raw = None
        if text is not None:
            raw = sealer.seal(text, column=self.column, account_id=self._owner_id(instance),
                              cache=cache)  # fmt: skip
        setattr(instance, self.raw, raw)
        instance.__dict__.setdefault(_OPENED, {})[self.name] = (raw, text)
        if self.index is not None:
            setattr(instance, self.index, None if text is None else sealer.blind_index(text))


def sealed_attributes(cls: type) -> list[Sealed[Any]]:
    return list(_SEALED_BY_CLASS.get(cls, ()))


def _session_binding(session: Session) -> tuple[ColumnSealer, KeyCache]:
    return sealer_of(session), key_cache(session)


def _binding_of(instance: object) -> tuple[ColumnSealer, KeyCache]:
    bound: tuple[ColumnSealer, KeyCache] | None = instance.__dict__.get(_BOUND)
    if bound is not None:
        return bound
    session = object_session(instance)
    if session is None:
        raise SealedColumnsUnavailable(f"{type(instance).__name__} is not from a session")
    bound = instance.__dict__[_BOUND] = _session_binding(session)
    return bound


@event.listens_for(Base, "load", propagate=True)
def _remember_session(target: object, context: Any) -> None:
    # Rows are often read after their session closed (expire_on_commit is off): the
    # instance keeps the sealer and the session's key cache to open its values then.
    attributes = _SEALED_BY_CLASS.get(type(target))
    if attributes and SEALER in context.session.info:
        bound = target.__dict__[_BOUND] = _session_binding(context.session)
        cache = bound[1]
        owner_id = target.__dict__.get(attributes[0].owner)
        if owner_id is not None and owner_id not in cache.keys:
            cache.wanted.add(owner_id)


@event.listens_for(Session, "before_flush")
def _seal_pending(session: Session, _context: Any, _instances: Any) -> None:
    for instance in (*session.new, *session.dirty):
        pending = instance.__dict__.get(_PENDING)
        if not pending:
            continue
        sealer, cache = _session_binding(session)
        instance.__dict__[_BOUND] = (sealer, cache)
        for attribute in sealed_attributes(type(instance)):
            if attribute.name in pending:
                attribute.seal_pending(instance, sealer, cache)
