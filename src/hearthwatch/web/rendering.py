"""Turning templates into responses: one Jinja2 environment, the frame every page shares.

Every page gets the CSRF token of the browser (the cookie is set or refreshed on the way
out), who is signed in, and a notice picked by the ``done`` query parameter. Notices are
fixed sentences keyed by name, so a link can never make the page say something new.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from fastapi import Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from hearthwatch.access.operators import is_operator
from hearthwatch.accounts.auth_api import ensure_csrf_cookie
from hearthwatch.accounts.models import User
from hearthwatch.accounts.signin import Caller
from hearthwatch.context import AppContext
from hearthwatch.logs import mask_email, mask_ip
from hearthwatch.web.camera_views import CAMERA_FILTERS, ICON_PATHS
from hearthwatch.web.paths import TEMPLATES_DIR

# (address, label, section key, icon path in a 24x24 stroke drawing)
NAVIGATION: tuple[tuple[str, str, str, str], ...] = (
    (
        "/",
        "My devices",
        "devices",
        "M16 10l6-4v12l-6-4z M3 6h11a2 2 0 0 1 2 2v8a2 2 0 0 1-2 2H3a2 2 0 0 1-2-2V8"
        "a2 2 0 0 1 2-2z",
    ),
    (
        "/events",
        "Events",
        "events",
        "M18 8a6 6 0 0 0-12 0c0 7-3 9-3 9h18s-3-2-3-9 M13.73 21a2 2 0 0 1-3.46 0",
    ),
    # Arming, and the notification settings linked from it (issue 14).
    ("/home/arming", "Alerts", "arming", "M3 10.5 12 3l9 7.5V21H3z M9 14l2 2 4-4"),
    (
        "/profile",
        "Profile",
        "profile",
        "M20 21v-2a4 4 0 0 0-4-4H8a4 4 0 0 0-4 4v2 M12 11a4 4 0 1 0 0-8 4 4 0 0 0 0 8z",
    ),
    (
        "/sessions",
        "Sessions",
        "sessions",
        "M4 3h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2z M8 21h8 M12 17v4",
    ),
    ("/security", "Security", "security", "M12 22s8-4 8-10V5l-8-3-8 3v7c0 6 8 10 8 10z"),
    (
        "/privacy",
        "Privacy",
        "privacy",
        "M5 11h14v10H5z M8 11V7a4 4 0 0 1 8 0v4 M12 15v2",
    ),
)
# Shown only to accounts with the operator role (access/operators.py).
OPERATOR_NAVIGATION = (
    "/operator/requests",
    "Requests desk",
    "operator",
    "M9 5H7a2 2 0 0 0-2 2v12a2 2 0 0 0 2 2h10a2 2 0 0 0 2-2V7a2 2 0 0 0-2-2h-2 M9 5a2 2 0 0 1 2-2"
    "h2a2 2 0 0 1 2 2v0a2 2 0 0 1-2 2h-2a2 2 0 0 1-2-2z M9 12h6 M9 16h4",
)
SIGN_OUT_ICON = "M9 21H5a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2h4 M16 17l5-5-5-5 M21 12H9"

NOTICES: Mapping[str, str] = {
    "email_confirmed": "Your e-mail address is confirmed. Sign in to continue.",
    "code_sent": "If the address can be used, a new code is on its way. Check your mailbox.",
    "reset_code_sent": "If an account uses this address, a code is on its way. "
    "It is valid for a few minutes.",
    "password_reset": "Your password was changed. Sign in with the new one.",
    "signed_out": "You are signed out.",
    "signed_out_everywhere": "You are signed out on every device.",
    "account_locked": "Your account is locked and every session and token has ended. "
    "We mailed you how to unlock it: reset your password with a mailed code.",
    "profile_saved": "Your profile is saved.",
    "email_code_sent": "If the new address can be used, a code is on its way to it. "
    "Enter it below.",
    "email_changed": "You now sign in with your new address. Your other devices were signed "
    "out, and your old address was told.",
    "email_restored": "Your previous address is back and the account is locked. Ask for a code "
    "here to choose a new password and unlock it.",
    "email_not_restored": "The account is locked, but your previous address is now used by "
    "another account: write to the service's operator to get your account back.",
    "picture_saved": "Your profile picture is saved. Hidden details such as location were removed.",
    "picture_removed": "Your profile picture was removed.",
    "session_ended": "That session has ended.",
    "password_changed": "Your password was changed. Your other sessions were signed out.",
    "token_revoked": "The token was revoked. Apps using it can no longer connect.",
    "totp_enabled": "Two-step sign-in is on. You will need your authenticator app to sign in.",
    "totp_disabled": "Two-step sign-in is off.",
    "camera_added": "The camera was added. Its live picture appears as soon as it connects.",
    "camera_saved": "The camera settings are saved.",
    "camera_removed": "The camera was removed and its recordings were erased.",
    "request_received": "Request received. Enter the code we mailed you to confirm it was you.",
    "request_verified": "Thank you: your identity is confirmed and the request is on its way.",
    "request_code_sent": "A new code is on its way. Check your mailbox.",
    "objection_saved": "Your objection applies now: that use of your data has stopped.",
    "restriction_saved": "Your restriction applies now: the data stays stored but is not used.",
    "limit_lifted": "The limit was lifted.",
    "request_started": "Work on the request has started.",
    "request_completed": "The request is completed and the person was told the answer.",
    "request_refused": "The request is refused and the person was told why.",
    "request_extended": "The deadline is extended and the person was told why.",
    "request_charged": "The fee is recorded and the person was told why it applies.",
    "request_corrected": "The data is corrected: the person sees it as a step of the request "
    "and was told by mail.",
    "minor_cleared": "The hold is lifted: the holder can sign in and use the account.",
}

SECONDS_PER_UNIT: tuple[tuple[int, str], ...] = (
    (86400, "day"),
    (3600, "hour"),
    (60, "minute"),
)


def display_name(user: User) -> str:
    """How the page names the signed-in person to themselves: the nickname, else their
    address in full (issue 12 item 18: masking is for what others see, P45)."""
    return user.nickname or user.email


def initial(user: User) -> str:
    return (user.nickname or user.email)[:1].upper()


def full_date(moment: datetime) -> str:
    return f"{short_date(moment)}, {moment:%H:%M} UTC"


def short_date(moment: datetime) -> str:
    return f"{moment.day} {moment:%b %Y}"


def ago(moment: datetime, now: datetime) -> str:
    """A past moment in words: "just now", "5 minutes ago", and the date after a month."""
    seconds = int((now - moment).total_seconds())
    if seconds < 60:
        return "just now"
    if seconds >= 30 * 86400:
        return f"on {short_date(moment)}"
    for size, unit in SECONDS_PER_UNIT:
        if seconds >= size:
            count = seconds // size
            return f"{count} {unit}{'' if count == 1 else 's'} ago"
    return "just now"


def time_tag(moment: datetime, now: datetime) -> Markup:
    """A `<time>` element saying how long ago, with the exact time on hover."""
    return Markup('<time datetime="{}" title="{}">{}</time>').format(
        moment.isoformat(), full_date(moment), ago(moment, now)
    )


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(("html",)),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        mask_email=mask_email,
        mask_ip=mask_ip,
        display_name=display_name,
        initial=initial,
        full_date=full_date,
        short_date=short_date,
        **CAMERA_FILTERS,
    )
    env.globals.update(navigation=NAVIGATION, sign_out_icon=SIGN_OUT_ICON, icon_paths=ICON_PATHS)
    return env


TEMPLATES = _environment()


def render(
    request: Request,
    ctx: AppContext,
    template: str,
    *,
    viewer: Caller | None,
    status: int = 200,
    **context: Any,
) -> HTMLResponse:
    """A full page; refreshes the CSRF cookie its forms are checked against."""
    cookies = Response()
    now = ctx.clock.now()
    page: dict[str, Any] = {
        "csrf_token": ensure_csrf_cookie(ctx, request, cookies),
        "viewer": viewer,
        "navigation": navigation_for(ctx, viewer),
        "section": "",
        "notice": NOTICES.get(request.query_params.get("done", "")),
        "problem": None,
        "values": {},
        "outbox_enabled": ctx.settings.mail_backend == "outbox",
        "now": now,
        "when": lambda moment: time_tag(moment, now),
    }
    html = TEMPLATES.get_template(template).render(page | context)
    response = HTMLResponse(html, status_code=status, headers={"cache-control": "no-store"})
    for cookie in cookies.headers.getlist("set-cookie"):
        response.headers.append("set-cookie", cookie)
    return response


def navigation_for(ctx: AppContext, viewer: Caller | None) -> tuple[tuple[str, ...], ...]:
    """The main navigation; operators also get their requests desk."""
    if viewer is not None and is_operator(ctx.settings, viewer.user):
        return (*NAVIGATION, OPERATOR_NAVIGATION)
    return NAVIGATION


def page_url(path: str, **params: str | None) -> str:
    """`path` with the given non-empty query parameters."""
    query = urlencode({name: value for name, value in params.items() if value})
    return f"{path}?{query}" if query else path


def redirect(path: str, **params: str | None) -> RedirectResponse:
    """POST-redirect-GET: a 303 so the browser follows with a GET."""
    return RedirectResponse(page_url(path, **params), status_code=303)


def not_found(request: Request, ctx: AppContext, viewer: Caller | None) -> HTMLResponse:
    """The "page not found" page, also for things that exist but are not the viewer's."""
    return render(request, ctx, "not_found.html", viewer=viewer, status=404)
