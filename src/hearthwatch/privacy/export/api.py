"""`/api/v1/privacy/exports` and `/api/v1/privacy/import`: a copy of your data, and moving in.

    POST   /privacy/exports                      start one (password required)   202
    GET    /privacy/exports                      list with progress and download link
    GET    /privacy/exports/{id}/download?token= the ZIP, once; expired -> 410
    DELETE /privacy/exports/{id}                 remove it                        204
    POST   /privacy/import                       upload an archive (application/zip)

Starting an export queues its build (`export.build`, jobs/); the node's job runner builds
it and sweeps expired archives. This router starts no background work of its own.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import suppress
from datetime import datetime
from pathlib import Path as FilePath
from typing import Annotated

import anyio
from fastapi import APIRouter, Path, Query, Request, Response, status
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from hearthwatch.accounts.models import User
from hearthwatch.api.deps import ContextDep, DbDep, UserDep, in_db_thread
from hearthwatch.context import AppContext
from hearthwatch.errors import ArchiveTooLarge
from hearthwatch.jobs import queue
from hearthwatch.privacy.export import build, portability_import
from hearthwatch.privacy.export import service as export
from hearthwatch.privacy.export.models import DataExport

CHUNK = 1024 * 1024
ExportId = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")]


router = APIRouter(tags=["privacy"])


class ExportStart(BaseModel):
    password: str = Field(min_length=1, max_length=1024)


class ExportPublic(BaseModel):
    id: str
    state: str
    requested_at: datetime
    ready_at: datetime | None
    expires_at: datetime | None
    objects_done: int
    objects_total: int
    bytes_done: int
    bytes_total: int
    size_bytes: int | None
    error_code: str | None
    download_url: str | None = Field(description="present while the export is ready")

    @classmethod
    def of(cls, ctx: AppContext, job: DataExport) -> ExportPublic:
        token = export.download_token(ctx, job)
        url = f"/api/v1/privacy/exports/{job.id}/download?token={token}" if token else None
        return cls(
            id=job.id,
            state=job.state,
            requested_at=job.requested_at,
            ready_at=job.ready_at,
            expires_at=job.expires_at,
            objects_done=job.objects_done,
            objects_total=job.objects_total,
            bytes_done=job.bytes_done,
            bytes_total=job.bytes_total,
            size_bytes=job.size_bytes,
            error_code=job.error_code,
            download_url=url,
        )


class ImportResult(BaseModel):
    profile_fields: list[str]
    cameras: int
    segments: int


def start_export(ctx: AppContext, db: Session, user: User, password: str) -> DataExport:
    """Record the export and queue its build in one transaction, and commit both."""
    job = export.request_export(ctx, db, user=user, password=password)
    queue.enqueue(
        db,
        build.EXPORT_BUILD,
        {"export_id": job.id},
        now=ctx.clock.now(),
        dedupe_key=export.export_build_key(job.id),
        user_id=user.id,
    )
    db.commit()
    return job


@router.post("/exports", response_model=ExportPublic, status_code=status.HTTP_202_ACCEPTED)
def create_export(body: ExportStart, user: UserDep, ctx: ContextDep, db: DbDep) -> ExportPublic:
    """Start preparing a ZIP of all your data; your password is asked again."""
    return ExportPublic.of(ctx, start_export(ctx, db, user, body.password))


@router.get("/exports", response_model=list[ExportPublic])
def list_exports(user: UserDep, ctx: ContextDep, db: DbDep) -> list[ExportPublic]:
    """Your exports, newest first, with progress and (when ready) the download link."""
    return [ExportPublic.of(ctx, job) for job in export.list_exports(ctx, db, user=user)]


@router.get(
    "/exports/{export_id}/download",
    responses={
        200: {"content": {"application/zip": {}}},
        410: {"description": "expired or already downloaded"},
    },
)
def download_export(
    export_id: ExportId,
    user: UserDep,
    ctx: ContextDep,
    db: DbDep,
    token: Annotated[str, Query(min_length=1, max_length=128)],
) -> StreamingResponse:
    """The archive, once: the first request claims it (its file is deleted as it is sent);
    any other, even a parallel one, is answered 410 `privacy.export_downloaded`."""
    found = export.open_download(ctx, db, user=user, export_id=export_id, token=token)
    return StreamingResponse(
        _stream(found),
        media_type="application/zip",
        headers={
            "content-length": str(found.size),
            "content-disposition": f'attachment; filename="{found.filename}"',
            "cache-control": "private, no-store",
        },
    )


def _stream(found: export.Download) -> Iterator[bytes]:
    with found.handle as handle:
        while chunk := handle.read(CHUNK):
            yield chunk


@router.delete("/exports/{export_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_export(export_id: ExportId, user: UserDep, ctx: ContextDep, db: DbDep) -> Response:
    export.delete_export(ctx, db, user=user, export_id=export_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/import",
    response_model=ImportResult,
    openapi_extra={
        "requestBody": {
            "required": True,
            # Any content type is read as the raw ZIP; application/zip works as well.
            "content": {
                "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}
            },
        }
    },
)
async def import_archive(
    request: Request, user: UserDep, ctx: ContextDep, db: DbDep
) -> ImportResult:
    """Import an archive made by "Download my data" on a Hearthwatch service."""
    user_id = user.id
    await in_db_thread(db, db.close)  # the import opens its own sessions
    path = await _receive(request, ctx)
    try:
        summary = await anyio.to_thread.run_sync(
            lambda: portability_import.import_archive(ctx, user_id=user_id, path=path)
        )
    finally:
        path.unlink(missing_ok=True)
    return ImportResult(
        profile_fields=summary.profile_fields, cameras=summary.cameras, segments=summary.segments
    )


async def _receive(request: Request, ctx: AppContext) -> FilePath:
    """Stream the body to an owner-only temporary file, refusing it past the size limit."""
    folder = ctx.settings.data_dir / "imports"
    folder.mkdir(mode=0o700, exist_ok=True)
    descriptor, name = tempfile.mkstemp(dir=folder, suffix=".zip")
    path, received = FilePath(name), 0
    try:
        with os.fdopen(descriptor, "wb") as out:
            async for chunk in request.stream():
                received += len(chunk)
                if received > ctx.settings.import_max_bytes:
                    raise ArchiveTooLarge("The archive is larger than this service accepts.")
                out.write(chunk)
    except BaseException:
        with suppress(OSError):
            path.unlink()
        raise
    return path
