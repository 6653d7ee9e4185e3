"""The installation's VAPID key pair (RFC 8292): who push services see sending our pushes.

Made once, on first use, and kept in the data directory beside the master key, sealed with
a key derived from it (`vapid.key`, mode 0600): a browser's subscription is bound to the
public key it was made with, so the pair must outlive restarts and upgrades. Several
nodes share it through the shared data directory, as they share the master key.
"""

from __future__ import annotations

import base64
import contextlib
import os
import secrets
from functools import cache
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from hearthwatch.security.keys import Keyring

FILE_NAME = "vapid.key"
_PURPOSE = "vapid-key-at-rest"


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


class VapidKeys:
    """The private key (for signing) and the public key browsers subscribe with."""

    def __init__(self, private: ec.EllipticCurvePrivateKey) -> None:
        self.private = private

    @property
    def public_key(self) -> str:
        """Base64url of the uncompressed P-256 point: `applicationServerKey` in the browser."""
        raw = self.private.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return b64url(raw)

    def signer(self) -> object:
        """The key as pywebpush signs with it."""
        from py_vapid import Vapid02  # type: ignore[import-untyped]  # loaded with pywebpush

        return Vapid02(private_key=self.private)


def load_or_create(data_dir: Path, keyring: Keyring) -> VapidKeys:
    """The installation's key pair, made and stored on first use."""
    return _cached(data_dir.resolve(), keyring)


@cache
def _cached(data_dir: Path, keyring: Keyring) -> VapidKeys:
    path = data_dir / FILE_NAME
    if not path.exists():
        _create(path, keyring)
    sealed = path.read_bytes()
    der = keyring.open(sealed, purpose=_PURPOSE, context=FILE_NAME)
    private = serialization.load_der_private_key(der, password=None)
    if not isinstance(private, ec.EllipticCurvePrivateKey):
        raise ValueError(f"{path} holds no P-256 key")
    return VapidKeys(private)


def _create(path: Path, keyring: Keyring) -> None:
    private = ec.generate_private_key(ec.SECP256R1())
    der = private.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    # Written whole under another name, then linked into place: a process reading the key
    # never sees half a file, and of two processes making one, the first link wins.
    draft = path.with_name(f"{FILE_NAME}.{secrets.token_hex(6)}")
    fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(keyring.seal(der, purpose=_PURPOSE, context=FILE_NAME))
    try:
        with contextlib.suppress(FileExistsError):
            os.link(draft, path)
    finally:
        draft.unlink()
