"""A real MQTT broker (Mosquitto) on a free loopback port: TLS only, passwords, and an ACL.

The test makes its own certificate authority and a server certificate for 127.0.0.1 and
localhost (with `cryptography`), writes a password file (PBKDF2-SHA512, Mosquitto's `$7$`
format) and an ACL, and starts `/usr/sbin/mosquitto` with them. Clients must trust
`broker.ca_file` (Hearthwatch: `HEARTHWATCH_NOTIFY_MQTT_CA_FILE`).

    with mosquitto_broker(tmp_path, users={"hw": ("pw", "write home/#")}) as broker:
        broker.url        # mqtts://127.0.0.1:<port>
        broker.ca_file    # the test CA's certificate (PEM)

Each user is given a password and ACL lines (`read <topic>`, `write <topic>`,
`readwrite <topic>`); anonymous clients are refused.
"""

from __future__ import annotations

import base64
import getpass
import hashlib
import ipaddress
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

MOSQUITTO = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
PBKDF2_ITERATIONS = 101


@dataclass(frozen=True)
class Broker:
    host: str
    port: int
    ca_file: Path

    @property
    def url(self) -> str:
        return f"mqtts://{self.host}:{self.port}"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])


def _pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def make_certificates(directory: Path) -> tuple[Path, Path, Path]:
    """A CA and a server certificate it signed for 127.0.0.1 and localhost: (ca, cert, key)."""
    now = datetime.now(UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder().subject_name(_name("Hearthwatch test CA"))
        .issuer_name(_name("Hearthwatch test CA")).public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5)).not_valid_after(now + timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .sign(ca_key, hashes.SHA256())
    )  # fmt: skip
    key = ec.generate_private_key(ec.SECP256R1())
    names = [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
    cert = (
        x509.CertificateBuilder().subject_name(_name("127.0.0.1")).issuer_name(ca.subject)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5)).not_valid_after(now + timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )  # fmt: skip
    paths = (directory / "ca.pem", directory / "server.pem", directory / "server.key")
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(_pem(key))
    return paths


def password_line(user: str, password: str) -> str:
    """One line of a Mosquitto password file (`$7$`: PBKDF2-SHA512)."""
    salt = os.urandom(12)
    digest = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, PBKDF2_ITERATIONS)
    encoded = [base64.b64encode(v).decode() for v in (salt, digest)]
    return f"{user}:$7${PBKDF2_ITERATIONS}${encoded[0]}${encoded[1]}"


@contextmanager
def mosquitto_broker(directory: Path, *, users: Mapping[str, tuple[str, str]]) -> Iterator[Broker]:
    """Run Mosquitto until the block ends; `users`: name -> (password, ACL lines by ';')."""
    directory.mkdir(parents=True, exist_ok=True)
    ca, cert, key = make_certificates(directory)
    (directory / "passwords").write_text(
        "".join(f"{password_line(u, p)}\n" for u, (p, _) in users.items())
    )
    acl = "".join(f"user {u}\n" + "".join(f"topic {rule.strip()}\n" for rule in rules.split(";"))
                  for u, (_, rules) in users.items())  # fmt: skip
    (directory / "acl").write_text(acl)
    port = _free_port()
    config = directory / "mosquitto.conf"
    config.write_text(
        f"per_listener_settings false\nallow_anonymous false\n"
        f"password_file {directory / 'passwords'}\nacl_file {directory / 'acl'}\n"
        f"persistence false\nlog_dest stderr\nuser {getpass.getuser()}\n"
        f"listener {port} 127.0.0.1\ncafile {ca}\ncertfile {cert}\nkeyfile {key}\n"
        "tls_version tlsv1.2\n"
    )
    process = subprocess.Popen(
        [MOSQUITTO, "-c", str(config)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        _wait_listening(port, process)
        yield Broker("127.0.0.1", port, ca)
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()


def _wait_listening(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = process.stdout.read().decode() if process.stdout else ""
            raise RuntimeError(f"mosquitto exited: {output}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("mosquitto did not start listening")
