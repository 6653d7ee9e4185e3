"""Data map of the privacy records: audit log, consents and notice, erasures, exports, requests."""

from __future__ import annotations

from hearthwatch.privacy.datamap.types import (
    CLOSURE_MAX_DAYS,
    Category,
    LegalBasis,
    PersonalField,
    Retention,
)

# --- audit log (privacy/audit/service.py) ---
_AUDIT_KEPT = Retention(
    "6 years after the entry, as proof of how requests were handled", 2192, "entry"
)
_AUDIT_FIELDS = (
    PersonalField(
        "audit_log",
        "subject_id",
        "whose data a logged step concerned (account identifier)",
        Category.USAGE,
        "proving how rights requests, consents and data access were handled",
        LegalBasis.LEGAL_OBLIGATION,
        _AUDIT_KEPT,
        erased=False,
    ),
    PersonalField(
        "audit_log",
        "actor",
        "who took a logged step (account identifier, operator name or the system)",
        Category.USAGE,
        "proving how rights requests, consents and data access were handled",
        LegalBasis.LEGAL_OBLIGATION,
        _AUDIT_KEPT,
        erased=False,
    ),
    PersonalField(
        "audit_log",
        "at",
        "time of a logged step",
        Category.USAGE,
        "proving how rights requests, consents and data access were handled",
        LegalBasis.LEGAL_OBLIGATION,
        _AUDIT_KEPT,
        erased=False,
    ),
    PersonalField(
        "audit_log",
        "details",
        "identifiers and outcome of a logged step (no contact details or names)",
        Category.USAGE,
        "proving how rights requests, consents and data access were handled",
        LegalBasis.LEGAL_OBLIGATION,
        _AUDIT_KEPT,
        erased=False,
    ),
)
_AUDIT_NON_PERSONAL: dict[str, str] = {
    "audit_log.seq": "sequence number",
    "audit_log.action": "kind of step",
    "audit_log.prev_hash": "hash linking to the previous entry",
    "audit_log.hash": "hash of the entry",
    "audit_head.id": "fixed identifier",
    "audit_head.seq": "sequence number",
    "audit_head.hash": "hash of the newest entry",
    "audit_checkpoints.seq": "number of the last entry removed at the end of its retention",
    "audit_checkpoints.hash": "hash of that entry, where the chain now starts",
    "audit_checkpoints.last_at": "time of that entry",
    "audit_checkpoints.made_at": "time the old entries were removed",
    "audit_checkpoints.removed": "how many entries were removed",
}

# --- consent ledger and privacy notice (privacy/consent*.py, privacy/notice*.py) ---
_CONSENT_KEPT = Retention(
    "while the account exists, as proof of each consent (GDPR 7(1)), then 6 months after "
    "closure; a visitor's cookie choices 13 months",
    CLOSURE_MAX_DAYS,
)
_CONSENT_FIELDS: tuple[PersonalField, ...] = tuple(
    PersonalField(
        table,
        column,
        description,
        category,
        "proving which consents were given and withdrawn, and honouring them",
        LegalBasis.LEGAL_OBLIGATION,
        _CONSENT_KEPT,
    )
    for table, column, description, category in (
        ("consent_ledger", "at", "time of a consent choice", Category.USAGE),
        ("consent_ledger", "purpose", "what a consent choice was about", Category.USAGE),
        ("consent_ledger", "granted", "whether consent was given or withdrawn", Category.USAGE),
        (
            "consent_ledger",
            "notice_version",
            "privacy notice version in force at the choice",
            Category.USAGE,
        ),
        ("consent_ledger", "channel", "where the choice was made", Category.USAGE),
        (
            "consent_ledger",
            "visitor_id",
            "random browser identifier kept in the essential hw_consent cookie",
            Category.ONLINE_IDENTIFIERS,
        ),
        ("notice_acceptances", "version", "privacy notice version accepted", Category.USAGE),
        ("notice_acceptances", "accepted_at", "time the notice was accepted", Category.USAGE),
    )
)
_CONSENT_NON_PERSONAL: dict[str, str] = {
    "consent_ledger.id": "sequence number",
    "consent_ledger.user_id": "reference",
    "notice_acceptances.id": "sequence number",
    "notice_acceptances.user_id": "reference",
    "privacy_notices.number": "version of a public document",
    "privacy_notices.published_at": "date of a public document",
    "privacy_notices.effective_at": "date of a public document",
    "privacy_notices.digest": "hash of a public document",
    "privacy_notices.content": "the public privacy notice",
    "privacy_notices.changes": "summary of a public document's changes",
    "privacy_notices.requires_acceptance": "property of a public document",
    "analytics_page_views.day": "aggregate count over every consenting visitor",
    "analytics_page_views.section": "aggregate count over every consenting visitor",
    "analytics_page_views.views": "aggregate count over every consenting visitor",
    "analytics_page_views.visits": "aggregate count over every consenting visitor",
}

# --- erasure and backups (privacy/erasure*.py) ---
_ERASURE_RECEIPT_KEPT = Retention(
    "6 years after the erasure, as proof that it was done", 2192, "erasure"
)
_ERASURE_FIELDS: tuple[PersonalField, ...] = (
    PersonalField(
        "erasure_receipts",
        "created_at",
        "time an erasure was carried out",
        Category.USAGE,
        "proving that an erasure request was carried out",
        LegalBasis.LEGAL_OBLIGATION,
        _ERASURE_RECEIPT_KEPT,
        erased=False,
    ),
    PersonalField(
        "erasure_receipts",
        "document",
        "signed erasure receipt: scope, camera ids, time range, counts, destroyed key ids",
        Category.USAGE,
        "proving that an erasure request was carried out",
        LegalBasis.LEGAL_OBLIGATION,
        _ERASURE_RECEIPT_KEPT,
        erased=False,
    ),
)
_ERASURE_NON_PERSONAL: dict[str, str] = {
    "erasure_jobs.id": "random identifier",
    "erasure_jobs.owner_id": "reference",
    "erasure_jobs.scope": "kind of erasure",
    "erasure_jobs.targets": "storage locations of sealed objects still to delete",
    "erasure_jobs.created_at": "state of a deletion job (the row goes when the job is done)",
    "erasure_receipts.id": "random identifier",
    "erasure_receipts.owner_id": "reference",
    "erasure_receipts.scope": "kind of erasure",
}

# --- export and import (privacy/export*.py) ---
_EXPORT_KEPT = Retention("while the account exists, then 6 months after closure", CLOSURE_MAX_DAYS)
_EXPORT_FIELDS: tuple[PersonalField, ...] = tuple(
    PersonalField(
        "data_exports",
        column,
        description,
        Category.USAGE,
        "answering the user's requests for a copy of their data",
        LegalBasis.LEGAL_OBLIGATION,
        _EXPORT_KEPT,
    )
    for column, description in (
        ("requested_at", "time the user asked for a copy of their data"),
        ("ready_at", "time the copy was ready to download"),
        ("finished_at", "time the copy was downloaded, expired or failed"),
    )
)
_EXPORT_NON_PERSONAL: dict[str, str] = {
    "data_exports.id": "random identifier",
    "data_exports.user_id": "reference",
    "data_exports.state": "state of the job",
    "data_exports.expires_at": "derived from the ready time",
    "data_exports.objects_done": "progress counter",
    "data_exports.objects_total": "progress counter",
    "data_exports.bytes_done": "progress counter",
    "data_exports.bytes_total": "progress counter",
    "data_exports.size_bytes": "file size",
    "data_exports.error_code": "kind of failure",
}

# --- rights requests and complaints (privacy/requests*.py) ---
_REQUEST_KEPT = Retention(
    "3 years after the request is closed, or until the account is erased", 1096, "closure"
)
_REQUEST_PURPOSE = "handling the person's rights requests and complaints"
_REQUEST_FIELDS: tuple[PersonalField, ...] = tuple(
    PersonalField(table, column, description, Category.USAGE, _REQUEST_PURPOSE,
                  LegalBasis.LEGAL_OBLIGATION, _REQUEST_KEPT)
    for table, column, description in (
        ("rights_requests", "kind", "which right a request is about"),
        ("rights_requests", "details", "what the person wrote in the request"),
        ("rights_requests", "received_at", "time the request was received"),
        ("rights_requests", "due_at", "time the answer is due"),
        ("rights_requests", "verified_at", "time the person's identity was verified"),
        ("rights_requests", "extension_reason", "why the answer needs more time"),
        ("rights_requests", "refusal_reason", "why the request was refused"),
        ("rights_requests", "fee_cents", "fee asked for a repeated or excessive request"),
        ("rights_requests", "fee_reason", "why a fee was asked"),
        ("rights_requests", "resolution", "the answer given"),
        ("rights_requests", "closed_at", "time the request was closed"),
        ("rights_requests", "reminded_at", "time the operator was last reminded"),
        ("rights_request_steps", "at", "time of a step of a request"),
        ("rights_request_steps", "note", "what was said at a step of a request"),
    )
)  # fmt: skip
# A complaint from someone without an account (privacy/requests/complaints.py): the address they
# proved and the name they gave. Tied to no account, so no account's export or erasure
# reaches them; they go with the request, 3 years after it is closed (the retention sweep's
# "closure" rule), and a complaint that was never confirmed goes a week after it was written.
_PENDING_KEPT = Retention(
    "until the mailed code is entered (at most a day), then 7 days", 8, "code issue"
)
_COMPLAINANT_FIELDS: tuple[PersonalField, ...] = tuple(
    PersonalField(table, column, description, category, _REQUEST_PURPOSE,
                  LegalBasis.LEGAL_OBLIGATION, kept, exported=False, erased=False)
    for table, column, description, category, kept in (
        ("rights_requests", "complainant_email",
         "e-mail address of someone without an account who complained, proven with a code",
         Category.CONTACT, _REQUEST_KEPT),
        ("rights_requests", "complainant_name",
         "name (optional) of someone without an account who complained",
         Category.IDENTITY, _REQUEST_KEPT),
        ("pending_complaints", "email",
         "e-mail address given with a complaint that waits for its mailed code",
         Category.CONTACT, _PENDING_KEPT),
        ("pending_complaints", "name", "name (optional) given with such a complaint",
         Category.IDENTITY, _PENDING_KEPT),
        ("pending_complaints", "details", "what such a complaint says", Category.USAGE,
         _PENDING_KEPT),
        ("pending_complaints", "created_at", "time such a complaint was written",
         Category.USAGE, _PENDING_KEPT),
    )
)  # fmt: skip
_REQUEST_NON_PERSONAL: dict[str, str] = {
    "rights_requests.id": "random identifier",
    "rights_requests.user_id": "reference",
    "rights_requests.status": "state of the request",
    "rights_requests.extended_months": "counter",
    "rights_requests.repeat_of": "reference",
    "rights_request_steps.id": "random identifier",
    "rights_request_steps.request_id": "reference",
    "rights_request_steps.status": "state of the request",
    "rights_request_steps.by": "role (person or operator)",
    "pending_complaints.id": "random identifier",
    "pending_complaints.code_hash": "hash of a short-lived random code",
    "pending_complaints.code_expires_at": "derived from the time the code was mailed",
    "pending_complaints.attempts": "counter protecting the code",
}

PRIVACY_FIELDS: tuple[PersonalField, ...] = (
    *_AUDIT_FIELDS,
    *_CONSENT_FIELDS,
    *_ERASURE_FIELDS,
    *_EXPORT_FIELDS,
    *_REQUEST_FIELDS,
    *_COMPLAINANT_FIELDS,
)
PRIVACY_NON_PERSONAL: dict[str, str] = {
    **_AUDIT_NON_PERSONAL,
    **_CONSENT_NON_PERSONAL,
    **_ERASURE_NON_PERSONAL,
    **_EXPORT_NON_PERSONAL,
    **_REQUEST_NON_PERSONAL,
}
