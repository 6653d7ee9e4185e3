"""The privacy middleware: the notice-acceptance gate (P48) and each request's cookie jar.

Once a version of the notice that needs acceptance is in force, a signed-in person who
has not accepted it is stopped: pages redirect to the accept page, the API answers 403
`privacy.notice_not_accepted`. Some doors always stay open, so nobody is trapped: signing
in and out, health, the notice itself, and every privacy tool (consents, cookies, export,
erasure, rights requests): a person who does not accept must still be able to leave with
their data.

The middleware also keeps the request's cookies and the context where templates can read
them (`current_request`), because the cookie banner in the page frame depends on them and
the frame is rendered far from the route.
"""

from __future__ import annotations

import logging
import time
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar
from urllib.parse import quote

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from starlette.requests import cookie_parser
from starlette.responses import RedirectResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from hearthwatch.accounts.models import ApiToken, BrowserSession, User
from hearthwatch.api.deps import SESSION_COOKIE, in_context_db_thread
from hearthwatch.api.errors import render_error
from hearthwatch.context import AppContext
from hearthwatch.errors import PermissionDenied
from hearthwatch.privacy.notice import service as notice
from hearthwatch.security.secrets import hash_secret

T = TypeVar("T")
log = logging.getLogger("hearthwatch.privacy")

NOT_ACCEPTED = "privacy.notice_not_accepted"
ACCEPT_PAGE = "/privacy/notice/accept"
OPEN_PREFIXES: tuple[str, ...] = (
    "/static/",
    "/api/v1/health",
    "/api/v1/auth/",
    "/api/v1/privacy/",
    "/api/openapi.json",
    "/api/docs",
    "/privacy/",
    "/signin",
    "/signout",
    "/outbox",
    "/sw.js",  # the service worker holds nothing personal; an update must not be held up
)


@dataclass(frozen=True)
class RequestFrame:
    ctx: AppContext
    cookies: dict[str, str]
    path: str


_current: ContextVar[RequestFrame | None] = ContextVar("hearthwatch_privacy_frame", default=None)


def current_request() -> RequestFrame | None:
    """The request being served (cookies and context), for the page frame."""
    return _current.get()


class AcceptanceSchedule:
    """Which notice versions need acceptance from when, kept in memory.

    Every authenticated request asks "is a version in force that needs accepting?"; the
    answer changes only when a version is published (then a new version is announced days
    before it applies), so the versions are read again only after a publication in this
    process or every few seconds, and the time comparison is made per request.
    """

    REFRESH_S = 5.0

    def __init__(self) -> None:
        self._versions: tuple[tuple[int, datetime], ...] = ()
        self._loaded_at = float("-inf")
        self._generation = -1

    def required(self, ctx: AppContext, now: datetime) -> int | None:
        if (
            time.monotonic() - self._loaded_at > self.REFRESH_S
            or self._generation != notice.published_generation()
        ):
            self._generation = notice.published_generation()
            with ctx.db.session() as db:
                self._versions = notice.acceptance_schedule(db)
            self._loaded_at = time.monotonic()
        in_force = [number for number, effective_at in self._versions if effective_at <= now]
        return max(in_force) if in_force else None


class PrivacyMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._first_published = False
        self._schedule = AcceptanceSchedule()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        ctx: AppContext = scope["app"].state.ctx
        if not self._first_published:
            self._first_published = await in_context_db_thread(ctx, _publish_first, ctx)
        cookies = _cookies(scope)
        token = _current.set(RequestFrame(ctx, cookies, scope["path"]))
        try:
            refusal = await self._refusal(ctx, scope, cookies)
            await (refusal or self.app)(scope, receive, send)
        finally:
            _current.reset(token)

    async def _refusal(
        self, ctx: AppContext, scope: Scope, cookies: dict[str, str]
    ) -> Response | None:
        path: str = scope["path"]
        secret = None if path.startswith(OPEN_PREFIXES) else _credential(scope, cookies)
        if secret is None:
            return None
        version = await in_context_db_thread(ctx, _version_to_accept, ctx, self._schedule, *secret)
        return _refuse(path, version) if version is not None else None


def _publish_first(ctx: AppContext) -> bool:
    """Publish the notice if the data map changed it (the first one on a fresh install); a
    database that cannot answer yet is tried again later (health checks must still say
    "degraded" rather than fail here)."""
    try:
        published = notice.ensure_published(ctx)
    except SQLAlchemyError:
        log.warning("could not publish the privacy notice yet", exc_info=True)
        return False
    if published is not None and published.version is not None:
        log.info(
            "privacy notice version %d published (%s)",
            published.version.number,
            "material change: announced" if published.material else "applies at once",
        )
    return True


def _cookies(scope: Scope) -> dict[str, str]:
    for name, value in scope.get("headers", []):
        if name == b"cookie":
            return cookie_parser(value.decode("latin-1"))
    return {}


def _credential(scope: Scope, cookies: dict[str, str]) -> tuple[str, str] | None:
    for name, value in scope.get("headers", []):
        if name == b"authorization":
            scheme, _, secret = value.decode("latin-1").partition(" ")
            return ("token", secret.strip()) if scheme.lower() == "bearer" else None
    session = cookies.get(SESSION_COOKIE)
    return ("session", session) if session else None


def _version_to_accept(
    ctx: AppContext, schedule: AcceptanceSchedule, kind: str, secret: str
) -> int | None:
    try:
        return _check(ctx, schedule, kind, secret)
    except SQLAlchemyError:
        # The route needs the same database and will report the failure in its own words.
        log.warning("could not check the privacy notice acceptance", exc_info=True)
        return None


def _check(ctx: AppContext, schedule: AcceptanceSchedule, kind: str, secret: str) -> int | None:
    now = ctx.clock.now()
    if schedule.required(ctx, now) is None:
        return None  # the common case: answered from memory
    with ctx.db.session() as db:
        user = _user_of(db, kind, secret)
        return notice.must_accept(db, user=user, now=now) if user is not None else None


def _user_of(db: Session, kind: str, secret: str) -> User | None:
    # Only who it is: whether the credential is still good is for the route to decide.
    model: Any = BrowserSession if kind == "session" else ApiToken
    statement = (
        select(User)
        .join(model, model.user_id == User.id)
        .where(model.secret_hash == hash_secret(secret), model.revoked_at.is_(None))
    )
    return db.scalars(statement).first()


def _refuse(path: str, version: int) -> Response:
    if path.startswith("/api/"):
        return render_error(
            PermissionDenied(
                f"Accept version {version} of the privacy notice to go on: "
                "read it at /privacy/notice.",
                code=NOT_ACCEPTED,
                details={"version": version, "accept": "/api/v1/privacy/notice/accept"},
            )
        )
    return RedirectResponse(f"{ACCEPT_PAGE}?next={quote(path)}", status_code=303)
