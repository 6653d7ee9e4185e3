"""The shape every form post shares: signed in, CSRF first, the work, then redirect.

A visitor is sent to sign in and back; a forged form or a refused change is shown again
with its problem (and the error's status); success is POST-redirect-GET with a notice.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from fastapi import Request, Response

from hearthwatch.accounts.signin import Caller
from hearthwatch.api.deps import check_csrf
from hearthwatch.errors import HearthwatchError
from hearthwatch.web.forms import FormProblem, PostedForm
from hearthwatch.web.rendering import redirect
from hearthwatch.web.viewer import to_signin

ShownAgain = Callable[[Caller, FormProblem, int], Response]


def form_post(
    request: Request,
    form: PostedForm,
    viewer: Caller | None,
    *,
    page: str,
    work: Callable[[Caller], object],
    shown_again: ShownAgain,
    done: str,
    fields_by_code: Mapping[str, str] | None = None,
) -> Response:
    """Run `work` for the signed-in viewer behind a CSRF check; back to `page` after.

    `fields_by_code` names the input an error code belongs to, where the form differs."""
    if viewer is None:
        return to_signin(page)
    try:
        check_csrf(request, submitted=form.csrf_token)
        work(viewer)
    except HearthwatchError as err:
        return shown_again(viewer, FormProblem.of(err, fields_by_code), err.status)
    return redirect(page, done=done)
