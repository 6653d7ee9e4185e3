"""A camera's pending firmware update (issue 12 item 22, P7): what each newer release
fixes and how to install it, from the operator's catalogue (`devices/firmware.py`). The
"Security update" badge on the home page and the camera page's update line lead here."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from hearthwatch.access.resolver import Action
from hearthwatch.api.deps import ContextDep
from hearthwatch.devices import firmware
from hearthwatch.web.camera_views import camera_for
from hearthwatch.web.deps import Viewer, WebRoute
from hearthwatch.web.rendering import render
from hearthwatch.web.viewer import WebDb

router = APIRouter(route_class=WebRoute)

KINDS = {"security": "Security fix", "bugfix": "Bug fixes", "feature": "New features"}
NO_INFORMATION = {
    "no_model": "The camera does not say which model it is, so no update can be looked up.",
    "model_not_listed": "There is no update information for this model.",
    "no_version": "The camera does not report its firmware version.",
    "version_unreadable": "The camera's firmware version cannot be compared with the releases.",
}


@router.get("/cameras/{camera_id}/firmware")
def firmware_page(
    camera_id: str, request: Request, ctx: ContextDep, db: WebDb, viewer: Viewer
) -> Response:
    """The camera's update, release by release: what it fixes, how to install it."""
    camera = camera_for(db, viewer, camera_id, Action.VIEW)
    update = firmware.update_for_camera(
        ctx.settings.firmware_catalog, model=camera.model, version=camera.firmware_version
    )
    return render(
        request,
        ctx,
        "camera_firmware.html",
        viewer=viewer,
        section="devices",
        camera=camera,
        update=update,
        kinds=KINDS,
        no_information=NO_INFORMATION.get(update.reason or "", ""),
    )
