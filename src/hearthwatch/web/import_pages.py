"""/privacy/import: move in with an archive from another Hearthwatch (P23, portability).

The same import as `POST /api/v1/privacy/import` and `hearthwatch privacy import`
(`privacy/export/portability_import.py`): the archive is checked whole before anything is written,
and a hostile or broken one is refused with its code, shown next to the file field.

The upload is a multipart form, read here rather than through `FormDep` (which caps files at
the size of a picture): the body is counted as it arrives and refused past the service's
import limit, then the file is copied to an owner-only file under the data directory.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import tempfile
from contextlib import suppress
from pathlib import Path

import anyio
from fastapi import APIRouter, Request, Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException
from starlette.types import Message

from hearthwatch.accounts.signin import Caller
from hearthwatch.api.deps import ContextDep, in_db_thread
from hearthwatch.context import AppContext
from hearthwatch.errors import ArchiveTooLarge, ValidationFailed
from hearthwatch.privacy.export import portability_import
from hearthwatch.privacy.export.portability_import import ImportSummary
from hearthwatch.web.deps import Again, Viewer, WebRoute, check_streamed_form, shown_again
from hearthwatch.web.forms import FormProblem
from hearthwatch.web.rendering import render
from hearthwatch.web.viewer import WebDb

router = APIRouter(prefix="/privacy/import", route_class=WebRoute)

PAGE = "/privacy/import"
FIELD = "archive"
FORM_OVERHEAD = 64 * 1024  # multipart boundaries, headers and the CSRF field
TOO_LARGE = "The archive is larger than this service accepts."


def _page(
    request: Request, ctx: AppContext, viewer: Caller,
    problem: FormProblem | None = None, status: int = 200, summary: ImportSummary | None = None,
) -> Response:  # fmt: skip
    return render(
        request, ctx, "privacy_import.html", viewer=viewer, section="privacy", status=status,
        problem=problem, summary=summary, max_gb=ctx.settings.import_max_bytes / 1024**3,
    )  # fmt: skip


@router.get("")
def import_page(request: Request, ctx: ContextDep, viewer: Viewer) -> Response:
    return _page(request, ctx, viewer)


@router.post("")
async def import_upload(request: Request, ctx: ContextDep, db: WebDb, viewer: Viewer) -> Response:
    """Check the form, keep the upload in a private file, import it, show what came in."""
    path: Path | None = None
    try:
        with shown_again(_again(request, ctx, viewer)):
            try:
                async with _capped(request, ctx).form(max_files=1, max_fields=4) as form:
                    check_streamed_form(request, form)
                    path = await anyio.to_thread.run_sync(_keep, ctx, _upload(form))
            except HTTPException:  # a malformed multipart body
                raise _invalid("The upload was cut off or malformed.") from None
            summary = await _import(ctx, db, viewer.user.id, path)
    finally:
        if path is not None:
            path.unlink(missing_ok=True)
    return _page(request, ctx, viewer, summary=summary)


async def _import(ctx: AppContext, db: Session, user_id: str, path: Path) -> ImportSummary:
    await in_db_thread(db, db.close)  # the import opens its own sessions
    return await anyio.to_thread.run_sync(
        lambda: portability_import.import_archive(ctx, user_id=user_id, path=path)
    )


def _again(request: Request, ctx: AppContext, viewer: Caller) -> Again:
    """The page with the problem; the archive's own refusals sit at the file field."""

    def again(problem: FormProblem, status: int) -> Response:
        if problem.code.startswith("privacy.import_"):
            problem = dataclasses.replace(problem, fields={FIELD: problem.message})
        return _page(request, ctx, viewer, problem, status)

    return again


def _capped(request: Request, ctx: AppContext) -> Request:
    """The request, refused as soon as its body grows past the import limit."""
    limit = ctx.settings.import_max_bytes + FORM_OVERHEAD
    if int(request.headers.get("content-length") or 0) > limit:
        raise ArchiveTooLarge(TOO_LARGE)
    received = 0

    async def receive() -> Message:
        nonlocal received
        message = await request.receive()
        received += len(message.get("body", b""))
        if received > limit:
            raise ArchiveTooLarge(TOO_LARGE)
        return message

    return Request(request.scope, receive)


def _upload(form: FormData) -> UploadFile:
    upload = form.get(FIELD)
    if not isinstance(upload, UploadFile) or not upload.filename:
        raise _invalid("Choose the archive (a .zip file) to import.")
    return upload


def _invalid(message: str) -> ValidationFailed:
    return ValidationFailed(
        "Some fields need a fix.", details=[{"field": FIELD, "message": message}]
    )


def _keep(ctx: AppContext, upload: UploadFile) -> Path:
    """Copy the upload into an owner-only file under the data directory."""
    folder = ctx.settings.data_dir / "imports"
    folder.mkdir(mode=0o700, exist_ok=True)
    descriptor, name = tempfile.mkstemp(dir=folder, suffix=".zip")
    path = Path(name)
    try:
        with os.fdopen(descriptor, "wb") as out:
            upload.file.seek(0)
            shutil.copyfileobj(upload.file, out)
    except BaseException:
        with suppress(OSError):
            path.unlink()
        raise
    return path
