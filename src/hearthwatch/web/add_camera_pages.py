"""Adding a camera (P5): scan its QR code, upload a photo of it, type the label, or give
an RTSP address.

Each way is its own form on one page, and a failed form is shown again with its problem
next to the field concerned. Scanning with the device camera is done by the browser (the
picture never leaves it), with its own BarcodeDetector or else the ZXing decoder the page
ships (static/vendor/zxing-library: Chromium, Firefox and Safari have no BarcodeDetector);
the script then fills the code's text into the QR form, the same form a person can paste
the text into, and the person names the camera and adds it. The photo upload works without
any script. A camera added by its code binds only once the registry knows it
(devices/provision.py).

The address form's "Test the connection" looks at the stream without adding the camera:
the script asks `POST /api/v1/cameras/probe` and shows the answer in place; without a
script the button submits the form to `/cameras/add/rtsp/test`, which makes the same look
(binding.probe_camera) and shows the page again with the answer and the typed values.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Annotated

from fastapi import APIRouter, Request, Response
from sqlalchemy.orm import Session

from hearthwatch.accounts.signin import Caller
from hearthwatch.api.deps import ContextDep
from hearthwatch.context import AppContext
from hearthwatch.devices import binding
from hearthwatch.devices.models import Camera
from hearthwatch.devices.schemas import (
    BindByCode,
    BindByQrPayload,
    BindByRtsp,
    Name,
    StreamProbe,
    Strict,
)
from hearthwatch.errors import ValidationFailed
from hearthwatch.web.deps import Again, CheckedForm, Viewer, WebRoute, shown_again, viewer_from
from hearthwatch.web.forms import FormProblem, PostedForm, parse
from hearthwatch.web.rendering import redirect, render
from hearthwatch.web.stream_found import StreamAnswer, found_words, not_reached, reached
from hearthwatch.web.viewer import WebDb

router = APIRouter(prefix="/cameras/add", route_class=WebRoute)

ADD_PAGE = "/cameras/add"
# Every way's form brings a visitor back to the adding page after signing in.
AddViewer = Annotated[Caller, viewer_from(ADD_PAGE)]
WAYS = ("scan", "photo", "code", "rtsp")

# Which input a domain error is about, per form.
ERROR_FIELDS: Mapping[str, Mapping[str, str]] = {
    "scan": {"camera.qr_invalid": "payload"},
    "photo": {
        "camera.qr_invalid": "qr_image",
        "camera.qr_not_found": "qr_image",
        "camera.qr_image_too_large": "qr_image",
    },
    "code": {"camera.code_invalid": "verification_code"},
    "rtsp": {
        "camera.url_invalid": "url",
        "camera.address_forbidden": "url",
        "camera.bound_elsewhere": "url",
        "camera.wrong_path": "url",  # a look at the stream found it wanting (issue 12)
        "camera.auth_failed": "password",
    },
}

FIELD_MESSAGES: Mapping[str, str] = {
    "payload": "Scan the code again, or paste the text it holds.",
    "serial": "Enter the serial number from the label: 8 to 32 letters and digits.",
    "verification_code": "Enter the 6-letter verification code from the label.",
    "name": "Give the camera a name of up to 64 characters.",
    "url": "Give the camera's address, starting with rtsp://",
    "username": "Use at most 128 characters.",
    "password": "Use at most 128 characters.",
}

# What each form keeps when it is shown again (never the RTSP password).
KEPT: Mapping[str, tuple[str, ...]] = {
    "scan": ("payload", "name"),
    "photo": ("name",),
    "code": ("serial", "verification_code", "name"),
    "rtsp": ("url", "sub_url", "username", "name", "rtsp_transport", "add_offline"),
}


def _add_page(
    request: Request,
    ctx: AppContext,
    viewer: Caller,
    *,
    way: str = "scan",
    problem: FormProblem | None = None,
    values: Mapping[str, str] | None = None,
    status: int = 200,
    answer: StreamAnswer | None = None,
) -> Response:
    return render(
        request,
        ctx,
        "camera_add.html",
        viewer=viewer,
        section="devices",
        status=status,
        active=way,
        problems={way: problem} if problem else {},
        values={way: dict(values or {})},
        answer=answer,
    )


@router.get("")
def add_page(request: Request, ctx: ContextDep, viewer: Viewer, way: str = "scan") -> Response:
    return _add_page(request, ctx, viewer, way=way if way in WAYS else "scan")


def _again(
    request: Request, ctx: AppContext, viewer: Caller, way: str, kept: Mapping[str, str]
) -> Again:
    """The adding page again, open at `way`, with what was typed and the problem."""

    def again(problem: FormProblem, status: int) -> Response:
        return _add_page(request, ctx, viewer, way=way, problem=problem, values=kept, status=status)

    return again


Binder = Callable[[AppContext, Session, Caller, PostedForm], Camera]


class PhotoName(Strict):
    """The name given with a photo of the QR code: held to the API's rule for names."""

    name: Name | None = None


def _bind_by_scan(ctx: AppContext, db: Session, viewer: Caller, form: PostedForm) -> Camera:
    body = parse(BindByQrPayload, form.present("payload", "name"), FIELD_MESSAGES)
    return binding.bind_by_qr_payload(
        ctx, db, user=viewer.user, payload=body.payload, name=body.name
    )


def _bind_by_photo(ctx: AppContext, db: Session, viewer: Caller, form: PostedForm) -> Camera:
    name = parse(PhotoName, form.present("name"), FIELD_MESSAGES).name
    data = form.files.get("qr_image", b"")
    if not data:
        raise ValidationFailed("Choose a photo of the QR code.", code="camera.qr_invalid")
    payload = binding.read_qr_image(data)
    return binding.bind_by_qr_payload(ctx, db, user=viewer.user, payload=payload, name=name)


def _bind_by_code(ctx: AppContext, db: Session, viewer: Caller, form: PostedForm) -> Camera:
    fields = form.present("serial", "verification_code", "name")
    body = parse(BindByCode, {"serial": "", "verification_code": "", **fields}, FIELD_MESSAGES)
    return binding.bind_by_code(
        ctx, db, user=viewer.user, serial=body.serial, code=body.verification_code, name=body.name
    )


def _bind_by_rtsp(ctx: AppContext, db: Session, viewer: Caller, form: PostedForm) -> Camera:
    fields = form.present(
        "url", "sub_url", "username", "password", "name", "rtsp_transport", "add_offline"
    )
    body = parse(BindByRtsp, {"url": "", "name": "", **fields}, FIELD_MESSAGES)
    return binding.bind_by_url(
        ctx,
        db,
        user=viewer.user,
        url=body.url,
        username=body.username,
        password=body.password,
        name=body.name,
        transport=body.rtsp_transport,
        add_offline=body.add_offline,
        sub_url=body.sub_url,
    )


BINDERS: Mapping[str, Binder] = {
    "scan": _bind_by_scan,
    "photo": _bind_by_photo,
    "code": _bind_by_code,
    "rtsp": _bind_by_rtsp,
}


def _add(
    way: str,
    request: Request,
    ctx: AppContext,
    db: Session,
    viewer: Caller,
    form: PostedForm,
) -> Response:
    with shown_again(_again(request, ctx, viewer, way, form.keep(*KEPT[way])), ERROR_FIELDS[way]):
        camera = BINDERS[way](ctx, db, viewer, form)
    return redirect(f"/cameras/{camera.id}", done="camera_added")


@router.post("/scan")
def add_by_scan(
    request: Request, ctx: ContextDep, db: WebDb, viewer: AddViewer, form: CheckedForm
) -> Response:
    """The text of a QR code, as the browser's scanner read it (or as pasted)."""
    return _add("scan", request, ctx, db, viewer, form)


@router.post("/photo")
def add_by_photo(
    request: Request, ctx: ContextDep, db: WebDb, viewer: AddViewer, form: CheckedForm
) -> Response:
    """A photo or screenshot of the QR code; the server finds and reads the code."""
    return _add("photo", request, ctx, db, viewer, form)


@router.post("/code")
def add_by_code(
    request: Request, ctx: ContextDep, db: WebDb, viewer: AddViewer, form: CheckedForm
) -> Response:
    """Serial number and verification code, as printed on the label."""
    return _add("code", request, ctx, db, viewer, form)


@router.post("/rtsp")
def add_by_rtsp(
    request: Request, ctx: ContextDep, db: WebDb, viewer: AddViewer, form: CheckedForm
) -> Response:
    """Any camera that streams RTSP; its password is stored encrypted."""
    return _add("rtsp", request, ctx, db, viewer, form)


@router.post("/rtsp/test")
def test_rtsp(request: Request, ctx: ContextDep, viewer: AddViewer, form: CheckedForm) -> Response:
    """ "Test the connection" without a script: the same look as the API's probe, shown in
    place with what was typed (never the password); nothing is added."""
    kept = form.keep(*KEPT["rtsp"])
    with shown_again(_again(request, ctx, viewer, "rtsp", kept), ERROR_FIELDS["rtsp"]):
        fields = form.present("url", "username", "password", "rtsp_transport")
        body = parse(StreamProbe, {"url": "", **fields}, FIELD_MESSAGES)
        found = binding.probe_camera(
            ctx,
            user=viewer.user,
            url=body.url,
            username=body.username,
            password=body.password,
            transport=body.rtsp_transport,
        )
    words = found_words(found.codec, found.width, found.height, found.transport, found.audio)
    answer = reached(words) if found.problem is None else not_reached(found.problem)
    return _add_page(request, ctx, viewer, way="rtsp", values=kept, answer=answer)
