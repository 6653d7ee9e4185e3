"""The data map's vocabulary: categories, legal bases, retention periods, fields, objects."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Category(StrEnum):
    CONTACT = "contact details"
    IDENTITY = "identity"
    CREDENTIALS = "credentials"
    ONLINE_IDENTIFIERS = "online identifiers"
    USAGE = "usage data"
    DEVICE = "device data"
    VIDEO = "video and images"


class LegalBasis(StrEnum):
    CONTRACT = "performance of the contract (GDPR 6(1)(b))"
    CONSENT = "consent (GDPR 6(1)(a))"
    LEGITIMATE_INTEREST = "legitimate interest (GDPR 6(1)(f))"
    LEGAL_OBLIGATION = "legal obligation (GDPR 6(1)(c))"


@dataclass(frozen=True)
class Retention:
    """How long a record is kept, in words and as a number of days after its anchor event."""

    description: str
    days: int | None = None
    anchor: str = "account closure"


# Six calendar months after closure (P34) are 181 to 184 days: the figure is the longest.
CLOSURE_MAX_DAYS = 184
UNTIL_CLOSURE = Retention("while the account exists, then 6 months after closure", CLOSURE_MAX_DAYS)
SESSION_LIFE = Retention("until the session ends, at most 30 days, then 90 days", 120, "sign-in")
CODE_LIFE = Retention("until used or expired, then 7 days", 8, "code issue")


@dataclass(frozen=True)
class PersonalField:
    table: str
    column: str
    description: str
    category: Category
    purpose: str
    legal_basis: LegalBasis
    retention: Retention
    exported: bool = True
    erased: bool = True
    # An operator may correct it for a rectification request
    # (P18, privacy/requests/rectification.py):
    # text the person cannot edit themselves, or can but may ask in writing to have edited.
    operator_correctable: bool = False
    # Stored sealed with the account's data key (P38, security/sealed_columns.py): no dump
    # or copy of the database shows it, and erasing the account shreds it in every copy.
    sealed: bool = False
    # The longest text the column takes (a sealed column's type no longer says it).
    max_length: int | None = None

    @property
    def key(self) -> str:
        return f"{self.table}.{self.column}"


@dataclass(frozen=True)
class PersonalObject:
    """Personal data kept in the blob store rather than in a table column."""

    kind: str
    key_pattern: str
    description: str
    category: Category
    purpose: str
    legal_basis: LegalBasis
    retention: Retention
    encrypted: bool = True
