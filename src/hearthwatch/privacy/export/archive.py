"""Writing the "Download my data" ZIP, member by member, in constant memory.

    README.txt           what every file is
    data.json            every exported personal field of the data map, by table, plus the
                         index of the recordings (validated by export_schema.json)
    export_schema.json   the JSON Schema of data.json
    audit.json           the audit log's entries about the person, with their hashes
    recordings/<camera>/<start>.mp4   recorded video, one MP4 per unbroken stretch
    snapshots/<camera>.jpg            a still of each camera's latest recording

Video and pictures are STORED (already compressed), text is DEFLATED; every member is
written through `ZipFile.open(..., "w")` with ZIP64 on, so neither a member nor the archive
is ever held in memory whatever its size. Recording index lines are spooled to a temporary
file and copied into data.json at the end.
"""

from __future__ import annotations

import json
import logging
import re
import tempfile
import zipfile
from collections.abc import Callable, Generator
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import IO, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hearthwatch.context import AppContext
from hearthwatch.devices.models import Camera
from hearthwatch.media import playback
from hearthwatch.media.masks import Polygon, parse_polygons
from hearthwatch.media.models import Segment
from hearthwatch.privacy.audit import service as audit
from hearthwatch.privacy.export.media import (
    BadFragment,
    JoinedFile,
    SegmentEntry,
    first_decode_time,
    prefetched,
    shift_decode_times,
    split_segment,
    timescales_of,
)
from hearthwatch.privacy.export.readme import readme_text
from hearthwatch.privacy.export.tables import exported_tables, field_descriptions, rows_of
from hearthwatch.security.datakeys import KeyDestroyed

log = logging.getLogger("hearthwatch.privacy.export.service")

FORMAT = "hearthwatch-export"
VERSION = 1
SCHEMA_NAME = "export_schema.json"


def schema_text() -> str:
    return resources.files("hearthwatch.privacy.export").joinpath(SCHEMA_NAME).read_text("utf-8")


@dataclass
class Progress:
    objects_done: int = 0
    objects_total: int = 0
    bytes_done: int = 0
    bytes_total: int = 0


Report = Callable[[Progress], None]


@dataclass(frozen=True)
class CameraDir:
    id: str
    folder: str
    masks: tuple[Polygon, ...] = ()  # blacked out in its still (issue 14)


def folder_name(camera: Camera) -> str:
    """`recordings/<this>/`: the camera's name made file-safe, with its id to keep it unique."""
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", camera.name).strip("-.")[:48] or "camera"
    return f"{slug}-{camera.id[:8]}"


def file_stamp(us: int) -> str:
    return datetime.fromtimestamp(us / 1_000_000, UTC).strftime("%Y%m%dT%H%M%S.%fZ")


def plan(db: Session, user_id: str) -> Progress:
    """Totals for the progress bar: every segment and the few fixed files."""
    count, total = db.execute(
        select(func.count(Segment.id), func.coalesce(func.sum(Segment.bytes), 0)).where(
            Segment.owner_id == user_id
        )
    ).one()
    cameras = db.scalar(select(func.count(Camera.id)).where(Camera.owner_id == user_id)) or 0
    return Progress(objects_total=int(count) + int(cameras) + 4, bytes_total=int(total))


def _member(name: str, *, stored: bool) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=datetime.now(UTC).timetuple()[:6])
    info.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
    info.external_attr = 0o600 << 16
    return info


class ArchiveWriter:
    """Writes one person's archive to `path`; `report` is called as work gets done."""

    def __init__(self, ctx: AppContext, *, user_id: str, report: Report) -> None:
        self.ctx, self.user_id, self.report = ctx, user_id, report
        self.progress = Progress()
        self.snapshots: list[dict[str, Any]] = []

    def write(self, path: Path) -> None:
        with self.ctx.db.session() as db:
            self.progress = plan(db, self.user_id)
            cameras = [
                CameraDir(c.id, folder_name(c), parse_polygons(c.privacy_masks))
                for c in db.scalars(select(Camera).where(Camera.owner_id == self.user_id))
            ]
        self.report(self.progress)
        with (
            zipfile.ZipFile(path, "w", allowZip64=True) as archive,
            tempfile.TemporaryFile("w+", encoding="utf-8") as index,
        ):
            for camera in cameras:
                self._recordings(archive, camera, index)
            self._text(archive, "audit.json", self._audit_json())
            self._data_json(archive, index)
            self._text(archive, SCHEMA_NAME, schema_text())
            self._text(archive, "README.txt", readme_text())

    def _step(self, objects: int = 1, size: int = 0) -> None:
        self.progress.objects_done += objects
        self.progress.bytes_done += size
        self.report(self.progress)

    def _text(self, archive: zipfile.ZipFile, name: str, text: str) -> None:
        with archive.open(_member(name, stored=False), "w", force_zip64=True) as member:
            member.write(text.encode("utf-8"))
        self._step()

    # --- recordings ---

    def _segments(self, camera_id: str) -> Generator[Segment]:
        with self.ctx.db.session() as db:
            query = (
                select(Segment)
                .where(Segment.owner_id == self.user_id, Segment.camera_id == camera_id)
                .order_by(Segment.start_us)
                .execution_options(yield_per=200)
            )
            for segment in db.scalars(query):
                db.expunge(segment)
                yield segment

    def _recordings(self, archive: zipfile.ZipFile, camera: CameraDir, index: IO[str]) -> None:
        current: JoinedFile | None = None
        handle: IO[bytes] | None = None
        last_plain: bytes | None = None
        for segment, plain in prefetched(self._segments(camera.id), self._read):
            if plain is None:
                self._step(size=segment.bytes)
                continue
            try:
                init, media = split_segment(plain)
                if current is None or not current.accepts(init, segment.start_us):
                    current, handle = self._next_file(archive, camera, init, media, segment,
                                                      current, handle, index)  # fmt: skip
                assert handle is not None
                scales = timescales_of(current.init)  # audio moves by as much time
                handle.write(shift_decode_times(media, -current.decode_time_base, scales))
            except BadFragment:
                log.warning("segment %s is not a readable recording; left out", segment.id)
                self._step(size=segment.bytes)
                continue
            current.segments.append(
                SegmentEntry(segment.start_us, segment.end_us, segment.frames, len(media))
            )
            last_plain = plain
            self._step(size=segment.bytes)
        self._close_file(current, handle, index)
        self._poster(archive, camera, last_plain)

    def _read(self, segment: Segment) -> bytes | None:
        try:
            return self.ctx.vault.read_segment(segment)
        except (KeyDestroyed, FileNotFoundError, KeyError):
            log.warning("segment %s could not be read; left out", segment.id)
            return None

    def _next_file(
        self,
        archive: zipfile.ZipFile,
        camera: CameraDir,
        init: bytes,
        media: bytes,
        segment: Segment,
        current: JoinedFile | None,
        handle: IO[bytes] | None,
        index: IO[str],
    ) -> tuple[JoinedFile, IO[bytes]]:
        self._close_file(current, handle, index)
        name = f"recordings/{camera.folder}/{file_stamp(segment.start_us)}.mp4"
        joined = JoinedFile(name, camera.id, init, first_decode_time(media))
        opened = archive.open(_member(name, stored=True), "w", force_zip64=True)
        opened.write(init)
        return joined, opened

    @staticmethod
    def _close_file(current: JoinedFile | None, handle: IO[bytes] | None, index: IO[str]) -> None:
        if current is None or handle is None:
            return
        handle.close()
        index.write(json.dumps(current.as_json(), separators=(",", ":")) + "\n")

    def _poster(self, archive: zipfile.ZipFile, camera: CameraDir, plain: bytes | None) -> None:
        """A JPEG of the camera's latest recording (the service stores no snapshots)."""
        image = None
        if plain is not None:
            try:
                image = playback.jpeg(playback.frame_at(plain, None), masks=camera.masks)
            except Exception:  # any decoder failure only costs the poster
                log.warning("no poster for camera %s", camera.id, exc_info=True)
        if image is not None:
            name = f"snapshots/{camera.folder}.jpg"
            with archive.open(_member(name, stored=True), "w", force_zip64=True) as member:
                member.write(image)
            self.snapshots.append({"file": name, "camera_id": camera.id})
        self._step()

    # --- data.json and audit.json ---

    def _audit_json(self) -> str:
        with self.ctx.db.session() as db:
            entries = [
                {
                    "seq": e.seq,
                    "at": e.at.isoformat(),
                    "actor": e.actor,
                    "subject_id": e.subject_id,
                    "action": e.action,
                    "details": json.loads(e.details),
                    "prev_hash": e.prev_hash,
                    "hash": e.hash,
                }
                for e in audit.entries_about(db, self.user_id)
            ]
        return json.dumps({"entries": entries}, indent=1)

    def _data_json(self, archive: zipfile.ZipFile, index: IO[str]) -> None:
        with (
            archive.open(_member("data.json", stored=False), "w", force_zip64=True) as member,
            self.ctx.db.session() as db,
        ):
            write_data_json(member, db, self.ctx, self.user_id, index, self.snapshots)
        self._step()


def write_data_json(
    out: IO[bytes],
    db: Session,
    ctx: AppContext,
    user_id: str,
    index: IO[str],
    snapshots: list[dict[str, Any]],
) -> None:
    """Stream data.json: header, the tables row by row, then the spooled recording index."""

    def put(text: str) -> None:
        out.write(text.encode("utf-8"))

    header = {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": ctx.clock.now().isoformat(),
        "account_id": user_id,
        "source": ctx.settings.public_url,
        "fields": field_descriptions(),
    }
    put("{\n" + ",\n".join(f"{json.dumps(k)}: {json.dumps(v)}" for k, v in header.items()))
    put(',\n"tables": {')
    for number, table in enumerate(exported_tables()):
        put(("," if number else "") + f"\n {json.dumps(table.name)}: [")
        for count, row in enumerate(rows_of(db, table, user_id)):
            put(("," if count else "") + "\n  " + json.dumps(row))
        put("]")
    put('\n},\n"recordings": [')
    index.seek(0)
    for count, line in enumerate(index):
        put(("," if count else "") + "\n " + line.rstrip("\n"))
    put(f'\n],\n"snapshots": {json.dumps(snapshots)}\n}}\n')
