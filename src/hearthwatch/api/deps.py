"""Typed dependencies: the context, a database session per request, and the caller."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from hearthwatch.accounts.models import User
from hearthwatch.accounts.signin import Caller, caller_from_session, caller_from_token
from hearthwatch.context import AppContext
from hearthwatch.errors import HearthwatchError, NotAuthenticated, PermissionDenied
from hearthwatch.security.secrets import same

SESSION_COOKIE = "hw_session"
CSRF_COOKIE = "hw_csrf"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def get_context(request: Request) -> AppContext:
    ctx: AppContext = request.app.state.ctx
    return ctx


ContextDep = Annotated[AppContext, Depends(get_context)]


def get_db(ctx: ContextDep) -> Iterator[Session]:
    """One session per request. Domain errors still commit: a wrong code or password must
    count against its limit even though the request fails. Anything else rolls back."""
    session = ctx.db.new_session()
    try:
        yield session
        session.commit()
    except HearthwatchError:
        session.commit()
        raise
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


# Commit before the response is sent, so a client's next request sees the change.
DbDep = Annotated[Session, Depends(get_db, scope="function")]


def client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None


def check_csrf(request: Request, submitted: str | None = None) -> None:
    """Double-submit check: the form field or header must equal the CSRF cookie."""
    expected = request.cookies.get(CSRF_COOKIE, "")
    given = submitted if submitted is not None else request.headers.get(CSRF_HEADER, "")
    if not expected or not given or not same(expected, given):
        raise PermissionDenied(
            "The form expired or came from another site. Reload the page and try again.",
            code="auth.csrf_failed",
        )


def get_caller(request: Request, ctx: ContextDep, db: DbDep) -> Caller:
    """The authenticated caller: a bearer API token, or a session cookie (CSRF-checked)."""
    header = request.headers.get("authorization")
    if header:
        scheme, _, secret = header.partition(" ")
        caller = caller_from_token(ctx, db, secret.strip()) if scheme.lower() == "bearer" else None
        if caller is None:
            raise NotAuthenticated(
                "The API token is unknown, expired or revoked.", code="auth.invalid_token"
            )
        return caller
    cookie = request.cookies.get(SESSION_COOKIE)
    caller = caller_from_session(ctx, db, cookie) if cookie else None
    if caller is None:
        raise NotAuthenticated("Sign in to continue.")
    if request.method not in SAFE_METHODS:
        check_csrf(request)
    return caller


CallerDep = Annotated[Caller, Depends(get_caller)]


def get_user(caller: CallerDep) -> User:
    return caller.user


UserDep = Annotated[User, Depends(get_user)]
