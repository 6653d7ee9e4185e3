"""Data map of the safeguards on an account: retention timers, guardian consent, restrictions."""

from __future__ import annotations

from hearthwatch.privacy.datamap.types import (
    CLOSURE_MAX_DAYS,
    UNTIL_CLOSURE,
    Category,
    LegalBasis,
    PersonalField,
    Retention,
)

# --- retention scheduler (privacy/retention*.py) ---
_RETENTION_FIELDS: tuple[PersonalField, ...] = (
    PersonalField(
        "users",
        "closed_at",
        "time the account was closed",
        Category.USAGE,
        "deleting a closed account's data 6 months later",
        LegalBasis.LEGAL_OBLIGATION,
        UNTIL_CLOSURE,
    ),
    PersonalField(
        "inactivity_warnings",
        "warned_at",
        "time the person was warned that an inactive account will be deleted",
        Category.USAGE,
        "deleting the data of accounts unused for two years, after a warning",
        LegalBasis.LEGAL_OBLIGATION,
        Retention("until the person is active again or the account is deleted", 31, "warning"),
    ),
)
_RETENTION_NON_PERSONAL: dict[str, str] = {
    "inactivity_warnings.user_id": "reference",
    "scheduled_jobs.name": "name of a maintenance job",
    "scheduled_jobs.next_run_at": "state of a maintenance job",
    "scheduled_jobs.last_run_at": "state of a maintenance job",
    "scheduled_jobs.last_outcome": "state of a maintenance job",
    "scheduled_jobs.lease_owner": "name of the server node running a maintenance job",
    "scheduled_jobs.lease_expires_at": "state of a maintenance job",
    # The queue of one-off jobs (jobs/models.py): ids and state, never personal data; the
    # rows of an account go with it (foreign key), done ones after a week (`jobs.purge`).
    "jobs.id": "identifier",
    "jobs.kind": "name of a kind of background job",
    "jobs.payload": "ids of the records a background job works on (those are declared)",
    "jobs.user_id": "reference",
    "jobs.dedupe_key": "kind and id of the record a live job works on",
    "jobs.state": "state of a background job",
    "jobs.attempts": "state of a background job",
    "jobs.max_attempts": "state of a background job",
    "jobs.run_after": "state of a background job",
    "jobs.lease_owner": "name of the server node running a background job",
    "jobs.lease_expires_at": "state of a background job",
    "jobs.last_error": "error of a background job's last attempt (kind and message)",
    "jobs.created_at": "state of a background job",
    "jobs.finished_at": "state of a background job",
}

# --- minors and guardian consent (privacy/minors*.py) ---
_MINOR_KEPT = Retention(
    "while the account exists, as proof of a guardian's consent, then 6 months after closure; "
    "deleted with the account when consent is refused or never comes",
    CLOSURE_MAX_DAYS,
)
# The guardian's address and name: sealed with the child's account key (P38).
_MINOR_SEALED = {"guardian_email": 254, "guardian_name": 128}
_MINOR_FIELDS: tuple[PersonalField, ...] = tuple(
    PersonalField(
        "guardian_consents",
        column,
        description,
        category,
        "no account for a child under 16 without a parent's or guardian's consent (P4)",
        LegalBasis.LEGAL_OBLIGATION,
        _MINOR_KEPT,
        sealed=column in _MINOR_SEALED,
        max_length=_MINOR_SEALED.get(column),
    )
    for column, description, category in (
        ("guardian_email", "e-mail address of the parent or guardian asked", Category.CONTACT),
        ("guardian_name", "name the guardian signed the consent with", Category.IDENTITY),
        ("reason", "why consent is needed: under 16 at sign-up, or reported", Category.USAGE),
        ("requested_at", "time consent was asked for", Category.USAGE),
        ("deadline_at", "time the account is deleted without consent", Category.USAGE),
        ("decided_at", "time consent was given, or 16+ was shown", Category.USAGE),
        ("decision", "consent given by the guardian, or 16+ shown", Category.USAGE),
    )
)
_MINOR_NON_PERSONAL: dict[str, str] = {
    "guardian_consents.id": "random identifier",
    "guardian_consents.user_id": "reference",
}

# --- reports of a child's account, reviewed by an operator (privacy/minors/report.py) ---
_REPORT_FIELDS: tuple[PersonalField, ...] = tuple(
    PersonalField(
        "child_reports",
        column,
        description,
        Category.USAGE,
        "reviewing a report that an account belongs to a child under 16 (P4)",
        LegalBasis.LEGAL_OBLIGATION,
        UNTIL_CLOSURE,
    )
    for column, description in (
        ("state", "whether the report waits for review, was dismissed or was confirmed"),
        ("reported_at", "time the account was reported"),
        ("answer", "what the holder answered to the report"),
        ("answered_at", "time the holder answered"),
        ("decided_at", "time an operator decided on the report"),
    )
)
_REPORT_NON_PERSONAL: dict[str, str] = {
    "child_reports.id": "random identifier",
    "child_reports.user_id": "reference",
}

# --- restriction and objection (privacy/restriction*.py) ---
_LIMIT_PURPOSE = "honouring the person's restrictions and objections"
_LIMIT_KEPT = Retention("while the account exists, then 6 months after closure", CLOSURE_MAX_DAYS)
_RESTRICTION_FIELDS: tuple[PersonalField, ...] = tuple(
    PersonalField("processing_limits", column, description, Category.USAGE, _LIMIT_PURPOSE,
                  LegalBasis.LEGAL_OBLIGATION, _LIMIT_KEPT)
    for column, description in (
        ("kind", "whether the person restricted or objected"),
        ("use", "which use of their data the person limited"),
        ("camera_id", "which camera's data a restriction covers"),
        ("reason", "why the person limited the use (optional)"),
        ("started_at", "time the limit began"),
        ("until", "time the limit ends"),
        ("lifted_at", "time the person lifted the limit"),
    )
)  # fmt: skip
_RESTRICTION_NON_PERSONAL: dict[str, str] = {
    "processing_limits.id": "random identifier",
    "processing_limits.user_id": "reference",
}

SAFEGUARD_FIELDS: tuple[PersonalField, ...] = (
    *_RETENTION_FIELDS,
    *_MINOR_FIELDS,
    *_REPORT_FIELDS,
    *_RESTRICTION_FIELDS,
)
SAFEGUARD_NON_PERSONAL: dict[str, str] = {
    **_RETENTION_NON_PERSONAL,
    **_MINOR_NON_PERSONAL,
    **_REPORT_NON_PERSONAL,
    **_RESTRICTION_NON_PERSONAL,
}
