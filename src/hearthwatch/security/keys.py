"""The master key and the keys derived from it.

The master key lives in ``<data_dir>/master.key`` (created on first run, mode 0600) or in
``HEARTHWATCH_MASTER_KEY``. It never encrypts data directly: purpose keys are derived with
HKDF (``csrf``, ``secrets-at-rest``...), and later per-account data keys are wrapped by it.
"""

from __future__ import annotations

import base64
import os
import secrets
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

KEY_BYTES = 32
NONCE_BYTES = 12


def load_or_create_master_key(data_dir: Path, from_env: str = "") -> bytes:
    """The master key from the environment, else from its file, created with owner-only rights."""
    if from_env:
        return _decode(from_env, source="HEARTHWATCH_MASTER_KEY")
    path = data_dir / "master.key"
    if path.exists():
        return _decode(path.read_text().strip(), source=str(path))
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_bytes(KEY_BYTES)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(base64.urlsafe_b64encode(key).decode() + "\n")
    return key


def _decode(text: str, *, source: str) -> bytes:
    try:
        key = base64.urlsafe_b64decode(text)
    except ValueError as err:
        raise ValueError(f"{source} is not base64") from err
    if len(key) != KEY_BYTES:
        raise ValueError(f"{source} must hold {KEY_BYTES} bytes")
    return key


class Keyring:
    """Purpose keys derived from the master key."""

    def __init__(self, master_key: bytes) -> None:
        self._master = master_key
        self._derived: dict[str, bytes] = {}

    def derive(self, purpose: str) -> bytes:
        """The key for `purpose` (computed once: hot paths ask for it on every request)."""
        key = self._derived.get(purpose)
        if key is None:
            hkdf = HKDF(
                algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None, info=purpose.encode()
            )
            key = self._derived[purpose] = hkdf.derive(self._master)
        return key

    def seal(self, plaintext: bytes, *, purpose: str, context: str) -> bytes:
        """Encrypt a small secret at rest (AES-256-GCM), bound to `context` (e.g. a user id)."""
        nonce = secrets.token_bytes(NONCE_BYTES)
        return nonce + AESGCM(self.derive(purpose)).encrypt(nonce, plaintext, context.encode())

    def open(self, sealed: bytes, *, purpose: str, context: str) -> bytes:
        nonce, body = sealed[:NONCE_BYTES], sealed[NONCE_BYTES:]
        return AESGCM(self.derive(purpose)).decrypt(nonce, body, context.encode())
