"""Every route, walked with a stranger's ids (issue 13 item 2, P16).

A signed-in ordinary user and a signed-in operator ask every route that names a resource
for one of another account's (made by the product's services, `world.py`), and every
operator route. A stranger's resource must be the same 404 as a missing one, for the
operator too (staff hold no standing access); an operator route is 403 for anyone without
the role and open to operators. What each route is, and why, is the table in
`route_table.py`; a route the table does not know fails the first test.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import APIWebSocketRoute, iter_route_contexts
from fastapi.testclient import TestClient
from sqlalchemy import select
from starlette.websockets import WebSocketDisconnect

from hearthwatch.access import media_tokens
from hearthwatch.accounts.models import BrowserSession, User
from hearthwatch.context import AppContext
from tests.access.route_table import (
    API,
    FIXED_PATH_VALUES,
    MISSING_IDS,
    SOCKETS,
    WEB,
    Route,
    Rule,
)
from tests.access.world import StrangersIds, build_strangers_world
from tests.conftest import sign_in

OPERATOR_EMAIL = "olga@example.net"
HEX_ID = re.compile(r"^[0-9a-f]{32}$")
WALKED = (Rule.LISTS_OWN, Rule.STRANGERS, Rule.OPERATOR)
REFUSED_BY_ROLE = {401, 403}


@dataclass
class Caller:
    name: str
    client: TestClient
    user: User


@dataclass
class Walk:
    ctx: AppContext
    person: Caller
    operator: Caller
    stranger: StrangersIds

    @property
    def callers(self) -> tuple[Caller, Caller]:
        return (self.person, self.operator)


@pytest.fixture
def walk(app: FastAPI, ctx: AppContext, client: TestClient, make_user: Any) -> Iterator[Walk]:
    ctx.settings.operator_emails = OPERATOR_EMAIL
    alice = make_user("alice@example.org")
    sign_in(client, alice.email)
    olga = make_user(OPERATOR_EMAIL)
    operator_client = TestClient(app)
    sign_in(operator_client, OPERATOR_EMAIL)
    stranger = build_strangers_world(ctx, make_user("bob@example.org"))
    yield Walk(
        ctx, Caller("ordinary user", client, alice), Caller("operator", operator_client, olga),
        stranger,
    )  # fmt: skip
    operator_client.close()


def rows(table: dict[str, Route], api: bool) -> list[Any]:
    """The walked rows as test parameters; a known failure is a strict xfail."""
    found = []
    for key, route in table.items():
        if route.rule not in WALKED:
            continue
        marks = [pytest.mark.xfail(strict=True, reason=route.known_failure)]
        found.append(
            pytest.param(key, route, api, id=key, marks=marks if route.known_failure else ())
        )
    return found


# --- The table is complete ---


def test_every_route_has_an_access_decision(app: FastAPI) -> None:
    schema_routes = {
        f"{method.upper()} {path}" for path, ops in app.openapi()["paths"].items() for method in ops
    }
    pages = {
        f"GET {route.path}"
        for route in iter_route_contexts(app.routes)
        if "GET" in (route.methods or ()) and route.path != app.openapi_url
    } - schema_routes
    assert sorted(schema_routes - API.keys()) == [], "API routes with no access decision"
    assert sorted(API.keys() - schema_routes) == [], "decisions for API routes that are gone"
    assert sorted(pages - WEB.keys()) == [], "web pages with no access decision"
    assert sorted(WEB.keys() - pages) == [], "decisions for web pages that are gone"


def test_every_socket_has_an_access_decision(app: FastAPI) -> None:
    sockets = {
        f"WS {route.path}"
        for route in iter_route_contexts(app.routes)
        if isinstance(route.original_route, APIWebSocketRoute)
    }
    assert sorted(sockets ^ SOCKETS.keys()) == []


def test_every_unwalked_route_says_why() -> None:
    unexplained = [k for k, r in {**API, **WEB}.items() if r.rule not in WALKED and not r.why]
    assert unexplained == []


# --- The walk ---


@pytest.mark.parametrize(("key", "route", "api"), rows(API, True) + rows(WEB, False))
def test_route_refuses_a_strangers_resources_and_a_missing_role(
    walk: Walk, key: str, route: Route, api: bool
) -> None:
    for caller in walk.callers:
        if route.rule is Rule.STRANGERS:
            assert_same_as_missing(walk, caller, key, route, api)
        elif route.rule is Rule.LISTS_OWN:
            assert_lists_only_own(walk, caller, key, route)
        elif caller is walk.operator:
            assert_operator_let_through(walk, caller, key, route)
        else:
            assert_role_refused(walk, caller, key, route, api)


@pytest.mark.parametrize(
    ("key", "route"),
    [pytest.param(k, r, id=k) for k, r in {**API, **WEB}.items() if r.rule is not Rule.PUBLIC],
)
def test_a_visitor_is_asked_to_sign_in(app: FastAPI, walk: Walk, key: str, route: Route) -> None:
    """Nothing but public routes answers a visitor (no cookie, no token)."""
    with TestClient(app) as visitor:
        for response in send(walk, visitor, key, route, path_values(walk)):
            if route.visitor_status is not None:
                assert response.status_code == route.visitor_status, key
            elif key.split()[1].startswith("/api/"):
                assert response.status_code == 401, (key, response.text)
            else:
                assert response.status_code == 303, (key, response.status_code)
                assert response.headers["location"].startswith("/signin"), key


@pytest.mark.parametrize("key", list(SOCKETS))
def test_a_socket_refuses_a_strangers_camera_as_a_missing_one(walk: Walk, key: str) -> None:
    template = key.split()[1]
    for caller in walk.callers:
        for values in (path_values(walk), path_values(walk, missing=True)):
            token = media_token(walk, caller.user, values["camera_id"])
            url = f"{template.format(**values)}?token={token}"
            with (
                pytest.raises(WebSocketDisconnect) as refused,
                caller.client.websocket_connect(url),
            ):
                pass
            assert refused.value.code == 4401, (caller.name, key, values["camera_id"])


def assert_same_as_missing(walk: Walk, caller: Caller, key: str, route: Route, api: bool) -> None:
    """Another account's resource answers exactly as a missing one: no existence oracle."""
    theirs = send(walk, caller.client, key, route, path_values(walk))
    missing = send(walk, caller.client, key, route, path_values(walk, missing=True))
    for got, expected in zip(theirs, missing, strict=True):
        assert got.status_code == 404, (caller.name, key, got.status_code, got.text[:300])
        assert expected.status_code == 404, (caller.name, key, "missing", expected.text[:300])
        if api:
            assert got.json() == expected.json(), (caller.name, key)


def assert_lists_only_own(walk: Walk, caller: Caller, key: str, route: Route) -> None:
    """A list answers, with none of the stranger's ids in it."""
    for response in send(walk, caller.client, key, route, path_values(walk)):
        assert response.status_code == 200, (caller.name, key, response.text[:300])
        leaked = [v for v in walk.stranger.as_path_values().values() if v in response.text]
        assert [v for v in leaked if HEX_ID.match(v)] == [], (caller.name, key)


def assert_role_refused(walk: Walk, caller: Caller, key: str, route: Route, api: bool) -> None:
    for response in send(walk, caller.client, key, route, path_values(walk)):
        assert response.status_code == 403, (caller.name, key, response.text[:300])
        if api:
            assert response.json()["error"]["code"] == "operator.required", key


def assert_operator_let_through(walk: Walk, caller: Caller, key: str, route: Route) -> None:
    for response in send(walk, caller.client, key, route, path_values(walk)):
        status = response.status_code
        assert status not in REFUSED_BY_ROLE and status < 500, (key, status, response.text[:300])


# --- Sending ---


def path_values(walk: Walk, *, missing: bool = False) -> dict[str, str]:
    values = {**walk.stranger.as_path_values(), **FIXED_PATH_VALUES}
    if missing:
        values = {
            name: MISSING_IDS.get(name, uuid.uuid4().hex) if HEX_ID.match(v) or name in MISSING_IDS
            else v
            for name, v in values.items()
        }  # fmt: skip
    return values


def send(
    walk: Walk, client: TestClient, key: str, route: Route, values: dict[str, str]
) -> list[httpx.Response]:
    """The route asked once per body of its row, with the path's ids filled in (and, for a
    signed-in caller of a media route, a media token of their own)."""
    method, template = key.split()
    path = template.format(**values)
    query = dict(route.query)
    caller = next((c for c in walk.callers if c.client is client), None)
    if route.media_token and caller is not None:
        query["token"] = media_token(walk, caller.user, values["camera_id"])
    return [
        client.request(method, path, params=query, json=fill(body, values), follow_redirects=False)
        for body in route.bodies
    ]


def fill(body: dict[str, Any] | None, values: dict[str, str]) -> dict[str, Any] | None:
    """A body template with "{name}" values replaced (ids that are numbers stay numbers)."""
    if body is None:
        return None
    filled: dict[str, Any] = {}
    for name, value in body.items():
        if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
            value = values[value[1:-1]]
            value = int(value) if value.isdigit() else value
        filled[name] = value
    return filled


def media_token(walk: Walk, user: User, camera_id: str) -> str:
    """A validly signed live token of the caller's own session, for `camera_id`: the
    resolver must refuse it when media is served, however the token was come by."""
    with walk.ctx.db.session() as db:
        session_id = db.scalars(
            select(BrowserSession.id).where(BrowserSession.user_id == user.id)
        ).first()
    assert session_id is not None
    expires = walk.ctx.clock.now() + timedelta(minutes=1)
    grant = media_tokens.MediaGrant(
        user.id, camera_id, session_id, "live", int(expires.timestamp())
    )
    return media_tokens.issue(walk.ctx.keyring.derive("media-token-v1"), grant)
