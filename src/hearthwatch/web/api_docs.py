"""The API's reference pages, `/api/docs` (Swagger UI) and `/api/redoc` (ReDoc).

FastAPI's own pages load their scripts from a CDN and start them with an inline script:
the service's Content-Security-Policy (`script-src 'self'`) blocks both, and an offline
server could not reach the CDN anyway. Here both viewers are served from
`/static/vendor/` (vendored from the npm registry with their licences, see
`package.json`), and each is started by a script file of ours, so the policy stays strict.

ReDoc styles itself with styled-components, which adds `<style>` elements at run time:
its page alone allows styles carrying that response's nonce, plus the one style sheet the
bundle adds before it knows the nonce, by its hash (never `'unsafe-inline'`); its search
runs in a worker made from a `blob:` URL.
"""

from __future__ import annotations

import secrets
from html import escape

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from hearthwatch.api.middleware import CSP_HEADER, content_security_policy

router = APIRouter(include_in_schema=False)

OPENAPI_URL = "/api/openapi.json"
VENDOR = "/static/vendor"
# The scrollbar style sheet (perfect-scrollbar) in ReDoc 2.5.4's standalone bundle, added
# as a `<style>` element as the script loads (empty first, then filled: both are checked).
# A new ReDoc changes it: its browser test then sees the violation.
REDOC_SCROLLBAR_STYLES = (
    "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='",  # the empty element
    "'sha256-QMIg+bpjm3JdElJ388KYke01izlUW0UoNOeKjpMxdgc='",
)

_SWAGGER_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Hearthwatch API</title>
<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="{vendor}/swagger-ui/swagger-ui.css">
</head>
<body>
<div id="swagger-ui" data-openapi-url="{openapi}"></div>
<script src="{vendor}/swagger-ui/swagger-ui-bundle.js"></script>
<script src="/static/api-docs.js"></script>
</body>
</html>
"""

_REDOC_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Hearthwatch API reference</title>
<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">
</head>
<body>
<div id="redoc" data-openapi-url="{openapi}" data-nonce="{nonce}"></div>
<script src="{vendor}/redoc/redoc.standalone.js"></script>
<script src="/static/api-redoc.js"></script>
</body>
</html>
"""


@router.get("/api/docs", response_class=HTMLResponse)
def swagger_ui() -> HTMLResponse:
    """Swagger UI: try the API from the browser."""
    return HTMLResponse(_SWAGGER_PAGE.format(vendor=VENDOR, openapi=OPENAPI_URL))


@router.get("/api/redoc", response_class=HTMLResponse)
def redoc() -> HTMLResponse:
    """ReDoc: the API reference as one readable page."""
    nonce = secrets.token_urlsafe(18)
    page = _REDOC_PAGE.format(vendor=VENDOR, openapi=OPENAPI_URL, nonce=escape(nonce))
    policy = content_security_policy(
        styles=(f"'nonce-{nonce}'", *REDOC_SCROLLBAR_STYLES), blob_workers=True
    )
    return HTMLResponse(page, headers={CSP_HEADER: policy})
