"""Who is looking at a page: the session cookie, and the way to sign-in when there is none.

Pages only accept the browser session cookie; API tokens are for the API. Each request gets
one database session that is committed before the response leaves (``scope="function"``),
so the page a redirect leads to already sees what the form changed. As everywhere, domain
errors still commit: a wrong code counts against its attempts.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from hearthwatch.accounts.signin import Caller, caller_from_session
from hearthwatch.api.deps import SESSION_COOKIE, ContextDep, get_db
from hearthwatch.web.rendering import redirect

WebDb = Annotated[Session, Depends(get_db, scope="function")]


def current_viewer(request: Request, ctx: ContextDep, db: WebDb) -> Caller | None:
    """The signed-in person, or None for a visitor (unknown, ended or locked sessions).

    Kept on the request too, so an error page (web/deps.py) shows the same navigation."""
    secret = request.cookies.get(SESSION_COOKIE)
    viewer = caller_from_session(ctx, db, secret) if secret else None
    request.state.viewer = viewer
    return viewer


ViewerDep = Annotated[Caller | None, Depends(current_viewer)]


def to_signin(back_to: str) -> RedirectResponse:
    """Send a visitor to sign in, returning to `back_to` afterwards."""
    return redirect("/signin", next=None if back_to == "/" else back_to)


def forget_session(response: RedirectResponse) -> RedirectResponse:
    """Drop the session cookie of a session that has just ended."""
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
