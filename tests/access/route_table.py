"""The access decision of every route: what a signed-in stranger and an operator get.

One row per route, keyed "METHOD /path" exactly as the app declares it (the OpenAPI schema
for the API, `app.routes` for the web pages). A route the app has and this table lacks (or
the other way round) fails `test_every_route_has_an_access_decision`: a new route cannot
ship without someone deciding who may call it. The sharing work adds columns (a household
member, a share grant) and rows here.

    PUBLIC     no account is needed, or the id is a capability held by an anonymous person
    OWN        acts only on the caller's own account: no path or body names anyone else's
    LISTS_OWN  a list of the caller's own: none of the stranger's ids may appear in it
    STRANGERS  names a resource: another user's is the same 404 as a missing one, for an
               ordinary user and for an operator alike (staff have no standing access)
    OPERATOR   the operator role: 403 `operator.required` (the web: a 403 page) for anyone
               else; an operator is let through
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Rule(StrEnum):
    PUBLIC = "public"
    OWN = "own"
    LISTS_OWN = "lists_own"
    STRANGERS = "strangers"
    OPERATOR = "operator"


@dataclass(frozen=True)
class Route:
    rule: Rule
    why: str = ""
    bodies: tuple[dict[str, Any] | None, ...] = (None,)  # each is tried; "{camera_id}" filled
    query: dict[str, str] = field(default_factory=dict)
    media_token: bool = False  # carries a validly signed media token of the caller's
    known_failure: str = ""  # a page the walk shows is wrong: xfail(strict=True) until fixed
    visitor_status: int | None = None  # what a visitor gets, if not asked to sign in


def public(why: str) -> Route:
    return Route(Rule.PUBLIC, why)


def own(why: str = "the caller's own account") -> Route:
    return Route(Rule.OWN, why)


def lists_own(**extra: Any) -> Route:
    return Route(Rule.LISTS_OWN, **extra)


def strangers(*bodies: dict[str, Any] | None, **extra: Any) -> Route:
    return Route(Rule.STRANGERS, bodies=bodies or (None,), **extra)


def operator(*bodies: dict[str, Any] | None, **extra: Any) -> Route:
    return Route(Rule.OPERATOR, bodies=bodies or (None,), **extra)


DAY = {"start": "2026-09-21T00:00:00Z", "end": "2026-09-21T01:00:00Z"}
AUTH = "public: signing up, in and out, and getting back in work without an account"
MINORS = "public: a child report or a guardian's answer, authorised by the mailed link"
COMPLAINT = "public: a complaint's pending id is a capability the anonymous sender holds"
EVENT_RANGE = {"from_us": "1789990000000000", "to_us": "1790010000000000"}
DETECTION = {"enabled": True, "sensitivity": 50, "zones": [], "masks": []}
MISSING_IDS = {"segment_id": str(2**40), "ledger_id": str(2**40)}  # the rest: a fresh hex id

API: dict[str, Route] = {
    # Accounts
    "GET /api/v1/health": public("the load balancer's probe"),
    "POST /api/v1/auth/register": public(AUTH),
    "POST /api/v1/auth/confirm": public(AUTH),
    "POST /api/v1/auth/confirm/resend": public(AUTH),
    "POST /api/v1/auth/login": public(AUTH),
    "POST /api/v1/auth/sign-in-code": public(AUTH),
    "POST /api/v1/auth/sign-in-code/confirm": public(AUTH),
    "POST /api/v1/auth/logout": public(AUTH),
    "POST /api/v1/auth/password-reset": public(AUTH),
    "POST /api/v1/auth/password-reset/confirm": public(AUTH),
    "POST /api/v1/auth/email-change/undo": public(AUTH),
    "POST /api/v1/auth/password-strength": public(AUTH),
    "GET /api/v1/me": own(),
    "PATCH /api/v1/me": own(),
    "POST /api/v1/me/email": own(),
    "POST /api/v1/me/email/confirm": own(),
    "GET /api/v1/me/picture": own(),
    "PUT /api/v1/me/picture": own(),
    "DELETE /api/v1/me/picture": own(),
    "POST /api/v1/me/password": own(),
    "GET /api/v1/me/sessions": lists_own(),
    "DELETE /api/v1/me/sessions/{session_id}": strangers(),
    "POST /api/v1/me/sessions/sign-out-everywhere": own(),
    "GET /api/v1/me/tokens": lists_own(),
    "POST /api/v1/me/tokens": own(),
    "DELETE /api/v1/me/tokens/{token_id}": strangers(),
    "POST /api/v1/me/two-factor/setup": own(),
    "POST /api/v1/me/two-factor/enable": own(),
    "GET /api/v1/me/two-factor/recovery-codes": own(),
    "POST /api/v1/me/two-factor/recovery-codes": own(),
    "POST /api/v1/me/two-factor/disable": own(),
    "POST /api/v1/me/compromised": own(),
    # Cameras and media
    "GET /api/v1/cameras": lists_own(),
    "POST /api/v1/cameras/bind": own("binds a device to the caller (its label proves it)"),
    "POST /api/v1/cameras/bind/qr": own("binds a device to the caller (its QR proves it)"),
    "POST /api/v1/cameras/bind/qr-image": own("binds a device to the caller"),
    "POST /api/v1/cameras/bind/rtsp": own("adds a camera of the caller's by its address"),
    "POST /api/v1/cameras/probe": own("looks at an address; nothing stored"),
    "GET /api/v1/cameras/{camera_id}": strangers(),
    "PATCH /api/v1/cameras/{camera_id}": strangers({"name": "Mine now"}),
    "DELETE /api/v1/cameras/{camera_id}": strangers(),
    "POST /api/v1/cameras/{camera_id}/media-token": strangers(
        {"scope": "live"}, {"scope": "playback"}
    ),
    "GET /api/v1/cameras/{camera_id}/recordings": strangers(query=DAY),
    "GET /api/v1/cameras/{camera_id}/segments/{segment_id}": strangers(),
    "GET /api/v1/cameras/{camera_id}/snapshot": strangers(),
    "POST /api/v1/cameras/{camera_id}/webrtc": strangers(
        {"sdp": "v=0", "type": "offer"}, media_token=True
    ),
    "GET /api/v1/cameras/{camera_id}/clip/range": strangers(query=DAY),
    "GET /api/v1/cameras/{camera_id}/clip": strangers(query=DAY),
    # Events and detection (issue 14)
    "GET /api/v1/events": lists_own(),
    "GET /api/v1/events/unseen-count": own(),
    "POST /api/v1/events/seen-all": own(),
    "GET /api/v1/events/{event_id}": strangers(),
    "POST /api/v1/events/{event_id}/seen": strangers(),
    "GET /api/v1/events/{event_id}/thumbnail": strangers(),
    "GET /api/v1/cameras/{camera_id}/events": strangers(query=EVENT_RANGE),
    "GET /api/v1/cameras/{camera_id}/detection": strangers(),
    "PUT /api/v1/cameras/{camera_id}/detection": strangers(DETECTION),
    "PUT /api/v1/cameras/{camera_id}/privacy-mode": strangers({"on": True}),
    # Notifications and arming (issue 14)
    "GET /api/v1/notify/preferences": own(),
    "PUT /api/v1/notify/preferences": own(),
    "GET /api/v1/notify/push/key": own("the installation's public VAPID key"),
    "GET /api/v1/notify/push/subscriptions": lists_own(),
    "POST /api/v1/notify/push/subscriptions": own(),
    "DELETE /api/v1/notify/push/subscriptions/{subscription_id}": strangers(),
    "GET /api/v1/notify/webhooks": lists_own(),
    "POST /api/v1/notify/webhooks": own(),
    "DELETE /api/v1/notify/webhooks/{webhook_id}": strangers(),
    "POST /api/v1/notify/webhooks/{webhook_id}/enable": strangers(),
    "GET /api/v1/notify/mqtt": own(),
    "PUT /api/v1/notify/mqtt": own(),
    "DELETE /api/v1/notify/mqtt": own(),
    "GET /api/v1/notify/history": lists_own(),
    "GET /api/v1/notify/image/{token}": public(
        "an alert's picture: the short-lived signed link is the credential, checked when fetched"
    ),
    "GET /api/v1/homes/current": lists_own(),
    "PUT /api/v1/homes/current": own(),
    "PUT /api/v1/homes/current/mode": own(),
    "PUT /api/v1/homes/current/modes/{mode}": strangers({"camera_ids": ["{camera_id}"]}),
    "POST /api/v1/homes/current/schedules": own(),
    "DELETE /api/v1/homes/current/schedules/{schedule_id}": strangers(),
    "POST /api/v1/devices/provision": operator({"content": "[]", "dry_run": True}),
    # Privacy: the person's side
    "GET /api/v1/privacy/receipt-key": public("the public key that checks receipts"),
    "GET /api/v1/privacy/notice": public("the privacy notice"),
    "GET /api/v1/privacy/notice/versions/{number}": public("a published notice version"),
    "GET /api/v1/privacy/notice/status": own(),
    "POST /api/v1/privacy/notice/accept": own(),
    "GET /api/v1/privacy/requests/kinds": public("what can be asked"),
    "GET /api/v1/privacy/requests/authority": public("the supervisory authority"),
    "GET /api/v1/privacy/requests": lists_own(),
    "POST /api/v1/privacy/requests": own(),
    "GET /api/v1/privacy/requests/{request_id}": strangers(),
    "POST /api/v1/privacy/requests/{request_id}/verify": strangers({"code": "123456"}),
    "POST /api/v1/privacy/requests/{request_id}/code": strangers(),
    "GET /api/v1/privacy/complaints": public("whom to complain to"),
    "POST /api/v1/privacy/complaints": public(COMPLAINT),
    "POST /api/v1/privacy/complaints/{pending_id}/code": public(COMPLAINT),
    "POST /api/v1/privacy/complaints/{pending_id}/verify": public(COMPLAINT),
    "GET /api/v1/privacy/limits": lists_own(),
    "POST /api/v1/privacy/limits/restrictions": strangers({"camera_id": "{camera_id}"}),
    "POST /api/v1/privacy/limits/objections": own(),
    "DELETE /api/v1/privacy/limits/{limit_id}": strangers(),
    "GET /api/v1/privacy/consents": own(),
    "GET /api/v1/privacy/consents/history": lists_own(),
    "GET /api/v1/privacy/consents/history/{ledger_id}/receipt": strangers(),
    "PUT /api/v1/privacy/consents/{purpose}": own("a purpose is not anyone's resource"),
    "POST /api/v1/privacy/consents/{purpose}/grant": own("a purpose is not anyone's"),
    "POST /api/v1/privacy/consents/{purpose}/withdraw": own("a purpose is not anyone's"),
    "POST /api/v1/privacy/erasure": strangers(
        {"scope": "device", "camera_id": "{camera_id}"},
        {"scope": "segment", "segment_id": "{segment_id}"},
        {"scope": "range", "camera_id": "{camera_id}", **DAY},
    ),
    "POST /api/v1/privacy/erasure/account/code": own(),
    "POST /api/v1/privacy/erasure/account": own(),
    "GET /api/v1/privacy/erasure/receipts": lists_own(),
    "GET /api/v1/privacy/erasure/receipts/{receipt_id}": strangers(),
    "GET /api/v1/privacy/exports": lists_own(),
    "POST /api/v1/privacy/exports": own(),
    "GET /api/v1/privacy/exports/{export_id}/download": strangers(query={"token": "x" * 43}),
    "DELETE /api/v1/privacy/exports/{export_id}": strangers(),
    "POST /api/v1/privacy/import": own(),
    "POST /api/v1/privacy/minors/reports": public(MINORS),
    "POST /api/v1/privacy/minors/reports/answer": public(MINORS),
    "POST /api/v1/privacy/minors/guardian-consent": public(MINORS),
    "POST /api/v1/privacy/minors/guardian": public(MINORS),
    "POST /api/v1/privacy/closure": own(),
    "GET /api/v1/privacy/data": lists_own(),
    # Privacy: the operators' side (the request desk, proofs, children's accounts)
    "GET /api/v1/privacy/operator/requests": operator(),
    "GET /api/v1/privacy/operator/requests/{request_id}": operator(),
    "POST /api/v1/privacy/operator/requests/{request_id}/start": operator(),
    "POST /api/v1/privacy/operator/requests/{request_id}/complete": operator(
        {"resolution": "Answered by post."}
    ),
    "POST /api/v1/privacy/operator/requests/{request_id}/refuse": operator({"reason": "No."}),
    "POST /api/v1/privacy/operator/requests/{request_id}/extend": operator(
        {"months": 1, "reason": "Many requests at once."}
    ),
    "POST /api/v1/privacy/operator/requests/{request_id}/charge": operator(
        {"fee_cents": 500, "reason": "The fifth copy this month."}
    ),
    "GET /api/v1/privacy/operator/requests/{request_id}/corrections": operator(),
    "POST /api/v1/privacy/operator/requests/{request_id}/corrections": operator(
        {"field": "users.nickname", "value": "Bobby"}
    ),
    "GET /api/v1/privacy/operator/statistics": operator(),
    "GET /api/v1/privacy/operator/audit": operator(),
    "GET /api/v1/privacy/operator/check": operator(),
    "GET /api/v1/privacy/operator/minors": operator(),
    "POST /api/v1/privacy/operator/minors/{account_id}/clear": operator({"reason": "Passport."}),
    "GET /api/v1/privacy/operator/minors/reports": operator(),
    "POST /api/v1/privacy/operator/minors/reports/{report_id}/{decision}": operator(
        {"reason": "A grown-up's account."}
    ),
}

WEB: dict[str, Route] = {
    "GET /api/docs": public("the API's documentation"),
    "GET /api/redoc": public("the API's documentation"),
    "GET /": lists_own(),
    "GET /cameras/add": own(),
    "GET /cameras/{camera_id}": strangers(),
    "GET /cameras/{camera_id}/playback": strangers(),
    "GET /cameras/{camera_id}/settings": strangers(),
    "GET /cameras/{camera_id}/firmware": strangers(),
    "GET /cameras/{camera_id}/remove": strangers(),
    "GET /cameras/{camera_id}/detection": strangers(),
    "GET /events": lists_own(),
    "GET /home/arming": lists_own(),
    "GET /settings/notifications": lists_own(),
    "GET /settings/notifications/history": lists_own(),
    "GET /sw.js": public("the service worker: browsers fetch it on their own"),
    "GET /profile": own(),
    "GET /profile/picture": Route(
        Rule.OWN, "the caller's own picture; a visitor's <img> gets a bare 404", visitor_status=404
    ),
    "GET /profile/email": own(),
    "GET /sessions": lists_own(),
    "GET /security": lists_own(),
    "GET /security/compromised": own(),
    "GET /email/undo": public(AUTH),
    "GET /signup": public(AUTH),
    "GET /confirm": public(AUTH),
    "GET /signin": public(AUTH),
    "GET /signin/code": public(AUTH),
    "GET /signin/two-step": public(AUTH),
    "GET /reset": public(AUTH),
    "GET /reset/confirm": public(AUTH),
    "GET /outbox": public("the demo outbox (only with the local outbox mail backend)"),
    "GET /privacy/report-child": public(MINORS),
    "GET /guardian/asked": public(MINORS),
    "GET /guardian/consent": public(MINORS),
    "GET /guardian/name": public(MINORS),
    "GET /guardian/report": public(MINORS),
    "GET /complaints/new": public(COMPLAINT),
    "GET /complaints/{pending_id}": public(COMPLAINT),
    "GET /privacy/cookies": public("the cookie choices of a visitor or an account"),
    "GET /privacy/notice": public("the privacy notice"),
    "GET /privacy/notice/accept": own(),
    "GET /privacy/unsubscribe/one-click": public("the unsubscribe link of a mail"),
    "GET /privacy/unsubscribe": public("the unsubscribe link of a mail"),
    "GET /privacy": own(),
    "GET /privacy/consents": lists_own(),
    "GET /privacy/consents/receipts/{ledger_id}": strangers(),
    "GET /privacy/requests": lists_own(),
    "GET /privacy/requests/{request_id}": strangers(),
    "GET /privacy/erase": lists_own(),
    "GET /privacy/erase/receipts/{receipt_id}": strangers(),
    "GET /privacy/limits": lists_own(),
    "GET /privacy/export": lists_own(),
    "GET /privacy/data": lists_own(),
    "GET /privacy/close": own(),
    "GET /privacy/import": own(),
    "GET /operator/requests": operator(),
    "GET /operator/requests/{request_id}": operator(),
    "GET /operator/statistics": operator(),
    "GET /operator/audit": operator(),
    "GET /operator/check": operator(),
    "GET /operator/minors": operator(),
}

# WebSockets: a stranger's camera is refused before the socket is accepted, with the close
# code of a missing one (4401), whatever validly signed token the caller brings.
SOCKETS: dict[str, Route] = {
    "WS /api/v1/cameras/{camera_id}/live": strangers(media_token=True),
}

# Path values that are not anyone's resource.
FIXED_PATH_VALUES = {
    "purpose": "marketing_email", "number": "1", "decision": "dismiss", "mode": "home",
    "token": "not-a-signed-link",
}  # fmt: skip
