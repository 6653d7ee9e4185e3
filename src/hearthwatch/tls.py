"""Serving HTTPS directly (P37): uvicorn's TLS options, checked before the server starts,
and the self-signed certificate `hearthwatch demo --tls` makes for this machine.

A production service gets its certificate from its operator (`HEARTHWATCH_TLS_CERT` and
`HEARTHWATCH_TLS_KEY`, PEM files) or sits behind a proxy that terminates TLS. The demo's
certificate names only 127.0.0.1, ::1 and localhost, lives in the data directory and is
made again when it nears its end; a client trusts it by being given the certificate file
itself (`httpx.get(url, verify=ssl.create_default_context(cafile=cert))`, `curl --cacert`).
"""

from __future__ import annotations

import ipaddress
import os
import ssl
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from hearthwatch.settings import Settings

LOCAL_NAMES = ("localhost",)
LOCAL_ADDRESSES = ("127.0.0.1", "::1")
LOCAL_CERT_DAYS = 365
RENEW_BEFORE = timedelta(days=30)


_KEY_USAGE = x509.KeyUsage(
    digital_signature=True, key_cert_sign=True, content_commitment=False,
    key_encipherment=False, data_encipherment=False, key_agreement=False, crl_sign=False,
    encipher_only=False, decipher_only=False,
)  # fmt: skip


class CannotServe(ValueError):
    """The server cannot start as configured; the message says what to change."""


@dataclass(frozen=True)
class CertificateFiles:
    cert: Path
    key: Path


def uvicorn_tls_options(settings: Settings) -> dict[str, Any]:
    """uvicorn's options for HTTPS, or none when the service serves plain HTTP."""
    if settings.tls_cert is None or settings.tls_key is None:
        return {}
    check_certificate(settings.tls_cert, settings.tls_key)
    return {"ssl_certfile": str(settings.tls_cert), "ssl_keyfile": str(settings.tls_key)}


def check_certificate(cert: Path, key: Path) -> None:
    """Load the pair once, so a wrong path or a mismatched key stops start-up in plain words."""
    try:
        ssl.create_default_context(ssl.Purpose.CLIENT_AUTH).load_cert_chain(cert, key)
    except (OSError, ssl.SSLError) as err:
        raise CannotServe(f"cannot serve HTTPS with {cert} and {key}: {err}") from err


def local_certificate(directory: Path, *, now: datetime) -> CertificateFiles:
    """A self-signed certificate for this machine in `directory`, unless a good one is there."""
    files = CertificateFiles(directory / "tls-local.crt", directory / "tls-local.key")
    if files.cert.exists() and files.key.exists() and _still_good(files.cert, now):
        return files
    directory.mkdir(parents=True, exist_ok=True)
    key = ec.generate_private_key(ec.SECP256R1())
    _write_private(files.key, key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ))  # fmt: skip
    certificate = _self_signed(key, now)
    files.cert.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return files


def _still_good(cert: Path, now: datetime) -> bool:
    try:
        loaded = x509.load_pem_x509_certificate(cert.read_bytes())
    except ValueError:
        return False
    return loaded.not_valid_after_utc - RENEW_BEFORE > now


def _write_private(path: Path, data: bytes) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)


def _self_signed(key: ec.EllipticCurvePrivateKey, now: datetime) -> x509.Certificate:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Hearthwatch local demo")])
    alternative = x509.SubjectAlternativeName(
        [x509.DNSName(n) for n in LOCAL_NAMES]
        + [x509.IPAddress(ipaddress.ip_address(a)) for a in LOCAL_ADDRESSES]
    )
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=LOCAL_CERT_DAYS))
        .add_extension(alternative, critical=False)
        # A CA for itself, so that a client given this file as its trust anchor accepts it.
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_KEY_USAGE, critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(key.public_key()), critical=False
        )
        .sign(key, hashes.SHA256())
    )
