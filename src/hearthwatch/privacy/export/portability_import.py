"""Importing an export archive from another Hearthwatch service (P23, portability).

What comes back, into the importing account:
- the profile: nickname, real name and picture (not the e-mail or password: the account
  keeps its own sign-in);
- cameras, bound to the account with their names, recording settings, network addresses
  and transport setting (auto, tcp or udp; the transport that worked last is learnt
  again); their passwords are never in an archive, so a camera that needs one records
  only after it is entered again in the camera's settings. A serial already bound on this
  service is dropped (the camera stays importable by address); an address passes the same
  check as one typed in (devices/streams.py: an archive naming a forbidden address is
  refused), and one whose stream another account holds here is dropped too (the camera
  and its recordings come back without it);
- recordings, cut back into the original segments byte for byte and sealed with this
  account's camera keys;
- the restrictions and objections still in force (`portability_limits`): a limit the
  person put on the use of their data moves with the data.

The archive is checked before anything is written: it must be a ZIP whose every member has
an expected, safe name and an honest, bounded size (no zip bombs, no path tricks), and whose
data.json follows export_schema.json. Each refusal has its own stable code.
"""

from __future__ import annotations

import base64
import json
import logging
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import IO, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hearthwatch.accounts import profile
from hearthwatch.accounts.models import User
from hearthwatch.context import AppContext
from hearthwatch.devices.models import Camera
from hearthwatch.devices.streams import assign_stream, checked_url
from hearthwatch.errors import ArchiveTooLarge, Conflict, HearthwatchError, ValidationFailed
from hearthwatch.media.segmenter import FinishedSegment
from hearthwatch.privacy.audit import service as audit
from hearthwatch.privacy.export.archive import schema_text
from hearthwatch.privacy.export.media import (
    BadFragment,
    init_length,
    shift_decode_times,
    timescales_of,
)
from hearthwatch.privacy.export.portability_limits import import_limits

log = logging.getLogger("hearthwatch.privacy.import")

MEMBER_NAME = re.compile(
    r"^(README\.txt|data\.json|audit\.json|export_schema\.json"
    r"|recordings/[A-Za-z0-9._-]{1,80}/[A-Za-z0-9._-]{1,80}\.mp4"
    r"|snapshots/[A-Za-z0-9._-]{1,80}\.jpg)$"
)
MAX_RATIO = 200  # deflate reaches ~1000:1 only on degenerate data such as a bomb
CAMERA_SETTINGS = (
    "model",
    "firmware_version",
    "recording_mode",
    "retention_days",
    "retention_bytes",
    "rtsp_transport",  # auto, tcp or udp: checked by the schema (issue 12 item 2)
    "video_codec",
    "video_width",
    "video_height",
    "video_fps",
)


class ArchiveRefused(ValidationFailed):
    code = "privacy.import_invalid"


def refuse(code: str, message: str, details: Any = None) -> ArchiveRefused:
    return ArchiveRefused(message, code=f"privacy.import_{code}", details=details)


@dataclass
class ImportSummary:
    profile_fields: list[str] = field(default_factory=list)
    cameras: int = 0
    segments: int = 0
    camera_ids: dict[str, str] = field(default_factory=dict)  # exported id -> new id
    limits: int = 0  # restrictions and objections carried over (P21, P22)


@cache
def _validator() -> Any:
    import jsonschema_rs  # loaded on the first import of an archive: 15 MB off start-up

    return jsonschema_rs.validator_for(json.loads(schema_text()))


# --- checking the archive ---


def open_archive(ctx: AppContext, path: Path) -> zipfile.ZipFile:
    """The archive, opened after its directory passed every check."""
    if path.stat().st_size > ctx.settings.import_max_bytes:
        raise ArchiveTooLarge("The archive is larger than this service accepts.")
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError) as err:
        raise refuse("not_zip", "The file is not a ZIP archive.") from err
    try:
        check_members(ctx, archive.infolist())
    except HearthwatchError:
        archive.close()
        raise
    return archive


def check_members(ctx: AppContext, members: list[zipfile.ZipInfo]) -> None:
    settings = ctx.settings
    if len(members) > settings.import_max_members:
        raise refuse("too_many_members", "The archive holds too many files.")
    seen: set[str] = set()
    total = 0
    for info in members:
        if not MEMBER_NAME.match(info.filename) or ".." in info.filename:
            raise refuse("unsafe_name", "The archive holds an unexpected file name.",
                          {"name": info.filename[:200]})  # fmt: skip
        if info.filename in seen:
            raise refuse("duplicate_name", "The archive holds a file twice.")
        seen.add(info.filename)
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise refuse("unsupported_compression", "The archive uses an unknown compression.")
        if info.file_size > MAX_RATIO * max(info.compress_size, 1024):
            raise refuse("zip_bomb", "A file in the archive expands suspiciously far.")
        total += info.file_size
    if total > settings.import_max_bytes:
        raise ArchiveTooLarge("The archive unpacks to more than this service accepts.")
    if "data.json" not in seen:
        raise refuse("missing_data", "The archive has no data.json.")


class BoundedReader:
    """Reads a member and fails if it yields more bytes than its header declared."""

    def __init__(self, handle: IO[bytes], declared: int) -> None:
        self.handle, self.left = handle, declared

    def read(self, size: int) -> bytes:
        data = self.handle.read(size)
        if len(data) != size:
            raise refuse("truncated", "A file in the archive is shorter than its index says.")
        self.left -= len(data)
        if self.left < 0:
            raise refuse("zip_bomb", "A file in the archive is longer than it claims.")
        return data


def read_data(ctx: AppContext, archive: zipfile.ZipFile) -> dict[str, Any]:
    """data.json, size-limited, parsed and checked against the schema."""
    info = archive.getinfo("data.json")
    if info.file_size > ctx.settings.import_max_json_bytes:
        raise ArchiveTooLarge("data.json is larger than this service accepts.")
    with archive.open(info) as handle:
        raw = BoundedReader(handle, info.file_size).read(info.file_size)
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError) as err:
        raise refuse("not_json", "data.json is not valid JSON.") from err
    errors = [str(e.message)[:300] for e in _validator().iter_errors(data)][:5]
    if errors:
        raise refuse("schema_invalid", "data.json does not follow the export schema.", errors)
    _check_recording_files(archive, data)
    return dict(data)


def _check_recording_files(archive: zipfile.ZipFile, data: dict[str, Any]) -> None:
    cameras = {c["id"] for c in data["tables"].get("cameras", [])}
    names = set(archive.namelist())
    for entry in data["recordings"]:
        if entry["file"] not in names:
            raise refuse("missing_recording", "A recording listed in data.json is missing.")
        if entry["camera_id"] not in cameras:
            raise refuse("unknown_camera", "A recording belongs to no camera in data.json.")
        expected = entry["init_bytes"] + sum(s["media_bytes"] for s in entry["segments"])
        if archive.getinfo(entry["file"]).file_size != expected:
            raise refuse("recording_invalid", "A recording's size does not match data.json.",
                          {"file": entry["file"]})  # fmt: skip


# --- importing ---


def import_archive(ctx: AppContext, *, user_id: str, path: Path) -> ImportSummary:
    """Check the whole archive, then recreate profile, cameras and recordings."""
    try:
        return _import(ctx, user_id, path)
    except (zipfile.BadZipFile, zlib.error, EOFError) as err:
        raise refuse("damaged", "The archive is damaged (a file fails its checksum).") from err


def _import(ctx: AppContext, user_id: str, path: Path) -> ImportSummary:
    with open_archive(ctx, path) as archive:
        data = read_data(ctx, archive)
        for entry in data["recordings"]:  # every recording is checked before any is kept
            for _segment in _segments_of(archive, entry):
                pass
        summary = ImportSummary()
        with ctx.db.session() as db:
            user = db.get(User, user_id)
            if user is None:
                raise refuse("no_account", "The importing account does not exist.")
            summary.profile_fields = _import_profile(ctx, db, user, data["tables"])
            cameras = data["tables"].get("cameras", [])
            _check_addresses(ctx, cameras)
            summary.camera_ids = _import_cameras(ctx, db, user, cameras)
            summary.cameras = len(summary.camera_ids)
            summary.limits = import_limits(
                db, user_id=user.id, rows=data["tables"].get("processing_limits", []),
                camera_ids=summary.camera_ids, now=ctx.clock.now(),
            )  # fmt: skip
        for entry in data["recordings"]:
            summary.segments += _import_recording(ctx, archive, entry, user_id, summary)
        with ctx.db.session() as db:
            audit.record(
                db,
                at=ctx.clock.now(),
                actor=audit.actor_user(user_id),
                action="privacy.import_completed",
                subject_id=user_id,
                details={
                    "cameras": summary.cameras,
                    "segments": summary.segments,
                    "limits": summary.limits,
                },
            )
    return summary


def _import_profile(ctx: AppContext, db: Session, user: User, tables: dict[str, Any]) -> list[str]:
    rows = tables.get("users") or [{}]
    changes = {k: rows[0][k] for k in ("nickname", "real_name") if k in rows[0]}
    changed = list(changes)
    if changes:
        profile.update_profile(ctx, user=user, changes=changes)
    picture = (tables.get("profile_pictures") or [{}])[0].get("data")
    if isinstance(picture, dict) and "base64" in picture:
        try:
            profile.set_picture(ctx, db, user=user, data=base64.b64decode(picture["base64"]))
        except (HearthwatchError, ValueError) as err:
            raise refuse("picture_invalid", "The profile picture could not be read.") from err
        changed.append("picture")
    return changed


def _import_cameras(
    ctx: AppContext, db: Session, user: User, rows: list[dict[str, Any]]
) -> dict[str, str]:
    mapping: dict[str, str] = {}
    taken: set[str] = set()
    for row in rows:
        serial = row.get("serial")
        if serial and (
            serial in taken or db.scalar(select(Camera.id).where(Camera.serial == serial))
        ):
            serial = None  # bound here already: the camera comes back by its address only
        if serial:
            taken.add(serial)
        camera = Camera(
            owner_id=user.id,
            serial=serial,
            name=row["name"],
            rtsp_url=_address(ctx, row.get("rtsp_url")) or "",
            sub_rtsp_url=_address(ctx, row.get("sub_rtsp_url")),
            credentials=None,
            activated_at=_moment(row.get("activated_at")) or ctx.clock.now(),
            last_seen_at=_moment(row.get("last_seen_at")),
            **{k: row[k] for k in CAMERA_SETTINGS if k in row},
        )
        _claim_stream(ctx, db, camera)
        db.add(camera)
        db.flush()
        mapping[row["id"]] = camera.id
    return mapping


def _address(ctx: AppContext, url: Any) -> str | None:
    return checked_url(ctx, url) if isinstance(url, str) and url else None


def _check_addresses(ctx: AppContext, rows: list[dict[str, Any]]) -> None:
    """Every camera address passes the one check before anything is written."""
    for row in rows:
        try:
            _address(ctx, row.get("rtsp_url"))
            _address(ctx, row.get("sub_rtsp_url"))
        except ValidationFailed as err:
            raise ValidationFailed(
                err.message, code=err.code, details={"camera": str(row.get("name"))[:64]}
            ) from err


def _claim_stream(ctx: AppContext, db: Session, camera: Camera) -> None:
    if not camera.rtsp_url:
        return
    try:
        assign_stream(ctx, db, camera, camera.rtsp_url)
    except Conflict:  # another account holds the stream here: the address stays behind
        camera.rtsp_url, camera.sub_rtsp_url = "", None


def _moment(text: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(text) if isinstance(text, str) else None
    except ValueError:
        return None


def _segments_of(
    archive: zipfile.ZipFile, entry: dict[str, Any]
) -> Any:  # Iterator[FinishedSegment], typed loosely for the generator
    info = archive.getinfo(entry["file"])
    with archive.open(info) as handle:
        reader = BoundedReader(handle, info.file_size)
        init = reader.read(entry["init_bytes"])
        try:
            if init_length(init) != len(init):
                raise BadFragment("init segment length")
            scales = timescales_of(init)  # audio moves by as much time as video
            for segment in entry["segments"]:
                media = shift_decode_times(
                    reader.read(segment["media_bytes"]), entry["decode_time_base"], scales
                )
                yield FinishedSegment(
                    segment["start_us"], segment["end_us"], segment["frames"], init + media
                )
        except BadFragment as err:
            raise refuse("recording_invalid", "A recording in the archive is damaged.",
                          {"file": entry["file"], "problem": str(err)}) from err  # fmt: skip


def _import_recording(
    ctx: AppContext,
    archive: zipfile.ZipFile,
    entry: dict[str, Any],
    user_id: str,
    summary: ImportSummary,
) -> int:
    camera_id = summary.camera_ids[entry["camera_id"]]
    stored = 0
    for segment in _segments_of(archive, entry):
        ctx.vault.store_segment(owner_id=user_id, camera_id=camera_id, segment=segment)
        stored += 1
    return stored
