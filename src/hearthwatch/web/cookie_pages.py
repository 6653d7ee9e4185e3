"""The cookie banner and cookie settings (P29), the functional preference it guards, and the
first-party page-view counter that runs only with analytics consent.

Every decision is made here, on the server, from the `hw_consent` cookie and, for a
signed-in person, the consent ledger: the script only saves a page reload.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from sqlalchemy.orm import Session

from hearthwatch.accounts.signin import Caller
from hearthwatch.api.deps import ContextDep
from hearthwatch.api.privacy_gate import current_request
from hearthwatch.context import AppContext
from hearthwatch.privacy.consent import analytics, cookies
from hearthwatch.privacy.consent.cookies import CookieChoice, CookieState
from hearthwatch.privacy.consent.models import NoticeVersion
from hearthwatch.privacy.notice import service as notice
from hearthwatch.web.deps import CSRF_HEADER_CHECKED, Again, CheckedForm, WebRoute, shown_again
from hearthwatch.web.forms import FormProblem, safe_next
from hearthwatch.web.rendering import TEMPLATES, redirect, render
from hearthwatch.web.viewer import ViewerDep, WebDb

# Under /privacy, through consent_pages.
router = APIRouter(route_class=WebRoute)
# The page-view counter is called by the page's script, not shown: it answers errors in
# the API's JSON shape, so it is not a `WebRoute`.
script_router = APIRouter()

COOKIE_NOTICES = {
    "cookies_saved": "Your cookie choices are saved.",
    "prefs_saved": "Your display preference is saved.",
}


@dataclass(frozen=True)
class PrivacyFrame:
    """What the page frame shows: the cookie banner, the theme, notice links and banner."""

    show_banner: bool
    analytics: bool
    theme: str
    path: str
    notice_version: int | None
    upcoming: NoticeVersion | None
    categories: tuple[cookies.CookieCategory, ...] = cookies.CATEGORIES


def privacy_frame(viewer: Caller | None) -> PrivacyFrame:
    """Computed while a page renders (a Jinja global): base.html includes the frame."""
    frame = current_request()
    if frame is None:
        return PrivacyFrame(False, False, "system", "/", None, None)
    ctx = frame.ctx
    with ctx.db.session() as db:
        user_id = viewer.user.id if viewer else None
        state = cookies.state_for(db, cookies=frame.cookies, user_id=user_id)
        now = ctx.clock.now()
        current = notice.in_force(db, now)
        coming = _awaiting_acceptance(db, viewer, notice.upcoming(db, now))
    return PrivacyFrame(
        show_banner=not state.chosen,
        analytics=state.allows("analytics"),
        theme=cookies.theme_of(frame.cookies, state),
        path=frame.path,
        notice_version=current.number if current else None,
        upcoming=coming,
    )


def _awaiting_acceptance(
    db: Session, viewer: Caller | None, coming: NoticeVersion | None
) -> NoticeVersion | None:
    """The upcoming notice, if the signed-in viewer must still accept it (else no banner)."""
    if not (viewer and coming and coming.requires_acceptance):
        return None
    return coming if notice.accepted_version(db, viewer.user) < coming.number else None


TEMPLATES.globals["privacy_frame"] = privacy_frame


def cookie_state(request: Request, db: Session, viewer: Caller | None) -> CookieState:
    user_id = viewer.user.id if viewer else None
    return cookies.state_for(db, cookies=request.cookies, user_id=user_id)


def _settings_page(
    request: Request,
    ctx: AppContext,
    db: Session,
    viewer: Caller | None,
    problem: FormProblem | None = None,
    status: int = 200,
) -> Response:
    state = cookie_state(request, db, viewer)
    return render(
        request,
        ctx,
        "privacy_cookies.html",
        viewer=viewer,
        status=status,
        problem=problem,
        notice=COOKIE_NOTICES.get(request.query_params.get("done", "")),
        state=state,
        categories=cookies.CATEGORIES,
        cookie_uses=cookies.COOKIES,
        theme=cookies.theme_of(request.cookies, state),
        themes=cookies.THEMES,
    )


@router.get("/cookies")
def cookie_settings(request: Request, ctx: ContextDep, db: WebDb, viewer: ViewerDep) -> Response:
    return _settings_page(request, ctx, db, viewer)


@router.post("/cookies")
def choose_cookies(
    request: Request, ctx: ContextDep, db: WebDb, viewer: ViewerDep, form: CheckedForm
) -> Response:
    """The banner's (and the settings page's) answer: accept all, reject all, or a choice."""
    with shown_again(_again(request, ctx, db, viewer)):
        allowed = cookies.allowed_by(form.value("choice"), form.fields)
    choice = cookies.record_choice(
        ctx,
        db,
        allowed=allowed,
        previous=CookieChoice.parse(request.cookies.get(cookies.CONSENT_COOKIE)),
        user_id=viewer.user.id if viewer else None,
    )
    response: Response
    if "application/json" in request.headers.get("accept", ""):
        response = Response(status_code=204)
    else:
        response = redirect(safe_next(form.value("next")), done="cookies_saved")
    cookies.set_choice(response, ctx.settings, choice)
    return response


def _again(request: Request, ctx: AppContext, db: Session, viewer: Caller | None) -> Again:
    def again(problem: FormProblem, status: int) -> Response:
        return _settings_page(request, ctx, db, viewer, problem, status)

    return again


@router.post("/preferences")
def save_preferences(
    request: Request, ctx: ContextDep, db: WebDb, viewer: ViewerDep, form: CheckedForm
) -> Response:
    """The colour theme, remembered in `hw_prefs` only while functional cookies are allowed."""
    with shown_again(_again(request, ctx, db, viewer)):
        state = cookie_state(request, db, viewer)
        theme = cookies.theme_to_remember(form.value("theme"), state)
    response = redirect("/privacy/cookies", done="prefs_saved")
    cookies.set_prefs(response, ctx.settings, theme)
    return response


@script_router.post("/analytics/view", status_code=204, dependencies=[CSRF_HEADER_CHECKED])
def count_view(
    request: Request,
    ctx: ContextDep,
    db: WebDb,
    viewer: ViewerDep,
    path: Annotated[str, Query(max_length=2000)] = "/",
) -> Response:
    """One page view from the page's script; counted only if analytics is allowed right now.

    The answer also deletes cookies of categories no longer allowed (say, withdrawn on
    another device), so they go at the next page view.
    """
    state = cookie_state(request, db, viewer)
    user_id = viewer.user.id if viewer else None
    counted = analytics.counts_views(db, state, user_id=user_id, at=ctx.clock.now())
    response = Response(status_code=204)
    allowed = state.allowed if counted else state.allowed - {"analytics"}
    cookies.drop_refused(response, allowed, present=request.cookies)
    if counted:
        analytics.count_page_view(
            db,
            day=ctx.clock.now().date(),
            section=analytics.section_of(path),
            new_visit=cookies.VISIT_COOKIE not in request.cookies,
        )
        cookies.mark_visit(response, ctx.settings)
    return response
