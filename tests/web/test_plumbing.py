"""The web pages' plumbing is written once, in web/deps.py (issue 13 item 4).

Page modules do not check `viewer is None`, call the CSRF check, or catch
`HearthwatchError`: the `Viewer` / `OperatorViewer` dependencies, `CheckedForm` and the
`WebRoute` route class do, and a form shown again with its problem goes through
`shown_again`. Every page route is a `WebRoute`, so a domain error is a page, never the
API's JSON. The walk reads the source, so a new page module is held to it by itself.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient

from hearthwatch.web.deps import WebRoute
from hearthwatch.web.pages import router as pages_router
from hearthwatch.web.paths import WEB_DIR
from tests.web.conftest import csrf_of

# The one module that may do these things, because it is where they are written once.
PLUMBING = "deps.py"
# Page routes that are not pages, and why: nothing else may join.
NOT_PAGES: dict[str, str] = {
    "/privacy/analytics/view": "the page's script calls it; it answers in the API's JSON shape",
}


def hand_plumbing(source: str) -> Iterator[tuple[int, str]]:
    """(line, what) for each piece of plumbing a page module writes by hand."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Compare) and _is_viewer_is_none(node):
            yield node.lineno, "checks `viewer is None` (use the Viewer dependency)"
        elif isinstance(node, ast.Call) and _name_of(node.func) == "check_csrf":
            yield node.lineno, "calls check_csrf (use CheckedForm)"
        elif isinstance(node, ast.ExceptHandler) and _catches_domain_errors(node.type):
            yield node.lineno, "catches HearthwatchError (let WebRoute, or shown_again, do it)"


def _is_viewer_is_none(node: ast.Compare) -> bool:
    operands = [node.left, *node.comparators]
    named_viewer = any(_name_of(o) == "viewer" for o in operands)
    against_none = any(isinstance(o, ast.Constant) and o.value is None for o in operands)
    identity = any(isinstance(op, ast.Is) for op in node.ops)
    return named_viewer and against_none and identity


def _catches_domain_errors(caught: ast.expr | None) -> bool:
    names = caught.elts if isinstance(caught, ast.Tuple) else [caught]
    return any(_name_of(name) in ("HearthwatchError", "Exception", None) for name in names)


def _name_of(node: ast.expr | None) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def page_modules() -> list[Path]:
    return sorted(p for p in WEB_DIR.glob("*.py") if p.name != PLUMBING)


@pytest.mark.parametrize("module", page_modules(), ids=lambda p: p.name)
def test_page_modules_leave_the_plumbing_to_web_deps(module: Path) -> None:
    found = [f"{module.name}:{line} {what}" for line, what in hand_plumbing(module.read_text())]
    assert found == []


@pytest.mark.parametrize(
    ("source", "what"),
    [
        ("if viewer is None:\n    pass", "viewer is None"),
        ("if None is self.viewer:\n    pass", "viewer is None"),
        ("check_csrf(request, submitted=form.csrf_token)", "check_csrf"),
        ("deps.check_csrf(request)", "check_csrf"),
        ("try:\n    pass\nexcept HearthwatchError as err:\n    pass", "HearthwatchError"),
        ("try:\n    pass\nexcept (ValueError, errors.HearthwatchError):\n    pass", "Hearth"),
        ("try:\n    pass\nexcept:\n    pass", "HearthwatchError"),
    ],
)
def test_the_walk_finds_hand_plumbing(source: str, what: str) -> None:
    """The walk above would notice a page that does it by hand again."""
    assert [what in found for _, found in hand_plumbing(source)] == [True]


def test_the_walk_lets_narrow_catches_and_other_checks_pass() -> None:
    source = (
        "try:\n    pass\nexcept NotFound:\n    pass\n"
        "if viewer is not None and camera is None:\n    pass\n"
        "check_streamed_form(request, form)\n"
    )
    assert list(hand_plumbing(source)) == []


def test_every_page_route_is_a_web_route() -> None:
    """A domain error on any page becomes a page (deps.WebRoute), never the API's JSON."""
    routes = list(iter_route_contexts(pages_router.routes))
    assert len(routes) > 50
    plain = {str(r.path) for r in routes if not isinstance(r.original_route, WebRoute)}
    assert plain == set(NOT_PAGES)


def test_a_visitor_posting_a_form_is_sent_to_sign_in_and_back_to_its_page(
    client: TestClient,
) -> None:
    token = csrf_of(client.get("/signin").text)
    for path, page in [
        ("/security/password", "/security"),
        ("/cameras/abc/connection", "/cameras/abc/settings"),
        ("/privacy/requests/abc/verify", "/privacy/requests/abc"),
    ]:
        answer = client.post(path, data={"csrf_token": token}, follow_redirects=False)
        assert (answer.status_code, answer.headers["location"]) == (
            303,
            f"/signin?next={page.replace('/', '%2F')}",
        ), path


def test_a_domain_error_nobody_shows_inline_is_the_problem_page(
    client: TestClient, web_alice: object
) -> None:
    """A signed-in person who is no operator: the 403 page, in the site's frame."""
    answer = client.get("/operator/requests")
    assert answer.status_code == 403
    assert answer.headers["content-type"].startswith("text/html")
    assert "Only the service&#39;s operators can do this." in answer.text
    assert 'aria-label="Main"' in answer.text  # shown as the signed-in person


def test_a_missing_thing_is_the_not_found_page(client: TestClient) -> None:
    answer = client.get("/privacy/notice", params={"version": 999})
    assert answer.status_code == 404
    assert answer.headers["content-type"].startswith("text/html")
