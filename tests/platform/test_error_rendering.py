"""Every error a client sees has one shape, whoever answers: a route or the privacy gate."""

from __future__ import annotations

import json
from typing import Any

import pytest
from starlette.responses import Response

from hearthwatch.api.errors import render_error
from hearthwatch.api.privacy_gate import _refuse
from hearthwatch.errors import (
    ArchiveTooLarge,
    Gone,
    HearthwatchError,
    PermissionDenied,
    RateLimited,
    TooLarge,
)


def _body(response: Response) -> Any:
    return json.loads(bytes(response.body))


@pytest.mark.parametrize(
    ("error", "status", "code"),
    [
        (Gone("Used.", code="privacy.export_downloaded"), 410, "privacy.export_downloaded"),
        (TooLarge("Too big."), 413, "request.too_large"),
        (ArchiveTooLarge("Too big."), 413, "privacy.import_too_large"),
        (PermissionDenied("No.", details={"why": 1}), 403, "auth.forbidden"),
    ],
)
def test_domain_errors_render_their_status_and_code(
    error: HearthwatchError, status: int, code: str
) -> None:
    response = render_error(error)
    assert response.status_code == status
    assert _body(response) == {
        "error": {"code": code, "message": error.message, "details": error.details}
    }
    assert "retry-after" not in response.headers


def test_rate_limits_say_when_to_try_again() -> None:
    response = render_error(RateLimited("Slow down.", retry_after_s=42))
    assert response.status_code == 429
    assert response.headers["retry-after"] == "42"
    assert _body(response)["error"]["details"] == {"retry_after_s": 42}


def test_privacy_gate_refuses_the_api_in_the_common_shape() -> None:
    response = _refuse("/api/v1/me", 3)
    assert response.status_code == 403
    assert response.headers["content-type"] == "application/json"
    assert _body(response) == {
        "error": {
            "code": "privacy.notice_not_accepted",
            "message": "Accept version 3 of the privacy notice to go on: "
            "read it at /privacy/notice.",
            "details": {"version": 3, "accept": "/api/v1/privacy/notice/accept"},
        }
    }


def test_privacy_gate_sends_pages_to_the_accept_page() -> None:
    response = _refuse("/cameras/a b", 3)
    assert response.status_code == 303
    assert response.headers["location"] == "/privacy/notice/accept?next=/cameras/a%20b"
