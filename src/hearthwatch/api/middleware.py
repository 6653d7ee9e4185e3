"""Pure ASGI middleware (cheaper than BaseHTTPMiddleware): request ids, access log, headers.

`Strict-Transport-Security` goes on HTTPS answers only (P37): sent over plain HTTP it
would be ignored (RFC 6797 8.1), and it must never be what stops a plain-HTTP development
server from being reached. A year, the length browsers' preload lists ask for.
"""

from __future__ import annotations

import logging
import secrets
import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hearthwatch.logs import request_id_var

log = logging.getLogger("hearthwatch.access")

SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (
        b"content-security-policy",
        b"default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; "
        b"connect-src 'self'; style-src 'self'; "
        b"script-src 'self'; frame-ancestors 'none'; form-action 'self'",
    ),
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
