"""The server-rendered web app: plain HTML forms that work without JavaScript.

    auth_pages             sign up, confirm the address, sign in and out, password reset
    camera_pages           My devices (live tiles), one camera live, playback of a day
    add_camera_pages       adding a camera by QR scan, QR photo, label code or RTSP address
    camera_settings_pages  a camera's name, recording, retention; removing it
    account_pages          profile and picture, sessions
    email_pages            changing the sign-in address, and undoing a change from the old one
    security_pages         password change, API tokens, two-step sign-in, "account compromised"
    outbox_pages           the demo outbox (only with the local outbox mail backend)

Shared pieces: `deps` (the signed-in viewer, the operator check, the CSRF-checked form and
domain errors as pages, written once; every page router uses its `WebRoute`), `forms`
(reading and checking posted forms), `rendering` (templates and redirects), `viewer` (the
session cookie), `camera_views` (a camera as pages show it).
Styles and scripts live in `static/` because the Content-Security-Policy forbids anything
inline; video is played by `live-player.js` and `playback.js` through Media Source
Extensions.
"""

from __future__ import annotations

from fastapi import APIRouter

from hearthwatch.web import (
    account_pages,
    add_camera_pages,
    auth_pages,
    camera_pages,
    camera_settings_pages,
    closure_pages,
    complaint_pages,
    consent_pages,
    data_pages,
    email_pages,
    erasure_pages,
    events_pages,
    export_pages,
    firmware_pages,
    homes_pages,
    import_pages,
    limit_pages,
    minors_pages,
    notify_pages,
    operator_minors_pages,
    operator_pages,
    operator_tools_pages,
    outbox_pages,
    request_pages,
    security_pages,
    two_step_pages,
)

router = APIRouter(include_in_schema=False)
# Adding comes before the camera pages, so "/cameras/add" is never read as a camera id.
router.include_router(add_camera_pages.router)
router.include_router(firmware_pages.router)
router.include_router(camera_pages.router)
router.include_router(camera_settings_pages.router)
router.include_router(account_pages.router)
router.include_router(email_pages.router)
router.include_router(auth_pages.router)
router.include_router(two_step_pages.router)
router.include_router(minors_pages.router)
router.include_router(complaint_pages.router)
router.include_router(security_pages.router)
router.include_router(outbox_pages.router)
router.include_router(consent_pages.router)
router.include_router(request_pages.router)
router.include_router(erasure_pages.router)
router.include_router(limit_pages.router)
router.include_router(export_pages.router)
router.include_router(data_pages.router)
router.include_router(operator_pages.router)
router.include_router(operator_tools_pages.router)
router.include_router(operator_minors_pages.router)
router.include_router(closure_pages.router)
router.include_router(import_pages.router)
router.include_router(events_pages.router)
router.include_router(notify_pages.router)
router.include_router(homes_pages.router)
