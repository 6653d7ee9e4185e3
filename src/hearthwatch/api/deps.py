"""Typed dependencies: the context, a database session per request, the caller, and access.

    CurrentUser   the signed-in account (API token or session cookie, CSRF-checked)
    Operator      the caller, holding the operator role; 403 `operator.required` otherwise
    authorized()  the path's resource, loaded through the one resolver (access/resolver.py):
                  a resource of anyone else is the same 404 as a missing one

Routes therefore never compare owners or check roles themselves.
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Callable
from typing import Annotated, Any, TypeVar

import anyio
from fastapi import Depends, Path, Request
from sqlalchemy.orm import Session

from hearthwatch.access.principal import Principal, Role, principal_for, require_role
from hearthwatch.access.resolver import Action, Kind, resolve
from hearthwatch.accounts import identity
from hearthwatch.accounts.identity import Identity
from hearthwatch.accounts.models import User
from hearthwatch.accounts.signin import Caller, caller_from_session, caller_from_token
from hearthwatch.context import AppContext
from hearthwatch.db.engine import has_writes
from hearthwatch.errors import HearthwatchError, NotAuthenticated, PermissionDenied
from hearthwatch.security.secrets import same

SESSION_COOKIE = "hw_session"
CSRF_COOKIE = "hw_csrf"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

T = TypeVar("T")


async def get_context(request: Request) -> AppContext:
    ctx: AppContext = request.app.state.ctx
    return ctx


ContextDep = Annotated[AppContext, Depends(get_context)]


async def get_db(request: Request) -> AsyncIterator[Session]:
    """One session per request. Domain errors still commit: a wrong code or password must
    count against its limit even though the request fails. Anything else rolls back.

    Async so that opening and ending the session cost no thread hand-off of their own; the
    queries run in the route's (or dependency's) worker thread, the commit in one more.
    The context is read from the app, not through `ContextDep`: each dependency FastAPI
    solves costs some 20 µs per request, and every authenticated route goes through here.
    """
    ctx: AppContext = request.app.state.ctx
    session = ctx.db.new_session()
    try:
        yield session
    except HearthwatchError:
        await _end(session, commit=True)
        raise
    except BaseException:
        # Shielded: a cancelled request (client gone) must still give its connection back.
        with anyio.CancelScope(shield=True):
            await _end(session, commit=False)
        raise
    await _end(session, commit=True)


async def _end(session: Session, *, commit: bool) -> None:
    if not session.in_transaction() or (not has_writes(session) and _embedded(session)):
        session.close()  # nothing to write; on SQLite a read-only close is microseconds
        return
    # Not cancellable: a commit that started must finish and give its connection back.
    await anyio.to_thread.run_sync(_finish, session, commit)


def _embedded(session: Session) -> bool:
    bind = session.get_bind()
    return bind.dialect.name == "sqlite"


async def in_db_thread(session: Session, work: Callable[[], T]) -> T:
    """Run database work: inline on SQLite (WAL reads never block), in a worker thread on a
    networked database, so the event loop never waits on a round trip."""
    if _embedded(session):
        return work()
    return await anyio.to_thread.run_sync(work)


async def in_context_db_thread(ctx: AppContext, work: Callable[..., T], *args: Any) -> T:
    """`in_db_thread` for work that opens its own connection or session."""
    if ctx.db.engine.dialect.name == "sqlite":
        return work(*args)
    return await anyio.to_thread.run_sync(work, *args)


def _finish(session: Session, commit: bool) -> None:
    try:
        if commit:
            session.commit()
        else:
            session.rollback()
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


async def get_caller(request: Request, db: DbDep) -> Caller:
    """The authenticated caller: a bearer API token, or a session cookie (CSRF-checked)."""
    ctx: AppContext = request.app.state.ctx
    return await in_db_thread(db, lambda: caller_for(request, ctx, db))


def caller_for(request: Request, ctx: AppContext, db: Session) -> Caller:
    """`get_caller` for code that already runs in a worker thread."""
    return _authenticate(
        request,
        by_token=lambda secret: caller_from_token(ctx, db, secret),
        by_session=lambda secret: caller_from_session(ctx, db, secret),
    )


def _authenticate(
    request: Request,
    *,
    by_token: Callable[[str], T | None],
    by_session: Callable[[str], T | None],
) -> T:
    """Whoever holds the request's bearer token, else its session cookie (CSRF-checked)."""
    header = request.headers.get("authorization")
    if header:
        scheme, _, secret = header.partition(" ")
        holder = by_token(secret.strip()) if scheme.lower() == "bearer" else None
        if holder is None:
            raise NotAuthenticated(
                "The API token is unknown, expired or revoked.", code="auth.invalid_token"
            )
        return holder
    cookie = request.cookies.get(SESSION_COOKIE)
    holder = by_session(cookie) if cookie else None
    if holder is None:
        raise NotAuthenticated("Sign in to continue.")
    if request.method not in SAFE_METHODS:
        check_csrf(request)
    return holder


CallerDep = Annotated[Caller, Depends(get_caller)]


async def get_identity(request: Request) -> Identity:
    """`get_caller` for routes that only read the account: a snapshot, no ORM objects.

    No sub-dependency and no request-long session: the lookup takes a connection for one
    query and gives it back. It is the hottest path of the API (`GET /me`), and FastAPI's
    solving of the usual chain (context, session, caller) cost about a quarter of it.
    """
    ctx: AppContext = request.app.state.ctx
    return await in_context_db_thread(ctx, identity_for, request, ctx)


def identity_for(request: Request, ctx: AppContext) -> Identity:
    return _authenticate(
        request,
        by_token=lambda secret: identity.from_token(ctx, secret),
        by_session=lambda secret: identity.from_session(ctx, secret),
    )


IdentityDep = Annotated[Identity, Depends(get_identity)]


async def get_user(caller: CallerDep) -> User:
    return caller.user


UserDep = Annotated[User, Depends(get_user)]
CurrentUser = UserDep


# --- Access: every route's authorisation goes through the resolver (access/resolver.py) ---

HexId = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")]


async def get_principal(request: Request, user: UserDep) -> Principal:
    """The caller as the resolver sees it: the account and the roles it holds."""
    ctx: AppContext = request.app.state.ctx
    return principal_for(ctx.settings, user)


PrincipalDep = Annotated[Principal, Depends(get_principal)]


async def get_operator(who: PrincipalDep) -> Principal:
    """The caller, if they hold the operator role; 403 `operator.required` for anyone else."""
    return require_role(who, Role.OPERATOR)


Operator = Annotated[Principal, Depends(get_operator)]


def authorized(kind: Kind, action: Action, *, param: str, id_type: Any = HexId) -> Any:
    """A dependency that loads the resource named by the path's `param` through the
    resolver: use as ``Annotated[Camera, authorized(Kind.CAMERA, Action.VIEW,
    param="camera_id")]``. Anyone else's resource is the kind's 404, as a missing one."""

    async def load(**values: Any) -> Any:
        who: Principal = values["who"]
        db: Session = values["db"]
        resource_id = values[param]
        return await in_db_thread(db, lambda: resolve(db, who, kind, resource_id, action))

    # The path parameter is declared on the dependency (FastAPI reads `__signature__`), so
    # its form is checked and the OpenAPI schema lists it whether or not the route names it.
    keyword = inspect.Parameter.KEYWORD_ONLY
    load.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [
            inspect.Parameter(param, keyword, annotation=id_type),
            inspect.Parameter("who", keyword, annotation=PrincipalDep),
            inspect.Parameter("db", keyword, annotation=DbDep),
        ]
    )
    return Depends(load)
