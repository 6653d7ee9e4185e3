"""Data map of uses: what Hearthwatch does with personal data beyond storing it for the service.

A person can restrict any of these uses (P21) and object to those that rest on consent or
legitimate interest (P22). Each use names the data it reads and the functions that ask
`limits.processing_allowed` before every single use; tests/privacy/limits/test_limits.py checks
those functions really ask, and shows each use stopping.

A restriction of every use ("all") also holds the data itself: while it is in force the
restricted recordings and accounts are kept past their retention, and nothing but the
person (and a legal claim) reads them.
"""

from __future__ import annotations

from dataclasses import dataclass

from hearthwatch.privacy.datamap.types import LegalBasis

PRODUCT_ANALYTICS = "product_analytics"
MARKETING = "marketing"
SIGN_IN_RECORDS = "sign_in_records"


@dataclass(frozen=True)
class ProcessingUse:
    name: str
    title: str
    legal_basis: LegalBasis
    data: tuple[str, ...]  # data map keys (table.column) of what the use reads or writes
    checked_by: tuple[str, ...]  # "module:function" that asks before each use

    @property
    def objectable(self) -> bool:
        """Objection applies to uses resting on consent or legitimate interest (GDPR 21)."""
        return self.legal_basis in (LegalBasis.CONSENT, LegalBasis.LEGITIMATE_INTEREST)


PROCESSING_USES: tuple[ProcessingUse, ...] = (
    ProcessingUse(
        PRODUCT_ANALYTICS,
        "Page-view counts and usage statistics that include you",
        LegalBasis.CONSENT,
        data=("users.created_at",),  # and how many cameras each person has, counted
        checked_by=(
            "hearthwatch.privacy.consent.analytics:counts_views",
            "hearthwatch.privacy.oversight.statistics:_counted",
        ),
    ),
    ProcessingUse(
        MARKETING,
        "Marketing e-mail",
        LegalBasis.CONSENT,
        data=("users.email", "users.nickname"),
        checked_by=("hearthwatch.privacy.consent.marketing:send_marketing",),
    ),
    ProcessingUse(
        SIGN_IN_RECORDS,
        "Keeping the network address and browser of each sign-in (your sessions list)",
        LegalBasis.LEGITIMATE_INTEREST,
        data=("sessions.ip_address", "sessions.user_agent"),
        checked_by=("hearthwatch.accounts.signin:open_session",),
    ),
)
