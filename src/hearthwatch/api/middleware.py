"""Pure ASGI middleware (cheaper than BaseHTTPMiddleware): request ids, access log, headers.

`Strict-Transport-Security` goes on HTTPS answers only (P37): sent over plain HTTP it
would be ignored (RFC 6797 8.1), and it must never be what stops a plain-HTTP development
server from being reached. A year, the length browsers' preload lists ask for.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Sequence
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hearthwatch.logs import request_id_var

log = logging.getLogger("hearthwatch.access")

CSP_HEADER = "content-security-policy"


def content_security_policy(*, styles: Sequence[str] = (), blob_workers: bool = False) -> str:
    """The service's policy: everything from itself, nothing inline. A page that must add
    run-time styles (the API reference) names them (its nonce, a hash); one whose script
    starts a worker from a `blob:` URL says so. None ever allows a CDN or `eval`."""
    style = " ".join(["style-src 'self'", *styles])
    worker = "; worker-src 'self' blob:" if blob_workers else ""
    return (
        "default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; "
        f"connect-src 'self'; {style}; "
        f"script-src 'self'; frame-ancestors 'none'; form-action 'self'{worker}"
    )


_CSP = (CSP_HEADER.encode(), content_security_policy().encode())
SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
]


HSTS = (b"strict-transport-security", b"max-age=31536000")


class RequestContextMiddleware:
    """Gives each request an id (or keeps a sane incoming one), logs it, adds safety headers."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _incoming_id(scope) or secrets.token_hex(8)
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        status = 500

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers: list[Any] = list(message.get("headers", []))
                headers.append((b"x-request-id", request_id.encode()))
                headers.extend(SECURITY_HEADERS)
                # A page with a policy of its own (a nonce) keeps it; every other gets ours.
                if not any(name.lower() == _CSP[0] for name, _ in headers):
                    headers.append(_CSP)
                if scope.get("scheme") == "https":
                    headers.append(HSTS)
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            log.info(
                "request",
                extra={
                    # Masked to its network by the log filter (P36, P45).
                    "client": client[0] if (client := scope.get("client")) else None,
                    "method": scope["method"],
                    "path": scope["path"],
                    "status": status,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                },
            )
            request_id_var.reset(token)


def _incoming_id(scope: Scope) -> str | None:
    for name, value in scope.get("headers", []):
        if name == b"x-request-id":
            text: str = value.decode("latin-1")
            if 0 < len(text) <= 64 and text.replace("-", "").isalnum():
                return text
    return None
