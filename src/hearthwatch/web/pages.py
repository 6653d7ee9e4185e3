"""The server-rendered web app: plain HTML forms that work without JavaScript.

    auth_pages      sign up, confirm the address, sign in and out, password reset
    account_pages   My devices, profile and picture, sessions
    security_pages  password change, API tokens, two-step sign-in, "account compromised"
    outbox_pages    the demo outbox (only with the local outbox mail backend)

Shared pieces: `forms` (reading and checking posted forms), `rendering` (templates and
redirects), `viewer` (the signed-in person). Styles and the optional script live in
`static/` because the Content-Security-Policy forbids anything inline.
"""

from __future__ import annotations

from fastapi import APIRouter

from hearthwatch.web import account_pages, auth_pages, outbox_pages, security_pages

router = APIRouter(include_in_schema=False)
router.include_router(account_pages.router)
router.include_router(auth_pages.router)
router.include_router(security_pages.router)
router.include_router(outbox_pages.router)
