"""Driving the web pages the way a browser does: GET a page, post its form with its token."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

import httpx2
import pytest
from fastapi.testclient import TestClient

from hearthwatch.accounts.models import User
from tests.conftest import STRONG_PASSWORD

# The camera fixtures of the media tests (simulated RTSP cameras, their registry entries, a
# running recorder), registered here for the camera pages too.
from tests.media.conftest import cameras, recorder, registered  # noqa: F401

CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    """The CSRF token the page's forms carry."""
    found = CSRF_FIELD.search(html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


def submit(
    client: TestClient,
    action: str,
    fields: dict[str, str] | None = None,
    *,
    page: str | None = None,
    files: dict[str, Any] | None = None,
) -> httpx2.Response:
    """Open `page` (default: the action itself) and post `fields` to `action` with its token."""
    shown = client.get(page or action)
    data = {"csrf_token": csrf_of(shown.text), **(fields or {})}
    return client.post(action, data=data, files=files, follow_redirects=False)


def web_sign_in(client: TestClient, email: str, password: str = STRONG_PASSWORD) -> None:
    response = submit(client, "/signin", {"email": email, "password": password})
    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/"


@pytest.fixture
def web_alice(client: TestClient, make_user: Any) -> User:
    """Alice, confirmed and signed in through the sign-in form."""
    user: User = make_user()
    web_sign_in(client, user.email)
    return user


class PageStructure(HTMLParser):
    """What accessibility and CSP checks need to know about a page."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.inline_scripts = 0
        self.style_blocks = 0
        self._in_script = False
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        self.tags.append((tag, found))
        self.style_blocks += tag == "style"
        self._in_script = tag == "script" and "src" not in found

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.inline_scripts += 1

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def all(self, tag: str) -> list[dict[str, str | None]]:
        return [attrs for name, attrs in self.tags if name == tag]

    def ids(self) -> list[str]:
        return [str(attrs["id"]) for _, attrs in self.tags if attrs.get("id")]

    def controls(self) -> list[dict[str, str | None]]:
        """Inputs a person fills in (hidden fields and buttons need no label)."""
        inputs = [a for a in self.all("input") if a.get("type") not in ("hidden", "submit")]
        return inputs + self.all("select") + self.all("textarea")

    def styled(self) -> list[str]:
        return [tag for tag, attrs in self.tags if "style" in attrs]
