"""`/api/v1/cameras`: binding, listing, settings and unbinding (P5, P7, P14)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from fastapi import APIRouter, UploadFile, status
from pydantic import Field

from hearthwatch.access.resolver import Action, Kind
from hearthwatch.api.deps import ContextDep, CurrentUser, DbDep, authorized
from hearthwatch.context import AppContext
from hearthwatch.devices import binding, firmware, service
from hearthwatch.devices.binding import MAX_QR_IMAGE_BYTES
from hearthwatch.devices.models import TRANSPORT_AUTO, Camera
from hearthwatch.devices.schemas import (
    BindByCode,
    BindByQrPayload,
    BindByRtsp,
    CameraPublic,
    CameraUpdate,
    ProbePublic,
    StreamProbe,
)
from hearthwatch.media.status import PROBLEMS

if TYPE_CHECKING:
    from hearthwatch.media.probe import ProbeResult

router = APIRouter(prefix="/cameras", tags=["cameras"])

# The path's camera, loaded through the permission resolver for the route's action.
ViewableCamera = Annotated[Camera, authorized(Kind.CAMERA, Action.VIEW, param="camera_id")]
ConfigurableCamera = Annotated[Camera, authorized(Kind.CAMERA, Action.CONFIGURE, param="camera_id")]
UnbindableCamera = Annotated[Camera, authorized(Kind.CAMERA, Action.UNBIND, param="camera_id")]
CONNECTION_FIELDS = ("url", "username", "password", "rtsp_transport")


class CameraChange(CameraUpdate):
    save_offline: bool = Field(
        default=False,
        description="Save a new address, credentials or transport even though the camera "
        "cannot be reached there now; without this, the new connection is looked at first "
        "and a camera the look cannot reach is refused with the problem's code.",
    )


class StreamFound(ProbePublic):
    audio: str | None = Field(
        default=None, description="The sound's codec (aac, pcm_mulaw, pcm_alaw), null if none."
    )


class CameraChanged(CameraPublic):
    connection_check: StreamFound | None = Field(
        description="What the look at a changed connection found; null when the connection "
        "did not change or was saved offline."
    )


def public(ctx: AppContext, camera: Camera) -> CameraPublic:
    status_now = ctx.recorder.status(camera.id) if ctx.recorder else None
    update = firmware.update_for_camera(
        ctx.settings.firmware_catalog, model=camera.model, version=camera.firmware_version
    )
    return CameraPublic.of(camera, status_now, update)


@router.get("", response_model=list[CameraPublic])
def list_cameras(user: CurrentUser, ctx: ContextDep, db: DbDep) -> list[CameraPublic]:
    """The cameras you may see, with live status from the recorder."""
    return [public(ctx, c) for c in service.list_cameras(db, user_id=user.id)]


@router.post("/bind", status_code=status.HTTP_201_CREATED, response_model=CameraPublic)
def bind_by_code(body: BindByCode, user: CurrentUser, ctx: ContextDep, db: DbDep) -> CameraPublic:
    """Bind a camera by the serial number and verification code on its label."""
    camera = binding.bind_by_code(
        ctx, db, user=user, serial=body.serial, code=body.verification_code, name=body.name
    )
    return public(ctx, camera)


@router.post("/bind/qr", status_code=status.HTTP_201_CREATED, response_model=CameraPublic)
def bind_by_qr(
    body: BindByQrPayload, user: CurrentUser, ctx: ContextDep, db: DbDep
) -> CameraPublic:
    """Bind a camera by the text of its QR code (as a phone's scanner reads it)."""
    camera = binding.bind_by_qr_payload(ctx, db, user=user, payload=body.payload, name=body.name)
    return public(ctx, camera)


@router.post("/bind/qr-image", status_code=status.HTTP_201_CREATED, response_model=CameraPublic)
def bind_by_qr_image(
    file: UploadFile, user: CurrentUser, ctx: ContextDep, db: DbDep
) -> CameraPublic:
    """Bind a camera from a photo or screenshot of its QR code."""
    payload = binding.read_qr_image(file.file.read(MAX_QR_IMAGE_BYTES + 1))
    camera = binding.bind_by_qr_payload(ctx, db, user=user, payload=payload, name=None)
    return public(ctx, camera)


@router.post("/bind/rtsp", status_code=status.HTTP_201_CREATED, response_model=CameraPublic)
def bind_by_rtsp(body: BindByRtsp, user: CurrentUser, ctx: ContextDep, db: DbDep) -> CameraPublic:
    """Add any camera by its RTSP address once a short look reached it (or, with
    `add_offline`, one that is offline now); credentials are stored encrypted."""
    camera = binding.bind_by_url(
        ctx,
        db,
        user=user,
        url=body.url,
        username=body.username,
        password=body.password,
        name=body.name,
        transport=body.rtsp_transport,
        add_offline=body.add_offline,
        sub_url=body.sub_url,
    )
    return public(ctx, camera)


@router.post("/probe", response_model=StreamFound)
def probe_stream(body: StreamProbe, user: CurrentUser, ctx: ContextDep) -> StreamFound:
    """Look at a stream for a few seconds before adding it: reached (codec, size, transport)
    or the problem's stable code with what to do next. Nothing is stored."""
    found = binding.probe_camera(
        ctx,
        user=user,
        url=body.url,
        username=body.username,
        password=body.password,
        transport=body.rtsp_transport,
    )
    return probe_public(found)


def probe_public(found: ProbeResult) -> StreamFound:
    """The look's answer as the API (and the add page's script) shows it."""
    problem = PROBLEMS.get(found.problem or "")
    return StreamFound(
        reached=found.usable,
        codec=found.codec,
        width=found.width,
        height=found.height,
        transport="udp" if found.transport == "udp" else "tcp" if found.transport else None,
        problem_code=problem.code if problem else None,
        problem=problem.what if problem else None,
        next_step=problem.next_step if problem else None,
        audio=found.audio if found.reached else None,
    )


@router.get("/{camera_id}", response_model=CameraPublic)
def read_camera(camera: ViewableCamera, ctx: ContextDep) -> CameraPublic:
    return public(ctx, camera)


@router.patch("/{camera_id}", response_model=CameraChanged)
def update_camera(
    camera: ConfigurableCamera, body: CameraChange, ctx: ContextDep, db: DbDep
) -> CameraChanged:
    """Rename, switch recording on or off, set retention (days and/or bytes), and change the
    address, credentials (never shown back; a password left out is kept) or transport: a new
    connection is looked at first, as when adding a camera, and refused with the problem's
    code and next step unless `save_offline`; `connection_check` says what was found."""
    changes = body.model_dump(exclude_unset=True)
    service.update_camera(ctx, db, camera, changes)
    looked = not body.save_offline and any(changes.get(k) is not None for k in CONNECTION_FIELDS)
    check = found_at(camera) if looked else None
    return CameraChanged(**public(ctx, camera).model_dump(), connection_check=check)


def found_at(camera: Camera) -> StreamFound:
    """The look's answer, as the change stored it on the camera."""
    used = camera.rtsp_transport_used
    transport = used if camera.rtsp_transport == TRANSPORT_AUTO else camera.rtsp_transport
    return StreamFound(
        reached=True,
        codec=camera.video_codec,
        width=camera.video_width,
        height=camera.video_height,
        transport="udp" if transport == "udp" else "tcp" if transport else None,
        problem_code=None,
        problem=None,
        next_step=None,
    )


@router.delete("/{camera_id}", status_code=status.HTTP_204_NO_CONTENT)
def unbind_camera(camera: UnbindableCamera, ctx: ContextDep, db: DbDep) -> None:
    """Unbind the camera and erase its recordings (crypto-shredded at once)."""
    service.unbind_camera(ctx, db, camera)
