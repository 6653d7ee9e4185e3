"""Provisioning: the maker's side of binding by QR code or serial and code (P5).

A camera binds by its label only when the registry knows it (devices/registry.py). A maker's
cloud learns its cameras at the factory; a self-hoster's server learns them here, from a
list of serials, codes and addresses (devices/provision_formats.py lists the formats, among
them what `hearthwatch camsim` prints and writes). `provision` is the one way in, for the
CLI and the operator API alike:

1. the file is read whole and every camera checked: serial and code as on a label, an
   address the outbound policy allows, a complete login, no serial twice;
2. any problem refuses the whole file (`provision.invalid`, every problem listed with its
   line and a stable code), so a half-imported list never needs untangling;
3. otherwise each camera is added, updated, or left as it is when nothing changed, so
   importing the same file again changes nothing; one audit entry records the import.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy.orm import Session

from hearthwatch.context import AppContext
from hearthwatch.devices.models import RegisteredCamera
from hearthwatch.devices.provision_formats import (
    Format,
    Problem,
    RawCamera,
    parse_cameras,
    payload_values,
)
from hearthwatch.devices.registry import (
    addresses,
    code_matches,
    open_credentials,
    register_camera,
)
from hearthwatch.devices.streams import checked_address
from hearthwatch.errors import ValidationFailed
from hearthwatch.privacy.audit import service as audit
from hearthwatch.protocols.qr_label import is_serial, is_verification_code

MAX_BYTES = 2_000_000
MAX_CAMERAS = 10_000
MAX_PROBLEMS_LISTED = 200
# Longest values, as the registry stores them.
LIMITS = {"username": 128, "password": 128, "model": 64, "firmware_version": 32}
AUDIT_ACTION = "devices.provisioned"

Outcome = Literal["added", "updated", "unchanged"]


@dataclass(frozen=True)
class Defaults:
    """What applies to cameras whose entry does not say: an address from a template with
    ``{serial}`` (camsim's state file has none), a model and a firmware version."""

    address_template: str | None = None
    sub_address_template: str | None = None
    model: str | None = None
    firmware_version: str | None = None


@dataclass(frozen=True)
class ProvisionedCamera:
    """One camera, checked: what the registry will hold."""

    serial: str
    code: str
    rtsp_url: str
    sub_rtsp_url: str | None
    username: str | None
    password: str | None
    model: str | None
    firmware_version: str | None


@dataclass
class ProvisionReport:
    format: Format
    dry_run: bool
    outcomes: dict[str, Outcome] = field(default_factory=dict)

    def count(self, outcome: Outcome) -> int:
        return sum(1 for value in self.outcomes.values() if value == outcome)

    def summary(self) -> dict[str, int]:
        return {kind: self.count(kind) for kind in ("added", "updated", "unchanged")}


class ProvisionRefused(ValidationFailed):
    """The file cannot be imported; `problems` says where and why (nothing was stored)."""

    code = "provision.invalid"

    def __init__(self, problems: list[Problem]) -> None:
        listed = problems[:MAX_PROBLEMS_LISTED]
        super().__init__(
            f"{len(problems)} problem(s) in the list; nothing was imported. "
            f"First: {problems[0].where()}: {problems[0].message}",
            details={"problems": [p.as_dict() for p in listed], "count": len(problems)},
        )
        self.problems = problems


def provision(
    ctx: AppContext,
    session: Session,
    *,
    data: bytes,
    actor: str,
    defaults: Defaults | None = None,
    dry_run: bool = False,
) -> ProvisionReport:
    """Check the list in `data` and register its cameras (all or none); see the module doc."""
    text = _decoded(data)
    parsed = parse_cameras(text)
    cameras, problems = _checked(ctx, parsed.cameras, defaults or Defaults())
    problems = parsed.problems + problems
    if problems:
        raise ProvisionRefused(sorted(problems, key=_position))
    if not cameras:
        raise ValidationFailed("The list holds no camera.", code="provision.empty")
    report = ProvisionReport(parsed.format, dry_run)
    for camera in cameras:
        report.outcomes[camera.serial] = _apply(ctx, session, camera, dry_run=dry_run)
    if not dry_run:
        details: dict[str, Any] = {"format": parsed.format, **report.summary()}
        audit.record(session, at=ctx.clock.now(), actor=actor, action=AUDIT_ACTION, details=details)
    return report


def _decoded(data: bytes) -> str:
    if len(data) > MAX_BYTES:
        raise ValidationFailed(
            f"The list is larger than {MAX_BYTES // 1_000_000} MB; split it.",
            code="provision.too_large",
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise ValidationFailed(
            "The list is not UTF-8 text (JSON, CSV or camsim's printout).",
            code="provision.not_text",
        ) from err


def _position(problem: Problem) -> tuple[int, int]:
    return (problem.line or 0, problem.entry or 0)


def _checked(
    ctx: AppContext, raw: list[RawCamera], defaults: Defaults
) -> tuple[list[ProvisionedCamera], list[Problem]]:
    if len(raw) > MAX_CAMERAS:
        raise ValidationFailed(
            f"The list holds {len(raw)} cameras; import at most {MAX_CAMERAS} at a time.",
            code="provision.too_many",
        )
    cameras: list[ProvisionedCamera] = []
    problems: list[Problem] = []
    first_seen: dict[str, RawCamera] = {}
    for entry in raw:
        found = list(payload_values(entry))
        camera = None if found else _camera(ctx, entry, defaults, found)
        serial = (entry.values.get("serial") or "").strip().upper()
        if serial in first_seen:
            found.append(
                entry.problem(
                    "provision.serial_duplicate",
                    f"The serial {serial} is also at {_where(first_seen[serial])}.",
                )
            )
        elif serial:
            first_seen[serial] = entry
        if camera is not None and not found:
            cameras.append(camera)
        problems += found
    return cameras, problems


def _where(entry: RawCamera) -> str:
    return f"line {entry.line}" if entry.line is not None else f"camera {entry.entry}"


def _camera(
    ctx: AppContext, entry: RawCamera, defaults: Defaults, problems: list[Problem]
) -> ProvisionedCamera | None:
    """The entry as a camera to register, or None with its problems added to `problems`."""
    values = entry.values
    serial = (values.get("serial") or "").strip().upper()
    code = "".join((values.get("verification_code") or "").split()).upper()
    if not is_serial(serial):
        problems.append(
            entry.problem(
                "provision.serial_invalid",
                "The serial number must be 8 to 32 letters (A-Z) and digits.",
                "serial",
            )
        )
    if not is_verification_code(code):
        problems.append(
            entry.problem(
                "provision.code_invalid",
                "The verification code must be 6 letters.",
                "verification_code",
            )
        )
    main = _address(ctx, entry, "rtsp_url", defaults.address_template, serial, problems)
    sub = _address(ctx, entry, "sub_rtsp_url", defaults.sub_address_template, serial, problems)
    username, password = _login(entry, main, problems)
    model = values.get("model") or defaults.model
    firmware = values.get("firmware_version") or defaults.firmware_version
    for name, value in {"username": username, "password": password,
                        "model": model, "firmware_version": firmware}.items():  # fmt: skip
        if value is not None and len(value) > LIMITS[name]:
            problems.append(
                entry.problem(
                    "provision.field_too_long", f"The {name} is longer than {LIMITS[name]}.", name
                )
            )
    if problems or main is None:
        return None
    return ProvisionedCamera(
        serial, code, main[0], sub[0] if sub else None, username, password, model, firmware
    )


Address = tuple[str, str | None, str | None]  # URL without credentials, user, password


def _address(
    ctx: AppContext,
    entry: RawCamera,
    key: str,
    template: str | None,
    serial: str,
    problems: list[Problem],
) -> Address | None:
    url = entry.values.get(key) or (template.replace("{serial}", serial) if template else None)
    if url is None:
        if key == "rtsp_url":
            problems.append(
                entry.problem(
                    "provision.address_missing",
                    "No stream address: give one (rtsp://...), or an address template.",
                )
            )
        return None
    try:
        address, username, password = checked_address(ctx, url.strip())
    except ValidationFailed as err:
        kind = "forbidden" if err.code == "camera.address_forbidden" else "invalid"
        what = "sub-stream address" if key == "sub_rtsp_url" else "stream address"
        problems.append(
            entry.problem(f"provision.address_{kind}", f"The {what}: {err.message}", key)
        )
        return None
    return address.url, username, password


def _login(
    entry: RawCamera, main: Address | None, problems: list[Problem]
) -> tuple[str | None, str | None]:
    """The camera's login: from its own fields, else from its address's user:password@."""
    username = entry.values.get("username") or (main[1] if main else None)
    password = entry.values.get("password") or (main[2] if main else None)
    if bool(username) != bool(password):
        problems.append(
            entry.problem(
                "provision.login_incomplete",
                "Give the camera's user name and password together.",
                "username",
            )
        )
    return username or None, password or None


def _apply(
    ctx: AppContext, session: Session, camera: ProvisionedCamera, *, dry_run: bool
) -> Outcome:
    known = session.get(RegisteredCamera, camera.serial)
    if known is not None and _same(ctx, known, camera):
        return "unchanged"
    if not dry_run:
        register_camera(
            ctx,
            session,
            serial=camera.serial,
            code=camera.code,
            rtsp_url=camera.rtsp_url,
            sub_rtsp_url=camera.sub_rtsp_url,
            username=camera.username,
            password=camera.password,
            model=camera.model,
            firmware_version=camera.firmware_version,
        )
    return "added" if known is None else "updated"


def _same(ctx: AppContext, known: RegisteredCamera, camera: ProvisionedCamera) -> bool:
    login = (
        open_credentials(ctx, known.serial, known.credentials)
        if known.credentials is not None
        else (None, None)
    )
    return (
        code_matches(ctx, known, camera.code)
        and addresses(ctx, known) == (camera.rtsp_url, camera.sub_rtsp_url)
        and login == (camera.username, camera.password)
        and (known.model, known.firmware_version) == (camera.model, camera.firmware_version)
    )
