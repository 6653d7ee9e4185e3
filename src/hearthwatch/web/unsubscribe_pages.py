"""Unsubscribing from marketing mail without signing in (P28).

Two doors, one signed token (`marketing.link_for_token`):
- the link in the mail's text opens a page with one button (a GET never changes anything,
  since mail scanners open links); the button posts back with the page's CSRF token;
- the mail's `List-Unsubscribe` header names the one-click address, where a mail client
  POSTs `List-Unsubscribe=One-Click` (RFC 8058). It sends no cookie, so there is no CSRF
  token to check: the token in the address is the proof, and it only ever withdraws the
  consent its mail kind rests on. Opened in a browser, that address shows the button too.
The privacy gate (`api/privacy_gate.py`) keeps every `/privacy/` page open, these included.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from hearthwatch.api.deps import ContextDep
from hearthwatch.context import AppContext
from hearthwatch.errors import ValidationFailed
from hearthwatch.privacy.consent import marketing
from hearthwatch.web.deps import Again, CheckedForm, WebRoute, shown_again
from hearthwatch.web.forms import FormDep, FormProblem
from hearthwatch.web.rendering import render
from hearthwatch.web.viewer import WebDb

# Under /privacy, through consent_pages.
router = APIRouter(route_class=WebRoute)
ONE_CLICK_FIELD, ONE_CLICK_VALUE = "List-Unsubscribe", "One-Click"


@router.get("/unsubscribe")
@router.get("/unsubscribe/one-click")
def unsubscribe_page(request: Request, ctx: ContextDep, db: WebDb, token: str = "") -> Response:
    """Shows one button; nothing changes on a GET (mail scanners open links)."""
    with shown_again(_again(request, ctx, token)):
        marketing.link_for_token(ctx, db, token)
    return _page(request, ctx, token)


@router.post("/unsubscribe")
def unsubscribe(request: Request, ctx: ContextDep, db: WebDb, form: CheckedForm) -> Response:
    """The page's button: the token in the form, behind the page's CSRF token."""
    token = form.value("token")
    with shown_again(_again(request, ctx, token)):
        marketing.unsubscribe(ctx, db, token=token)
    return _page(request, ctx, token, done=True)


@router.post("/unsubscribe/one-click")
def unsubscribe_one_click(
    request: Request, ctx: ContextDep, db: WebDb, form: FormDep, token: str = ""
) -> Response:
    """RFC 8058 one-click: no cookie, no CSRF token; the signed token in the address."""
    with shown_again(_again(request, ctx, token)):
        if form.fields.get(ONE_CLICK_FIELD) != ONE_CLICK_VALUE:
            raise ValidationFailed(
                "An unsubscribe request says 'List-Unsubscribe=One-Click'.",
                code="consent.one_click_body",
            )
        marketing.unsubscribe(ctx, db, token=token)
    return _page(request, ctx, token, done=True)


def _again(request: Request, ctx: AppContext, token: str) -> Again:
    def again(problem: FormProblem, status: int) -> Response:
        return _page(request, ctx, token, problem=problem, status=status)

    return again


def _page(
    request: Request,
    ctx: AppContext,
    token: str,
    *,
    problem: FormProblem | None = None,
    status: int = 200,
    done: bool = False,
) -> Response:
    return render(
        request,
        ctx,
        "privacy_unsubscribe.html",
        viewer=None,
        status=status,
        problem=problem,
        token=token,
        done=done,
    )
