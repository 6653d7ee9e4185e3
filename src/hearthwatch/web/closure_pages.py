"""/privacy/close: "Close my account" (P34), beside "Delete my account" on /privacy/erase.

The page says what closing means before anything happens: the data is kept 6 months and
then deleted for good, recordings stop, every session and token ends, sign-in is refused and
the account cannot be reopened. The password (and the authenticator code when two-step
sign-in is on) is asked again; the end is the signed receipt, also mailed.
"""

from __future__ import annotations

import json

from fastapi import APIRouter, BackgroundTasks, Request, Response

from hearthwatch.accounts.signin import Caller
from hearthwatch.api.deps import SESSION_COOKIE, ContextDep
from hearthwatch.context import AppContext
from hearthwatch.privacy.retention import closure as retention_closure
from hearthwatch.privacy.retention import own_closure as closure
from hearthwatch.privacy.retention.closure_api import ClosureIn
from hearthwatch.web.deps import CheckedForm, Viewer, WebRoute, shown_again
from hearthwatch.web.forms import FormProblem, parse
from hearthwatch.web.rendering import render
from hearthwatch.web.viewer import WebDb

router = APIRouter(prefix="/privacy/close", route_class=WebRoute)

PAGE = "/privacy/close"
FIELDS = {
    "privacy.reauth_failed": "password",
    "auth.locked": "password",
    "auth.totp_required": "totp_code",
    "auth.totp_invalid": "totp_code",
}


def _page(
    request: Request, ctx: AppContext, viewer: Caller,
    problem: FormProblem | None = None, status: int = 200,
) -> Response:  # fmt: skip
    return render(
        request, ctx, "privacy_close.html", viewer=viewer, section="privacy", status=status,
        problem=problem, totp_on=viewer.user.has_totp, kept_months=closure.KEPT_MONTHS,
        delete_after=retention_closure.deletion_date(ctx.clock.now()),
    )  # fmt: skip


@router.get("")
def close_page(request: Request, ctx: ContextDep, viewer: Viewer) -> Response:
    return _page(request, ctx, viewer)


@router.post("")
def close_account(
    request: Request,
    ctx: ContextDep,
    db: WebDb,
    viewer: Viewer,
    form: CheckedForm,
    tasks: BackgroundTasks,
) -> Response:
    def again(problem: FormProblem, status: int) -> Response:
        return _page(request, ctx, viewer, problem, status)

    with shown_again(again, FIELDS):
        body = parse(ClosureIn, form.present("password", "totp_code"))
        closed = closure.close_own_account(
            ctx, db, user=viewer.user, password=body.password, totp_code=body.totp_code
        )
    tasks.add_task(ctx.mailer.send, closed.mail)
    response = render(
        request, ctx, "privacy_closed.html", viewer=None, closed=closed,
        receipt_json=json.dumps(closed.receipt, indent=2, sort_keys=True),
    )  # fmt: skip
    response.delete_cookie(SESSION_COOKIE, path="/")  # the session itself has ended
    return response
