"""Who the cameras of a fleet are, kept the same across restarts.

Identities come from a JSON state file when one is given, then from a seed, else at
random; cameras added beyond those in the file are appended to it. The file (mode 0600,
since it may hold RTSP passwords) reads:

    {"version": 1, "cameras": [{"name": "Camera 1", "serial": "HWC4K7...",
      "verification_code": "QWERTY", "username": null, "password": null}, ...]}

A camera's credentials may be edited in the file; shared credentials given to the fleet
replace them, and `unique_passwords` gives each camera without any its own.
"""

from __future__ import annotations

import json
import os
import random
import secrets
import string
import tempfile
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from hearthwatch.camsim.identity import new_identity
from hearthwatch.protocols.qr_label import is_serial, is_verification_code

STATE_VERSION = 1
PASSWORD_ALPHABET = string.ascii_letters + string.digits


class FleetStateError(ValueError):
    """The fleet's state file cannot be used."""


@dataclass(frozen=True)
class CameraRecord:
    name: str
    serial: str
    verification_code: str
    username: str | None = None
    password: str | None = None


@dataclass(frozen=True)
class CredentialPolicy:
    username: str | None = None
    password: str | None = None
    unique_passwords: bool = False


def plan_cameras(
    count: int, *, seed: int | None, state_file: Path | None, policy: CredentialPolicy
) -> list[CameraRecord]:
    """The first `count` cameras of the fleet, saving any new ones to `state_file`."""
    stored = load_records(state_file) if state_file is not None and state_file.exists() else []
    records = stored + [_new_record(i, seed) for i in range(len(stored), count)]
    records = [
        _with_credentials(r, policy, _rng(seed, i, "password")) for i, r in enumerate(records)
    ]
    if state_file is not None and records != stored:
        save_records(state_file, records)
    return records[:count]


def _rng(seed: int | None, index: int, purpose: str) -> random.Random | None:
    # Simulated identities, not secrets: a seeded generator makes them repeatable.
    return None if seed is None else random.Random(f"camsim:{seed}:{index}:{purpose}")  # noqa: S311


def _new_record(index: int, seed: int | None) -> CameraRecord:
    identity = new_identity(rng=_rng(seed, index, "identity"))
    return CameraRecord(f"Camera {index + 1}", identity.serial, identity.verification_code)


def _with_credentials(
    record: CameraRecord, policy: CredentialPolicy, rng: random.Random | None
) -> CameraRecord:
    if policy.username is not None and policy.password is not None:
        return replace(record, username=policy.username, password=policy.password)
    if policy.unique_passwords and record.password is None:
        chooser = rng or secrets.SystemRandom()
        password = "".join(chooser.choice(PASSWORD_ALPHABET) for _ in range(12))
        return replace(record, username=record.username or "admin", password=password)
    return record


def load_records(path: Path) -> list[CameraRecord]:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as err:
        raise FleetStateError(f"{path}: cannot read camera state: {err}") from err
    if not isinstance(data, dict) or not isinstance(data.get("cameras"), list):
        raise FleetStateError(f'{path}: expected {{"cameras": [...]}}')
    records = [_record(path, item) for item in data["cameras"]]
    if len({r.serial for r in records}) != len(records):
        raise FleetStateError(f"{path}: two cameras share a serial number")
    return records


def _record(path: Path, item: Any) -> CameraRecord:
    try:
        record = CameraRecord(**item)
    except TypeError as err:
        raise FleetStateError(f"{path}: bad camera entry {item!r}") from err
    if not is_serial(str(record.serial)):
        raise FleetStateError(f"{path}: bad serial number {record.serial!r}")
    if not is_verification_code(str(record.verification_code)):
        raise FleetStateError(f"{path}: bad verification code for {record.serial}")
    texts = (record.name, record.username or "", record.password or "")
    if not all(isinstance(t, str) for t in texts) or not record.name:
        raise FleetStateError(f"{path}: bad name or credentials for {record.serial}")
    return record


def save_records(path: Path, records: list[CameraRecord]) -> None:
    body = {"version": STATE_VERSION, "cameras": [asdict(r) for r in records]}
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=path.parent, suffix=".part")
    with os.fdopen(fd, "w") as handle:  # mkstemp files are 0600: they may hold passwords
        json.dump(body, handle, indent=2)
        handle.write("\n")
    os.replace(temp, path)
