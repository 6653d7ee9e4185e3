"""Signed receipts: a JSON document the user keeps as proof of what the service did.

Each receipt (a consent change, an erasure, a completed request) is signed with Ed25519. The
signing key is derived from the master key, so every node of an installation signs with the
same key and nothing new has to be stored; the public key is published at
`/api/v1/privacy/receipt-key`, so anyone can check a receipt without trusting the service
that shows it. The signature covers the canonical JSON of the payload (sorted keys, no
spaces, UTF-8), so a receipt re-serialised by another tool still verifies.
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from hearthwatch.security.keys import Keyring

ALGORITHM = "Ed25519"
KEY_PURPOSE = "privacy-receipts-ed25519"


def canonical_json(value: Any) -> bytes:
    """The one byte form of a JSON value that signatures and hashes are computed over."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode()


class ReceiptSigner:
    """Signs receipts with the installation's Ed25519 key."""

    def __init__(self, keyring: Keyring) -> None:
        self._private = Ed25519PrivateKey.from_private_bytes(keyring.derive(KEY_PURPOSE))
        self.public_key = self._private.public_key()
        self.public_key_bytes = self.public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)
        self.key_id = hashlib.sha256(self.public_key_bytes).hexdigest()[:16]

    def sign(self, kind: str, payload: dict[str, Any]) -> dict[str, Any]:
        """A receipt: `{kind, payload, algorithm, key_id, signature}`; the signature covers
        kind and payload together, so a receipt of one kind cannot pass for another."""
        signature = self._private.sign(canonical_json({"kind": kind, "payload": payload}))
        return {
            "kind": kind,
            "payload": payload,
            "algorithm": ALGORITHM,
            "key_id": self.key_id,
            "signature": base64.b64encode(signature).decode(),
        }

    def public_key_document(self) -> dict[str, str]:
        return {
            "algorithm": ALGORITHM,
            "key_id": self.key_id,
            "public_key": base64.b64encode(self.public_key_bytes).decode(),
            "signed_bytes": "canonical JSON (sorted keys, no spaces, UTF-8) of "
            '{"kind": kind, "payload": payload}',
        }


def verify_receipt(receipt: dict[str, Any], public_key: bytes) -> bool:
    """Whether `receipt` was signed by the holder of `public_key` (raw 32 bytes) unchanged."""
    try:
        signature = base64.b64decode(receipt["signature"], validate=True)
        message = canonical_json({"kind": receipt["kind"], "payload": receipt["payload"]})
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, message)
    except (KeyError, TypeError, ValueError, InvalidSignature):
        return False
    return receipt.get("algorithm") == ALGORITHM
