"""Keyring copies that an erasure reaches too (P19, P20).

Without its keyring a backup is useless (every row and object in it is sealed with a data
key), so operators must keep a copy of the keyring. A plain copy would undo erasures: an
erased account's destroyed keys are still in it. So copies are sealed under a *copy key*,
and every destruction of a data key replaces the copy key, destroys the old one, and
writes a fresh copy at once. A copy made before an erasure never opens again.

The copy folder (``<data dir>/keyring-copies/``; mount another disk or host there) holds::

    copy.key        the current copy key: its epoch and 32 random bytes, wrapped by the
                    master key (so the folder alone opens nothing)
    keyring.sealed  the newest copy of the keyring, sealed under the copy key

and each backup holds its own ``keyring.sealed``, sealed under the copy key of its day.
The folder is rewritten in place by the service and must never be snapshotted, versioned
or copied elsewhere: it is the one thing an erasure has to reach. Backups, with their
sealed copies, may be kept anywhere and for as long as wanted.
"""

from __future__ import annotations

import base64
import fcntl
import json
import logging
import os
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from hearthwatch.clock import clock
from hearthwatch.errors import Conflict, ValidationFailed
from hearthwatch.security.keys import Keyring

log = logging.getLogger("hearthwatch.keyring")

FORMAT = "hearthwatch-keyring-copy-1"
KEY_FILE = "copy.key"
COPY_FILE = "keyring.sealed"
KEY_PURPOSE = "keyring-copy-key-wrap"


@dataclass(frozen=True)
class CopyKey:
    epoch: str
    key: bytes


class KeyRows(Protocol):
    """The key store's rows as a copy holds them (`datakeys.DataKeys`, which holds the
    copies: a protocol so that the two modules do not import each other)."""

    def export_rows(self) -> dict[str, list[dict[str, Any]]]: ...
    def import_rows(self, rows: dict[str, list[dict[str, Any]]]) -> int: ...


class KeyringCopies:
    """Seals, opens and replaces keyring copies; one folder per installation."""

    def __init__(self, folder: Path, keys: KeyRows, keyring: Keyring) -> None:
        self.folder = folder
        self._keys = keys
        self._keyring = keyring
        self._lock = threading.Lock()

    @property
    def copy_path(self) -> Path:
        return self.folder / COPY_FILE

    def write(self, target: Path) -> str:
        """Seal a copy of the keyring into `target` (a file); returns its epoch."""
        with self._locked():
            current = self._current() or self._replace_key()
            self._seal_into(target, current)
        return current.epoch

    def refresh(self) -> str:
        """Renew the copy in the copy folder; returns the epoch it is sealed under."""
        return self.write(self.copy_path)

    def rotate(self) -> None:
        """After a destruction: a new copy key, a fresh copy under it, the old key gone.

        An erasure that cannot reach the copies fails (and can be tried again): going on
        would leave the old copy key, and with it every copy holding the destroyed keys.
        """
        try:
            with self._locked():
                self._seal_into(self.copy_path, self._replace_key())
        except OSError as err:
            log.error("keyring copy folder not writable", extra={"folder": str(self.folder)})
            raise Conflict(
                "The erasure could not reach the keyring copies yet; please try again later.",
                code="keyring.copies_unwritable",
            ) from err

    def read(self, source: Path) -> dict[str, list[dict[str, Any]]]:
        """The keys and tombstones of a copy; refused when it was made before an erasure."""
        try:
            document = json.loads(source.read_text())
            epoch, sealed = str(document["epoch"]), base64.b64decode(document["sealed"])
        except (OSError, ValueError, KeyError, TypeError) as err:
            raise ValidationFailed("Not a keyring copy.", code="keyring.copy_invalid") from err
        current = self._current()
        if document.get("format") != FORMAT:
            raise ValidationFailed("Not a keyring copy.", code="keyring.copy_invalid")
        if current is None or current.epoch != epoch:
            raise Conflict(
                "This keyring copy was made before an erasure and no longer opens; use the "
                "copy in the keyring copy folder.",
                code="keyring.copy_outdated",
            )
        try:
            plain = AESGCM(current.key).decrypt(sealed[:12], sealed[12:], _context(epoch))
        except InvalidTag as err:
            raise ValidationFailed(
                "The keyring copy is damaged.", code="keyring.copy_invalid"
            ) from err
        rows: dict[str, list[dict[str, Any]]] = json.loads(plain)
        return rows

    def restore(self, source: Path) -> int:
        """Bring the keys of a current copy back into the keyring; returns how many."""
        return self._keys.import_rows(self.read(source))

    def _seal_into(self, target: Path, current: CopyKey) -> None:
        nonce = secrets.token_bytes(12)
        plain = json.dumps(self._keys.export_rows()).encode()
        sealed = nonce + AESGCM(current.key).encrypt(nonce, plain, _context(current.epoch))
        document = {
            "format": FORMAT,
            "epoch": current.epoch,
            "made_at": clock.now().isoformat(),
            "sealed": base64.b64encode(sealed).decode(),
        }
        _write_atomically(target, json.dumps(document).encode())

    def _current(self) -> CopyKey | None:
        path = self.folder / KEY_FILE
        if not path.exists():
            return None
        try:
            document = json.loads(path.read_text())
            epoch = str(document["epoch"])
            wrapped = base64.b64decode(document["key"])
            key = self._keyring.open(wrapped, purpose=KEY_PURPOSE, context=epoch)
        except (ValueError, KeyError, TypeError, InvalidTag) as err:
            # Another master key, or a damaged file: no copy opens, say so rather than fail.
            raise ValidationFailed(
                "The keyring copy key does not open with this master key.",
                code="keyring.copy_key_invalid",
            ) from err
        return CopyKey(epoch, key)

    def _replace_key(self) -> CopyKey:
        """Write a new copy key, then overwrite the old one's bytes where they lay."""
        fresh = CopyKey(secrets.token_hex(16), AESGCM.generate_key(bit_length=256))
        wrapped = self._keyring.seal(fresh.key, purpose=KEY_PURPOSE, context=fresh.epoch)
        document = {"epoch": fresh.epoch, "key": base64.b64encode(wrapped).decode()}
        path = self.folder / KEY_FILE
        old = os.open(path, os.O_WRONLY) if path.exists() else None
        try:
            _write_atomically(path, json.dumps(document).encode())
        finally:
            if old is not None:
                _overwrite(old)
        return fresh

    @contextmanager
    def _locked(self) -> Iterator[None]:
        """One writer at a time, threads of this process and other processes alike."""
        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        with self._lock, open(self.folder / ".lock", "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


def _context(epoch: str) -> bytes:
    return f"{FORMAT}/{epoch}".encode()


def _write_atomically(target: Path, data: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    part = target.with_name(f".{target.name}.{secrets.token_hex(4)}.part")
    fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(part, target)


def _overwrite(fd: int) -> None:
    """Zero a replaced file's bytes (its name already points at the new file)."""
    try:
        size = os.fstat(fd).st_size
        os.pwrite(fd, b"\0" * size, 0)
        os.fsync(fd)
    finally:
        os.close(fd)
