"""A camera's settings: name, recording on or off (P14), retention, its connection
(address, credentials, transport: changed without removing the camera, issue 12 item 6),
and removing it. Credentials are never shown back: empty password fields keep them.

Removing a camera is a separate confirmation page: it erases every recording at once
(the camera's key is destroyed first), so it is never a single click from the settings.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from fastapi import APIRouter, Request, Response

from hearthwatch.access.resolver import Action
from hearthwatch.accounts.signin import Caller
from hearthwatch.api.deps import ContextDep
from hearthwatch.context import AppContext
from hearthwatch.devices import service
from hearthwatch.devices.models import Camera
from hearthwatch.devices.schemas import CameraUpdate
from hearthwatch.errors import ValidationFailed
from hearthwatch.web.camera_views import BYTES_PER_GB, camera_for, camera_view, gigabytes
from hearthwatch.web.deps import CheckedForm, WebRoute, shown_again, viewer_from
from hearthwatch.web.forms import FormProblem, PostedForm, parse
from hearthwatch.web.rendering import redirect, render
from hearthwatch.web.stream_found import found_words
from hearthwatch.web.viewer import WebDb

router = APIRouter(prefix="/cameras/{camera_id}", route_class=WebRoute)
# Every form of a camera's settings brings a visitor back to the settings after sign-in.
SettingsViewer = Annotated[Caller, viewer_from("/cameras/{camera_id}/settings")]

FIELD_MESSAGES: Mapping[str, str] = {
    "name": "Give the camera a name of up to 64 characters.",
    "recording_mode": "Choose whether the camera records.",
    "retention_days": "Enter a whole number of days from 1 to 730, or leave it empty.",
    "retention_gb": "Enter a size from 0.1 to 100000 GB, or leave it empty.",
    "url": "Give the camera's address, starting with rtsp://",
    "username": "Use at most 128 characters.",
    "password": "Use at most 128 characters.",
    "rtsp_transport": "Choose how the camera sends video.",
}
# Which input of the connection form a refusal is about.
CONNECTION_FIELDS: Mapping[str, str] = {
    "camera.url_invalid": "url",
    "camera.address_forbidden": "url",
    "camera.bound_elsewhere": "url",
    "camera.username_missing": "username",
    "camera.auth_failed": "password",  # the look at the new connection found it wanting
    "camera.wrong_path": "url",
}
CONNECTION_KEPT = (
    "url",
    "sub_url",
    "username",
    "rtsp_transport",
    "forget_credentials",
    "save_offline",
)


def _settings_page(
    request: Request,
    ctx: AppContext,
    viewer: Caller,
    camera: Camera,
    problem: FormProblem | None = None,
    values: Mapping[str, str] | None = None,
    status: int = 200,
    connection_problem: FormProblem | None = None,
    connection_values: Mapping[str, str] | None = None,
    found: bool = False,
) -> Response:
    connection = {
        "url": camera.rtsp_url,
        "sub_url": camera.sub_rtsp_url or "",
        "rtsp_transport": camera.rtsp_transport,
    }
    current = {
        "name": camera.name,
        "recording_mode": camera.recording_mode,
        "retention_days": str(camera.retention_days or ""),
        "retention_gb": gigabytes(camera.retention_bytes),
    }
    return render(
        request,
        ctx,
        "camera_settings.html",
        viewer=viewer,
        section="devices",
        status=status,
        camera=camera_view(ctx, camera),
        problem=problem,
        values=dict(values) if values is not None else current,
        connection_problem=connection_problem,
        connection=dict(connection_values) if connection_values is not None else connection,
        has_credentials=camera.credentials is not None,
        found=_found(camera) if found else None,
    )


def _found(camera: Camera) -> str:
    """What the look at the saved connection found, as the change stored it."""
    forced = camera.rtsp_transport if camera.rtsp_transport != "auto" else None
    transport = camera.rtsp_transport_used or forced
    return found_words(camera.video_codec, camera.video_width, camera.video_height, transport)


@router.get("/settings")
def settings_page(
    camera_id: str,
    request: Request,
    ctx: ContextDep,
    db: WebDb,
    viewer: SettingsViewer,
    found: bool = False,
) -> Response:
    """The settings; `found` (after a connection was saved) shows what the look found."""
    camera = camera_for(db, viewer, camera_id, Action.CONFIGURE)
    return _settings_page(request, ctx, viewer, camera, found=found)


def _bytes_of(gb: str) -> int | str | None:
    """The "GB" field as bytes; text that is no number goes on to fail validation."""
    if not gb:
        return None
    try:
        return int(Decimal(gb.replace(",", ".")) * BYTES_PER_GB)
    except (InvalidOperation, ValueError, ArithmeticError):
        return gb


def read_changes(form: PostedForm) -> dict[str, Any]:
    """Every setting from the form; an empty retention field removes that limit."""
    data = {
        "name": form.value("name"),
        "recording_mode": form.value("recording_mode") or None,
        "retention_days": form.value("retention_days") or None,
        "retention_bytes": _bytes_of(form.value("retention_gb")),
    }
    try:
        return parse(CameraUpdate, data, FIELD_MESSAGES).model_dump()
    except ValidationFailed as err:
        # The form asks for gigabytes where the schema counts bytes.
        for detail in err.details:
            if detail["field"] == "retention_bytes":
                detail.update(field="retention_gb", message=FIELD_MESSAGES["retention_gb"])
        raise


@router.post("/settings")
def save_settings(
    camera_id: str,
    request: Request,
    ctx: ContextDep,
    db: WebDb,
    viewer: SettingsViewer,
    form: CheckedForm,
) -> Response:
    camera = camera_for(db, viewer, camera_id, Action.CONFIGURE)
    kept = form.keep("name", "recording_mode", "retention_days", "retention_gb")

    def again(problem: FormProblem, status: int) -> Response:
        return _settings_page(request, ctx, viewer, camera, problem, kept, status=status)

    with shown_again(again):
        service.update_camera(ctx, db, camera, read_changes(form))
    return redirect(f"/cameras/{camera.id}/settings", done="camera_saved")


def read_connection(form: PostedForm) -> dict[str, Any]:
    """The connection form: empty user name and password keep the stored ones, unless the
    owner asks to forget them; the new connection is looked at unless saved offline."""
    data = {
        "url": form.value("url"),
        "username": form.value("username") or None,
        "password": form.value("password") or None,
        "rtsp_transport": form.value("rtsp_transport") or None,
    }
    if "sub_url" in form.fields:  # the page always sends it; empty: the camera has none
        data["sub_url"] = form.value("sub_url")
    changes = parse(CameraUpdate, data, FIELD_MESSAGES).model_dump(exclude_none=True)
    if form.value("forget_credentials"):
        changes.update(username="", password=None)
    changes["save_offline"] = bool(form.value("save_offline"))
    return changes


@router.post("/connection")
def save_connection(
    camera_id: str,
    request: Request,
    ctx: ContextDep,
    db: WebDb,
    viewer: SettingsViewer,
    form: CheckedForm,
) -> Response:
    """A new address, credentials or transport, looked at first (as when adding a camera)
    unless the owner saves it offline; the recordings stay."""
    camera = camera_for(db, viewer, camera_id, Action.CONFIGURE)

    def again(problem: FormProblem, status: int) -> Response:
        return _settings_page(
            request,
            ctx,
            viewer,
            camera,
            status=status,
            connection_problem=problem,
            connection_values=form.keep(*CONNECTION_KEPT),
        )

    with shown_again(again, CONNECTION_FIELDS):
        service.update_camera(ctx, db, camera, read_connection(form))
    looked = None if form.value("save_offline") else "true"
    return redirect(f"/cameras/{camera.id}/settings", done="camera_saved", found=looked)


@router.get("/remove")
def remove_page(
    camera_id: str, request: Request, ctx: ContextDep, db: WebDb, viewer: SettingsViewer
) -> Response:
    """The confirmation step: what removing erases, and the one button that does it."""
    camera = camera_for(db, viewer, camera_id, Action.UNBIND)
    return render(
        request, ctx, "camera_remove.html", viewer=viewer, section="devices", camera=camera
    )


@router.post("/remove")
def remove_camera(
    camera_id: str,
    ctx: ContextDep,
    db: WebDb,
    viewer: SettingsViewer,
    form: CheckedForm,
) -> Response:
    """Unbind the camera; its recordings are crypto-shredded at once."""
    camera = camera_for(db, viewer, camera_id, Action.UNBIND)
    service.unbind_camera(ctx, db, camera)
    return redirect("/", done="camera_removed")
