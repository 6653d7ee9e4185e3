"""What a rights request can be about, and when its answer is due (P17-P27).

Each kind is data: its title, the promise it serves, and its deadline rule. Most kinds are
due one calendar month after receipt (never later than 30 days) and may be extended by up
to two further months; a complaint (P27) is answered within 30 days, with no extension.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from hearthwatch.privacy.rights.deadlines import add_days, add_months

COMPLAINT = "complaint"


@dataclass(frozen=True)
class RequestKind:
    name: str
    title: str
    promise: str
    explanation: str
    answer_days: int | None = None  # None: one calendar month, capped at 30 days
    extendable: bool = True  # may the operator take up to two further months?


KINDS: tuple[RequestKind, ...] = (
    RequestKind(
        "access", "See everything you hold about me", "P17",
        "Anything the account pages and the export do not show, e.g. what the audit log says.",
    ),
    RequestKind(
        "rectification", "Correct data I cannot edit myself", "P18",
        "Say which data is wrong and what it should be.",
    ),
    RequestKind(
        "erasure", "Erase data I cannot delete myself", "P19",
        "Recordings, devices and the account can be deleted from the account pages at once.",
    ),
    RequestKind(
        "restriction", "Restrict how my data is used", "P21",
        "Say which data, for how long, and why: it is kept but not used while restricted.",
    ),
    RequestKind(
        "objection", "Object to a use of my data", "P22",
        "Say which use (for example product analytics) you object to.",
    ),
    RequestKind(
        "portability", "Send my data to another provider", "P23",
        "Say where to. You can also download an archive from the export page yourself.",
    ),
    RequestKind(
        "other", "Another question about my data", "P25",
        "Anything else about how your personal data is handled.",
    ),
    RequestKind(
        COMPLAINT, "Complain about how my data is handled", "P27",
        "We answer within 30 days. You may also complain to the supervisory authority.",
        answer_days=30, extendable=False,
    ),
)  # fmt: skip
KIND_BY_NAME = {kind.name: kind for kind in KINDS}


def due_date(kind: RequestKind, received_at: datetime, extended_months: int = 0) -> datetime:
    """When the answer is due: one calendar month (at most 30 days), plus any extension."""
    if kind.answer_days is not None:
        base = add_days(received_at, kind.answer_days)
    else:
        base = min(add_months(received_at, 1), add_days(received_at, 30))
    return add_months(base, extended_months)
