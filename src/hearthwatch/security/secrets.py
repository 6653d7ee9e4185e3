"""Random secrets handed to clients once and stored only as hashes."""

from __future__ import annotations

import hashlib
import hmac
import secrets

CODE_DIGITS = 6


def new_secret(prefix: str = "") -> str:
    """A 256-bit URL-safe secret, optionally with a recognisable prefix (``hwt_``)."""
    return prefix + secrets.token_urlsafe(32)


def new_numeric_code(digits: int = CODE_DIGITS) -> str:
    return f"{secrets.randbelow(10**digits):0{digits}d}"


def hash_secret(secret: str) -> str:
    """SHA-256 is enough here: the secrets are long random strings, not passwords."""
    return hashlib.sha256(secret.encode()).hexdigest()


def hash_code(code: str, *, salt: str) -> str:
    """Short codes are hashed with a per-record salt so equal codes differ in storage."""
    return hashlib.sha256(f"{salt}:{code}".encode()).hexdigest()


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())
