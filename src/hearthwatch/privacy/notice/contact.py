"""Who answers for the data, the person's rights and how to use them, and where else to
complain: the part of the privacy notice that comes from the settings and the request
workflow rather than from the data map (GDPR 13(1)(a), 13(2)(b) and (d); P27).

The notice (`notice_content.generate`), the privacy centre, the complaint pages and the
API all read the supervisory authority and the controller's contact from here.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from hearthwatch.mail.links import public_link
from hearthwatch.privacy.rights.kinds import COMPLAINT, KIND_BY_NAME
from hearthwatch.settings import Settings

COMPLAINT_PAGE = "/complaints/new"
REQUESTS_PAGE = "/privacy/requests"


@dataclass(frozen=True)
class Right:
    """A right the person has, in their words, and where they use it."""

    name: str
    promise: str
    what: str
    how: str


RIGHTS: tuple[Right, ...] = (
    Right("Access", "P17", "See what we hold about you and how it is used.",
          "Your data page and 'Download my data' show it at once; ask for anything else "
          "with an access request."),
    Right("Rectification", "P18", "Have wrong data corrected.",
          "Edit your profile yourself; ask for a correction of anything else."),
    Right("Erasure", "P19", "Have your data deleted.",
          "Delete recordings, cameras or the whole account from the erase page at once; "
          "ask for anything else."),
    Right("Restriction", "P21", "Have your data kept but not used for a while.",
          "Set a restriction on the limits page."),
    Right("Objection", "P22", "Object to a use of your data, such as product analytics.",
          "Object on the limits page."),
    Right("Portability", "P23", "Take your data to another provider.",
          "Download an archive from 'Download my data', or ask us to send it."),
    Right("Withdraw consent", "P24", "Take back any consent you gave, as easily as you gave it.",
          "Your consents page and the cookie settings."),
    Right("Complain", "P27", "Complain to us about how your data is handled.",
          "Signed in, make a complaint on the requests page; without an account (for example "
          "if a Hearthwatch camera films you), use the complaint page. We answer within "
          "30 days."),
)  # fmt: skip


def authority(settings: Settings) -> dict[str, str | None]:
    """The supervisory authority anyone may complain to, besides us."""
    return {
        "name": settings.supervisory_authority_name,
        "url": settings.supervisory_authority_url,
        "email": settings.supervisory_authority_email,
    }


def controller(settings: Settings) -> dict[str, str | None]:
    """Who is responsible for the data and how to reach them."""
    return {
        "name": settings.controller_name,
        "email": settings.controller_email or settings.privacy_operator_email,
        "postal_address": settings.controller_postal_address or None,
        "requests_page": public_link(settings, REQUESTS_PAGE),
    }


def rights() -> list[dict[str, str]]:
    return [asdict(right) for right in RIGHTS]


def complaints(settings: Settings) -> dict[str, Any]:
    """How to complain to us (and how soon we answer), and to the supervisory authority."""
    answer_days = KIND_BY_NAME[COMPLAINT].answer_days
    return {
        "answer_days": answer_days,
        "page": public_link(settings, COMPLAINT_PAGE),
        "how": (
            "Write to us on the complaint page, with or without an account; we answer "
            f"within {answer_days} days. You may also complain to the supervisory authority "
            "at any time."
        ),
        "supervisory_authority": authority(settings),
    }
