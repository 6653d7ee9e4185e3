"""One JSON error shape at the edge: ``{"error": {"code", "message", "details"}}``."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from hearthwatch.errors import HearthwatchError, RateLimited

log = logging.getLogger("hearthwatch.api")

HTTP_CODES = {
    400: "request.malformed",
    401: "auth.required",
    403: "auth.forbidden",
    404: "route.not_found",
    405: "route.method_not_allowed",
    413: "request.too_large",
    415: "request.unsupported_media_type",
}


def error_response(status: int, code: str, message: str, details: Any = None) -> JSONResponse:
    body = {"error": {"code": code, "message": message, "details": details}}
    return JSONResponse(body, status_code=status)


def _validation_details(err: RequestValidationError) -> list[dict[str, str]]:
    details = []
    for item in err.errors():
        location = ".".join(str(part) for part in item.get("loc", ()) if part != "body")
        details.append({"field": location or "body", "message": str(item.get("msg", "invalid"))})
    return details


def render_error(exc: HearthwatchError) -> JSONResponse:
    """A domain error as its response: its status and code in the one shape, and when to
    try again for a rate limit. Middleware, which runs outside the handlers, answers with it."""
    response = error_response(exc.status, exc.code, exc.message, exc.details)
    if isinstance(exc, RateLimited):
        response.headers["Retry-After"] = str(exc.retry_after_s)
    return response


async def on_domain_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HearthwatchError)
    return render_error(exc)


async def on_validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return error_response(
        422, "request.invalid", "Some fields are missing or invalid.", _validation_details(exc)
    )


async def on_http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = HTTP_CODES.get(exc.status_code, "request.error")
    message = exc.detail if isinstance(exc.detail, str) else "The request failed."
    return error_response(exc.status_code, code, message)


async def on_unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error")
    return error_response(500, "server.error", "Something went wrong on our side.")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(HearthwatchError, on_domain_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
    app.add_exception_handler(Exception, on_unexpected)
