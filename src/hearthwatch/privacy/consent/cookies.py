"""Cookies by category (P29): what each cookie is for, and what a browser's visitor allowed.

Only essential cookies are set before a choice. The choice itself lives in the essential
cookie `hw_consent`: a random visitor id (which also names the choice in the consent
ledger, as proof) and one flag per optional category, e.g. ``3f…9a.100`` = functional on,
analytics off, advertising off. For a signed-in person the consent ledger wins over the
cookie, so a withdrawal made on another device applies here too, at the next request.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass

from fastapi import Response
from sqlalchemy.orm import Session

from hearthwatch.context import AppContext
from hearthwatch.errors import ValidationFailed
from hearthwatch.privacy.consent import service as consent
from hearthwatch.settings import Settings

CONSENT_COOKIE = "hw_consent"
PREFS_COOKIE = "hw_prefs"
VISIT_COOKIE = "hw_visit"
CONSENT_MAX_AGE = 396 * 86400  # 13 months, then the visitor is asked again
PREFS_MAX_AGE = 365 * 86400
VISIT_MAX_AGE = 30 * 60
THEMES = ("system", "light", "dark")


@dataclass(frozen=True)
class CookieCategory:
    key: str
    title: str
    description: str
    purpose: str | None  # the consent purpose it stands for; None for essential cookies


CATEGORIES: tuple[CookieCategory, ...] = (
    CookieCategory(
        "essential",
        "Essential",
        "Needed for the site to work: keeping you signed in, protecting forms, and "
        "remembering this choice. Always on.",
        None,
    ),
    CookieCategory(
        "functional",
        "Functional",
        "Remembers display preferences such as the colour theme.",
        "functional_cookies",
    ),
    CookieCategory(
        "analytics",
        "Analytics",
        "Counts page views and visits per site section. Only totals are kept, never who "
        "viewed what, and nothing leaves this server.",
        "product_analytics",
    ),
    CookieCategory(
        "advertising",
        "Advertising",
        "Hearthwatch shows no ads and sets no advertising cookies or pixels today.",
        "advertising_cookies",
    ),
)
OPTIONAL = tuple(c for c in CATEGORIES if c.purpose is not None)


@dataclass(frozen=True)
class CookieUse:
    name: str
    category: str
    purpose: str
    lifetime: str


COOKIES: tuple[CookieUse, ...] = (
    CookieUse("hw_session", "essential", "keeps you signed in", "until sign-out, at most 30 days"),
    CookieUse("hw_csrf", "essential", "proves a form was sent from this site", "browser session"),
    CookieUse(
        CONSENT_COOKIE,
        "essential",
        "remembers your cookie choices and a random id that names them in the consent ledger",
        "13 months",
    ),
    CookieUse(PREFS_COOKIE, "functional", "remembers the colour theme", "1 year"),
    CookieUse(
        VISIT_COOKIE,
        "analytics",
        "marks a visit as counted, so a visit counts once (holds no identifier)",
        "30 minutes",
    ),
)
_COOKIES_OF = {c.key: tuple(u.name for u in COOKIES if u.category == c.key) for c in CATEGORIES}
_CHOICE = re.compile(r"^([0-9a-f]{32})\.([01]{3})$")


@dataclass(frozen=True)
class CookieChoice:
    """One browser's answer to the cookie banner."""

    visitor_id: str
    allowed: frozenset[str]

    def allows(self, category: str) -> bool:
        return category == "essential" or category in self.allowed

    def encode(self) -> str:
        flags = "".join("1" if c.key in self.allowed else "0" for c in OPTIONAL)
        return f"{self.visitor_id}.{flags}"

    @classmethod
    def parse(cls, raw: str | None) -> CookieChoice | None:
        found = _CHOICE.match(raw or "")
        if found is None:
            return None
        flags = found.group(2)
        allowed = frozenset(c.key for c, flag in zip(OPTIONAL, flags, strict=True) if flag == "1")
        return cls(found.group(1), allowed)

    @classmethod
    def new(cls, allowed: frozenset[str], previous: CookieChoice | None) -> CookieChoice:
        visitor_id = previous.visitor_id if previous else secrets.token_hex(16)
        return cls(visitor_id, allowed & {c.key for c in OPTIONAL})


@dataclass(frozen=True)
class CookieState:
    """What this request may do: the effective choice, and whether anything was chosen."""

    chosen: bool
    allowed: frozenset[str]
    choice: CookieChoice | None

    def allows(self, category: str) -> bool:
        return category == "essential" or category in self.allowed


def state_for(db: Session, *, cookies: Mapping[str, str], user_id: str | None) -> CookieState:
    """The cookie choice in force: the person's ledger where it speaks, else the cookie."""
    choice = CookieChoice.parse(cookies.get(CONSENT_COOKIE))
    allowed = set(choice.allowed) if choice else set()
    chosen = choice is not None
    if user_id is not None:
        states = consent.current(db, user_id)
        for category in OPTIONAL:
            state = states.get(str(category.purpose))
            if state is not None and state.status is not consent.Status.NOT_ASKED:
                chosen = True
                allowed.discard(category.key)
                if state.granted:
                    allowed.add(category.key)
    return CookieState(chosen, frozenset(allowed), choice)


def allowed_by(choice: str, ticked: Mapping[str, str]) -> frozenset[str]:
    """The optional categories a banner or settings answer allows: "accept_all",
    "reject_all", or "save" with the categories ticked ("on"); anything else is refused."""
    optional = frozenset(c.key for c in OPTIONAL)
    if choice == "accept_all":
        return optional
    if choice == "reject_all":
        return frozenset()
    if choice == "save":
        return frozenset(key for key in optional if ticked.get(key) == "on")
    raise ValidationFailed("Choose which cookies to allow.", code="cookies.choice_invalid")


def theme_to_remember(theme: str, state: CookieState) -> str:
    """`theme`, if it is one and functional cookies (which remember it) are allowed."""
    if theme not in THEMES:
        raise ValidationFailed("Choose a theme.", code="cookies.theme_invalid")
    if not state.allows("functional"):
        raise ValidationFailed(
            "Allow functional cookies first: they are what remembers this.",
            code="cookies.functional_needed",
        )
    return theme


def set_choice(response: Response, settings: Settings, choice: CookieChoice) -> None:
    """Store the choice in the essential cookie and drop cookies of refused categories."""
    response.set_cookie(
        CONSENT_COOKIE,
        choice.encode(),
        max_age=CONSENT_MAX_AGE,
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
        path="/",
    )
    drop_refused(response, choice.allowed, present=None)


def drop_refused(
    response: Response, allowed: frozenset[str], *, present: Mapping[str, str] | None
) -> None:
    """Delete the cookies of every category not allowed (those the browser sent, or all)."""
    for category in OPTIONAL:
        if category.key in allowed:
            continue
        for name in _COOKIES_OF[category.key]:
            if present is None or name in present:
                response.delete_cookie(name, path="/")


def set_prefs(response: Response, settings: Settings, theme: str) -> None:
    response.set_cookie(
        PREFS_COOKIE,
        f"theme:{theme}",
        max_age=PREFS_MAX_AGE,
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
        path="/",
    )


def theme_of(cookies: Mapping[str, str], state: CookieState) -> str:
    """The remembered theme, read only while functional cookies are allowed."""
    if not state.allows("functional"):
        return "system"
    theme = cookies.get(PREFS_COOKIE, "").removeprefix("theme:")
    return theme if theme in THEMES else "system"


def mark_visit(response: Response, settings: Settings) -> None:
    response.set_cookie(
        VISIT_COOKIE,
        "1",
        max_age=VISIT_MAX_AGE,
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
        path="/",
    )


def record_choice(
    ctx: AppContext,
    db: Session,
    *,
    allowed: frozenset[str],
    previous: CookieChoice | None,
    user_id: str | None,
) -> CookieChoice:
    """Keep a banner answer in the ledger (under the visitor id, and the account if signed in)."""
    choice = CookieChoice.new(allowed, previous)
    if user_id is None:
        # Visitors' rows have no account to be erased with: they go when their cookie would.
        consent.purge_visitor_choices(db, now=ctx.clock.now())
    for category in OPTIONAL:
        consent.change(
            ctx,
            db,
            user_id=user_id,
            visitor_id=choice.visitor_id,
            purpose=str(category.purpose),
            granted=category.key in choice.allowed,
            channel=consent.Channel.COOKIE_BANNER,
        )
    return choice


def category_of_purpose(purpose: str) -> CookieCategory | None:
    return next((c for c in OPTIONAL if c.purpose == purpose), None)
