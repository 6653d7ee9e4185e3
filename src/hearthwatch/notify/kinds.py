"""The kinds of message Hearthwatch sends, and each kind's rules, in one place (issue 14 item 9).

    kind                  can be turned off        promotion   quiet hours / cooldown
    alert.security        per user, camera, channel  no          yes / yes
    alert.danger          per user, camera, channel  no          no  / yes
    service.announcement  never (P50)                never (P50) no
    privacy.notice_changed never (P48)               never       no
    security.breach       never (P41)                never       no
    notify.channel_off    never                      never       no
    marketing.news        consent, one click (P28)   yes         no

Every mail of these kinds is composed here (`compose_mail`), which refuses what a kind does
not allow: a promotion in a service message, an unsubscribe link where none may be, a
marketing mail without its one-click unsubscribe (RFC 8058 headers, and a link in the text).
Whether marketing may go to a person at all is asked of the consent ledger at the moment of
sending (`privacy/consent/marketing.send_marketing`, which names `MARKETING.consent_purpose`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from hearthwatch.errors import ValidationFailed
from hearthwatch.mail.messages import MARKETING as MARKETING_MAIL
from hearthwatch.mail.messages import SERVICE, Attachment, OutgoingMail

PUSH = "push"
EMAIL = "email"
WEBHOOK = "webhook"
MQTT = "mqtt"
CHANNELS = (PUSH, EMAIL, WEBHOOK, MQTT)


@dataclass(frozen=True)
class MessageKind:
    """One kind of message and the rules every message of it follows."""

    name: str
    mail_category: str  # SERVICE or marketing (mail/messages.py)
    user_can_turn_off: bool  # through their alert choices, or by withdrawing consent
    promotion_allowed: bool = False
    consent_purpose: str | None = None  # asked at every send (P28)
    quiet_hours_apply: bool = False
    cooldown_applies: bool = False
    channels: tuple[str, ...] = (EMAIL, PUSH)

    @property
    def unsubscribable(self) -> bool:
        """Only marketing carries an unsubscribe link (P28); nothing else may (P50)."""
        return self.mail_category == MARKETING_MAIL


SECURITY_ALERT = MessageKind(
    "alert.security", SERVICE, user_can_turn_off=True, quiet_hours_apply=True,
    cooldown_applies=True, channels=CHANNELS,
)  # fmt: skip
# Smoke, an alarm, glass breaking: sent through quiet hours (the user still chose channels).
DANGER_ALERT = MessageKind(
    "alert.danger", SERVICE, user_can_turn_off=True, cooldown_applies=True, channels=CHANNELS
)
SERVICE_ANNOUNCEMENT = MessageKind("service.announcement", SERVICE, user_can_turn_off=False)
POLICY_CHANGE = MessageKind("privacy.notice_changed", SERVICE, user_can_turn_off=False)
BREACH_NOTICE = MessageKind("security.breach", SERVICE, user_can_turn_off=False)
CHANNEL_OFF = MessageKind("notify.channel_off", SERVICE, user_can_turn_off=False)
MARKETING = MessageKind(
    "marketing.news", MARKETING_MAIL, user_can_turn_off=True, promotion_allowed=True,
    consent_purpose="marketing_email", channels=(EMAIL,),
)  # fmt: skip

KINDS: dict[str, MessageKind] = {
    k.name: k
    for k in (
        SECURITY_ALERT, DANGER_ALERT, SERVICE_ANNOUNCEMENT, POLICY_CHANGE, BREACH_NOTICE,
        CHANNEL_OFF, MARKETING,
    )
}  # fmt: skip
# Event kinds whose alerts go through quiet hours.
DANGER_EVENTS = frozenset({"smoke", "alarm", "glass_break"})

# What makes a message a promotion (P50): selling words, and links that track or sell.
_PROMOTION = re.compile(
    r"\b(offers?|discounts?|coupons?|promo(tion)?s?|deals?|sale|bargain|free trial|"
    r"limited[- ]time|buy now|subscribe now|upgrade (now|today|to|your)|premium plan)\b"
    r"|\d+\s*%\s*off\b|\butm_[a-z]+=|/(pricing|shop|store|promo|offers?)\b",
    re.IGNORECASE,
)


class PromotionRefused(ValidationFailed):
    """A message of a kind that must carry no promotion carries one (P50)."""

    code = "notify.promotion_refused"


class UnsubscribeRefused(ValidationFailed):
    """An unsubscribe link where the kind has none, or marketing without one (P28, P50)."""

    code = "notify.unsubscribe_rule"


def promotion_in(*texts: str) -> str | None:
    """The first promotional phrase or link in `texts`, if any."""
    for text in texts:
        found = _PROMOTION.search(text)
        if found is not None:
            return found.group(0)
    return None


def check_content(kind: MessageKind, *texts: str) -> None:
    """Refuse a promotion in a message of a kind that carries none (P50)."""
    if kind.promotion_allowed:
        return
    found = promotion_in(*texts)
    if found is not None:
        raise PromotionRefused(
            f"A {kind.name} message carries no promotion; it says {found!r}.",
            details={"kind": kind.name, "found": found},
        )


@dataclass(frozen=True)
class Unsubscribe:
    """A marketing mail's way out: the one-click address a mail client POSTs to (RFC 8058)
    and the page its text links to (one button)."""

    one_click_url: str
    page_url: str

    def __post_init__(self) -> None:
        for url in (self.one_click_url, self.page_url):
            if urlsplit(url).scheme not in ("https", "http") or not urlsplit(url).netloc:
                raise UnsubscribeRefused("An unsubscribe link must be an absolute web address.")


def compose_mail(
    kind: MessageKind,
    *,
    to: str,
    subject: str,
    body: str,
    unsubscribe: Unsubscribe | None = None,
    attachments: Sequence[Attachment] = (),
) -> OutgoingMail:
    """A mail of `kind`, held to the kind's rules (P28, P41, P48, P50)."""
    check_content(kind, subject, body)
    if kind.unsubscribable != (unsubscribe is not None):
        raise UnsubscribeRefused(
            f"{kind.name}: only marketing carries an unsubscribe link, and all of it does."
        )
    if unsubscribe is not None:
        body = (
            f"{body.rstrip()}\n\n--\nYou get this because you agreed to news from "
            f"Hearthwatch. Unsubscribe in one step: {unsubscribe.page_url}\n"
        )
    return OutgoingMail(
        to=to, subject=subject, body=body, kind=kind.name, category=kind.mail_category,
        unsubscribe_url=unsubscribe.one_click_url if unsubscribe else None,
        attachments=tuple(attachments),
    )  # fmt: skip


@dataclass(frozen=True)
class BreachFacts:
    """What a breach notice must tell each person affected (P41, GDPR 34(2))."""

    what_happened: str
    likely_consequences: str
    measures_taken: str
    what_you_can_do: str
    contact: str

    def __post_init__(self) -> None:
        for name, value in vars(self).items():
            if not value.strip():
                raise ValidationFailed(
                    f"A breach notice must say {name.replace('_', ' ')}.",
                    code="notify.breach_incomplete",
                )

    def text(self) -> str:
        return (
            f"What happened:\n{self.what_happened.strip()}\n\n"
            f"What it is likely to mean for you:\n{self.likely_consequences.strip()}\n\n"
            f"What we have done:\n{self.measures_taken.strip()}\n\n"
            f"What you can do:\n{self.what_you_can_do.strip()}\n\n"
            f"Questions: {self.contact.strip()}\n"
        )
