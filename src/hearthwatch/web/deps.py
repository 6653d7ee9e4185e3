"""The plumbing every page shares, written once: who is looking, the CSRF check, errors.

    Viewer          the signed-in person; a visitor is sent to sign in and back
    OperatorViewer  the same, and a 403 page for anyone without the operator role
    OperatorName    the operator's name for a form's work (after the CSRF check), else 403
    CheckedForm     the posted form, refused (403) unless its CSRF field matches the cookie
                    (`CSRF_HEADER_CHECKED`: the same for a script's call, by its header)
    shown_again     a refused form is shown again with the problem next to its input
    WebRoute        the route class of every page: the ONE place a `HearthwatchError` and a
                    visitor's missing sign-in become a page

Page handlers therefore only parse the input, call a service and render or redirect. A
domain error that is not a form's own (a forged form, a refusal by role, a missing thing)
reaches `WebRoute`, which shows the "That did not work" page (or "page not found" for a
404) with the error's status, as the API shows its JSON error with the same status.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Iterator, Mapping
from contextlib import contextmanager
from typing import Annotated, Any

from fastapi import Depends, Request, Response
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from hearthwatch.access.principal import Principal, Role, principal_for, require_role
from hearthwatch.accounts.signin import Caller
from hearthwatch.api.deps import check_csrf
from hearthwatch.context import AppContext
from hearthwatch.errors import HearthwatchError, RateLimited
from hearthwatch.web.forms import FormDep, FormProblem, PostedForm
from hearthwatch.web.rendering import not_found, render
from hearthwatch.web.viewer import ViewerDep, to_signin

# A forged sign-out is offered the sign-out button again on its problem page.
SIGN_OUT_PATH = "/signout"

Again = Callable[[FormProblem, int], Response]


class SignInRequired(Exception):
    """A visitor asked for a signed-in page; `WebRoute` sends them to sign in and back."""

    def __init__(self, back_to: str) -> None:
        super().__init__(back_to)
        self.back_to = back_to


class FormShownAgain(Exception):
    """A form was refused and is shown again; `WebRoute` answers with `response`.

    Raised (not returned) so that the work inside `shown_again` reads straight on. `WebRoute`
    answers before the request's database session ends, so the session still commits, as
    for any domain error: a wrong code counts against its attempts.
    """

    def __init__(self, response: Response) -> None:
        super().__init__(response.status_code)
        self.response = response


class SignedIn:
    """Dependency: the signed-in viewer. A visitor is sent to sign in and back to `page`
    (the path with the route's parameters filled in), or to the page asked for."""

    def __init__(self, page: str | None = None) -> None:
        self.page = page

    def __call__(self, request: Request, viewer: ViewerDep) -> Caller:
        if viewer is None:
            raise SignInRequired(self.back_to(request))
        return viewer

    def back_to(self, request: Request) -> str:
        if self.page is None:
            return request.url.path
        return self.page.format(**request.path_params)


class SignedInOperator(SignedIn):
    """`SignedIn`, and only for accounts with the operator role: the role check of the API's
    `Operator` dependency (access/principal.py), with its 403 `operator.required`."""

    def __call__(self, request: Request, viewer: ViewerDep) -> Caller:
        caller = super().__call__(request, viewer)
        _as_operator(request, caller)
        return caller


def _as_operator(request: Request, caller: Caller) -> Principal:
    who = principal_for(context_of(request).settings, caller.user)
    return require_role(who, Role.OPERATOR)


def operator_name(request: Request, viewer: ViewerDep) -> str:
    """The operator's name in steps and the audit log; a 403 page for anyone else.

    Operator forms declare it after `CheckedForm`, so that (as before) a visitor is sent to
    sign in first, a forged form is refused as forged next, and only then the role counts.
    """
    return _as_operator(request, SignedIn()(request, viewer)).name


Viewer = Annotated[Caller, Depends(SignedIn())]
OperatorViewer = Annotated[Caller, Depends(SignedInOperator())]
OperatorName = Annotated[str, Depends(operator_name)]


def viewer_from(page: str) -> Any:
    """A `Viewer` whose visitors come back to `page` after signing in (forms post
    elsewhere than the page they are on): ``Annotated[Caller, viewer_from("/security")]``."""
    return Depends(SignedIn(page))


async def checked_form(request: Request, form: FormDep) -> PostedForm:
    """The posted form, once its CSRF field matched the browser's cookie."""
    check_csrf(request, submitted=form.csrf_token)
    return form


CheckedForm = Annotated[PostedForm, Depends(checked_form)]


def check_streamed_form(request: Request, form: FormData) -> None:
    """`CheckedForm`'s check for the one form a page streams itself (an archive upload
    too large for `read_form`): its CSRF field must match the cookie."""
    token = form.get("csrf_token")
    check_csrf(request, submitted=token if isinstance(token, str) else "")


async def checked_header(request: Request) -> None:
    """For a page's script calls: the CSRF header must match the cookie (as for the API)."""
    check_csrf(request)


# `dependencies=[CSRF_HEADER_CHECKED]` on a route the page's script posts to.
CSRF_HEADER_CHECKED = Depends(checked_header)


@contextmanager
def shown_again(again: Again, fields_by_code: Mapping[str, str] | None = None) -> Iterator[None]:
    """Run a form's work; a refusal shows the form again (`again(problem, status)`) with the
    message next to its input. `fields_by_code` names the input where the form differs."""
    try:
        yield
    except HearthwatchError as err:
        raise FormShownAgain(again(FormProblem.of(err, fields_by_code), err.status)) from err


def context_of(request: Request) -> AppContext:
    ctx: AppContext = request.app.state.ctx
    return ctx


def error_page(request: Request, err: HearthwatchError) -> Response:
    """A domain error as a page, with its status (and Retry-After when throttled)."""
    ctx = context_of(request)
    viewer = _viewer_of(request)
    if err.status == 404:
        return not_found(request, ctx, viewer)
    response = render(
        request, ctx, "problem.html", viewer=viewer, status=err.status,
        problem=FormProblem.of(err),
        retry_signout=viewer is not None and request.url.path == SIGN_OUT_PATH,
    )  # fmt: skip
    if isinstance(err, RateLimited):
        response.headers["Retry-After"] = str(err.retry_after_s)
    return response


def _viewer_of(request: Request) -> Caller | None:
    viewer = getattr(request.state, "viewer", None)
    return viewer if isinstance(viewer, Caller) else None


class WebRoute(APIRoute):
    """The route class of the web pages: sign-in redirects, forms shown again and domain
    errors become pages here, and only here. API routes keep their JSON errors."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def page_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except SignInRequired as visitor:
                return to_signin(visitor.back_to)
            except FormShownAgain as again:
                return again.response
            except HearthwatchError as err:
                # Rendered off the event loop, like the pages: the frame reads the database.
                return await run_in_threadpool(error_page, request, err)

        return page_handler
