"""Retention rules, derived from the data map (P33 to P36).

The data map gives every personal field a `Retention`: a number of days after an *anchor*
event. This module says, once, how each anchor is found in a row (`ANCHOR_COLUMNS`), and
turns the data map into one `RetentionRule` per table. The sweep (`retention.py`) and the
check (`oversight/check.py`) both read these rules, so a new personal table gets enforced
the moment it is declared, and a retention whose anchor nobody knows shows up in
`hearthwatch privacy check` instead of being ignored.

Rules that are not "delete rows older than N days" are declared here too, as data:
closing and inactivity of accounts (P33, P34), ended API tokens (P35) and the truncation
of stored IP addresses (P36).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from hearthwatch.privacy.datamap.service import PERSONAL_FIELDS, SESSION_LIFE

ACCOUNT_CLOSURE = "account closure"
RECORDING = "recording"

# Where each anchor event is recorded in a row. "account closure" rows go with their
# account (see `CLOSED_ACCOUNTS`); "recording" rows are the media retention's
# (per-camera days, see `media/retention.py`), bounded by `RECORDING_CEILING_DAYS`.
ANCHOR_COLUMNS: dict[str, str] = {
    "sign-in": "created_at",
    "code issue": "created_at",
    "erasure": "created_at",
    "closure": "closed_at",
    "entry": "at",
    "warning": "warned_at",
    "sending": "created_at",  # notifications (issue 14)
}
# Rows whose own table has no anchor column follow the row they belong to (by cascade).
FOLLOWS_PARENT: dict[str, str] = {
    "rights_request_steps": "rights_requests",
    "notification_deliveries": "notifications",
}
# Not deleted row by row: the sweep cuts them off at a checkpoint (`audit.prune`), so the
# rest of the hash chain still verifies.
PRUNED: dict[str, str] = {
    "audit_log": "append-only and hash-chained: cut at a checkpoint the chain records",
}


@dataclass(frozen=True)
class RetentionRule:
    """Rows of `table` are deleted `days` after the moment in `column` (P33)."""

    table: str
    column: str
    days: int
    anchor: str

    @property
    def period(self) -> timedelta:
        return timedelta(days=self.days)

    @property
    def deletes(self) -> bool:
        return self.table not in PRUNED


@dataclass(frozen=True)
class ClosedAccountRule:
    """A closed account's data is kept `months` calendar months, then erased for good (P34;
    `retention_closure.deletion_date` counts them)."""

    months: int


@dataclass(frozen=True)
class InactivityRule:
    """An account unused for `warn_after_days` is warned by mail; `delete_after_days` later,
    unless the person signed in or used the API meanwhile, its data is erased (P33)."""

    warn_after_days: int
    delete_after_days: int


@dataclass(frozen=True)
class EndedCredentialRule:
    """Rows of a credential that no longer works go `days` after it ended (P35)."""

    table: str
    ended_columns: tuple[str, ...]
    days: int


@dataclass(frozen=True)
class IpTruncation:
    """Stored IP addresses are cut to a network prefix `after_days` after their session
    ended (P36): enough to recognise a provider, not a household."""

    table: str
    column: str
    ended_columns: tuple[str, ...]
    after_days: int
    ipv4_prefix: int = 24
    ipv6_prefix: int = 48


CLOSED_ACCOUNTS = ClosedAccountRule(months=6)
# 23 months of silence, then 30 days' notice: deletion falls due at two years (730 days).
INACTIVE_ACCOUNTS = InactivityRule(warn_after_days=700, delete_after_days=30)
# A revoked or expired token is session data (P35): it goes like a session, 90 days after
# it ended, far inside the 48 months the promise allows.
ENDED_TOKENS = EndedCredentialRule("api_tokens", ("revoked_at", "expires_at"), 90)
SESSION_IPS = IpTruncation("sessions", "ip_address", ("revoked_at", "expires_at"), 7)
# Ceilings from the promises, checked against every declared retention.
TWO_YEARS_DAYS = 730  # P33
SESSION_DATA_CEILING_DAYS = 1461  # P35: 48 months
RECORDING_CEILING_DAYS = 730
SESSION_TABLES = ("sessions", "api_tokens")
assert (SESSION_LIFE.days or 0) <= SESSION_DATA_CEILING_DAYS


class UnknownAnchor(ValueError):
    """A data-map retention whose anchor no rule knows how to find."""


def row_rules() -> list[RetentionRule]:
    """One rule per table whose retention counts from a moment stored in its rows; a table
    with several periods keeps its rows for the longest."""
    longest: dict[tuple[str, str], int] = {}
    for field in PERSONAL_FIELDS:
        anchor, days = field.retention.anchor, field.retention.days
        if anchor in ANCHOR_COLUMNS and field.table not in FOLLOWS_PARENT and days is not None:
            key = (field.table, anchor)
            longest[key] = max(days, longest.get(key, 0))
    return [
        RetentionRule(table, ANCHOR_COLUMNS[anchor], days, anchor)
        for (table, anchor), days in sorted(longest.items())
    ]


def unenforced() -> list[str]:
    """Data-map fields whose retention no rule enforces (empty when all is well)."""
    handled = {*ANCHOR_COLUMNS, ACCOUNT_CLOSURE, RECORDING}
    return sorted(
        f"{f.key}: retention anchored on {f.retention.anchor!r}, which no rule enforces"
        for f in PERSONAL_FIELDS
        if f.retention.anchor not in handled or f.retention.days is None
    )
