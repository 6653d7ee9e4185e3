"""Consent pages: the account's consents with one-click grant and withdraw (P24), and
receipts to download; the unsubscribe pages marketing mail links to (P28) are
`unsubscribe_pages`, under the same prefix.

A change to a cookie purpose here also updates this browser's `hw_consent` cookie and
deletes the cookies of a withdrawn category in the same answer.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from hearthwatch.accounts.signin import Caller
from hearthwatch.api.deps import ContextDep
from hearthwatch.context import AppContext
from hearthwatch.errors import NotFound
from hearthwatch.privacy.consent import cookies
from hearthwatch.privacy.consent import service as consent
from hearthwatch.privacy.consent.cookies import CookieChoice, CookieState
from hearthwatch.privacy.consent.service import Channel, Status
from hearthwatch.web import cookie_pages, notice_pages, unsubscribe_pages
from hearthwatch.web.deps import CheckedForm, WebRoute, shown_again, viewer_from
from hearthwatch.web.forms import FormProblem
from hearthwatch.web.rendering import redirect, render
from hearthwatch.web.viewer import WebDb

router = APIRouter(prefix="/privacy", route_class=WebRoute)
router.include_router(cookie_pages.router)
router.include_router(cookie_pages.script_router)
router.include_router(notice_pages.router)
router.include_router(unsubscribe_pages.router)

CONSENT_NOTICES = {
    "granted": "Thank you. Your consent is recorded; your receipt is in the history below.",
    "withdrawn": "Your consent is withdrawn. That processing has stopped; your receipt is in "
    "the history below.",
}
PAGE = "/privacy/consents"
# Every consent route brings a visitor back to the consents page after signing in.
ConsentsViewer = Annotated[Caller, viewer_from(PAGE)]


def _consents_page(
    request: Request,
    ctx: AppContext,
    db: Session,
    viewer: Caller,
    problem: FormProblem | None = None,
    status: int = 200,
) -> Response:
    states = consent.current(db, viewer.user.id)
    browser = cookie_pages.cookie_state(request, db, viewer)
    return render(
        request,
        ctx,
        "privacy_consents.html",
        viewer=viewer,
        status=status,
        problem=problem,
        notice=CONSENT_NOTICES.get(request.query_params.get("done", "")),
        rows=[(p, *_shown(p, states[p.key], browser)) for p in consent.purposes()],
        history=consent.history(db, user_id=viewer.user.id),
        titles={p.key: p.title for p in consent.purposes()},
    )


def _shown(
    purpose: consent.Purpose, state: consent.ConsentState, browser: CookieState
) -> tuple[consent.ConsentState, bool]:
    """The state to show, and whether it comes from this browser's cookie banner answer:
    a cookie purpose the account never answered is governed by the browser's choice."""
    category = cookies.category_of_purpose(purpose.key)
    if state.status is not Status.NOT_ASKED or category is None or browser.choice is None:
        return state, False
    status = Status.GRANTED if browser.choice.allows(category.key) else Status.WITHDRAWN
    return consent.ConsentState(purpose.key, status), True


@router.get("/consents")
def consents_page(request: Request, ctx: ContextDep, db: WebDb, viewer: ConsentsViewer) -> Response:
    return _consents_page(request, ctx, db, viewer)


@router.post("/consents/{purpose}")
def change_consent(
    purpose: str,
    request: Request,
    ctx: ContextDep,
    db: WebDb,
    viewer: ConsentsViewer,
    form: CheckedForm,
) -> Response:
    """One click: `decision` is "grant" or "withdraw"."""

    def again(problem: FormProblem, status: int) -> Response:
        return _consents_page(request, ctx, db, viewer, problem, status)

    with shown_again(again):
        granted = form.value("decision") == "grant"
        consent.change(
            ctx, db, user_id=viewer.user.id, purpose=purpose, granted=granted, channel=Channel.WEB
        )
    response = redirect(PAGE, done="granted" if granted else "withdrawn")
    _mirror_in_cookie(request, response, ctx, db, viewer)
    return response


def _mirror_in_cookie(
    request: Request, response: Response, ctx: AppContext, db: Session, viewer: Caller
) -> None:
    """Keep this browser's cookie choice in step with the ledger; drop refused cookies now."""
    state = cookie_pages.cookie_state(request, db, viewer)
    if not state.chosen:
        return
    choice = CookieChoice.new(state.allowed, state.choice)
    cookies.set_choice(response, ctx.settings, choice)


@router.get("/consents/receipts/{ledger_id}")
def download_receipt(
    ledger_id: int, ctx: ContextDep, db: WebDb, viewer: ConsentsViewer
) -> Response:
    """The signed receipt of one change, as a JSON file (a bare 404 when it is not theirs)."""
    try:
        receipt = consent.receipt_for(ctx, db, user_id=viewer.user.id, ledger_id=ledger_id)
    except NotFound:
        return Response(status_code=404)
    name = f"consent-receipt-{ledger_id}.json"
    return JSONResponse(receipt, headers={"content-disposition": f'attachment; filename="{name}"'})
