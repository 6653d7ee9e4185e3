"""The data map: every kind of personal data Hearthwatch stores, declared once.

Each `PersonalField` says where a piece of personal data lives (table and column), what it
is, why it is kept, on which legal basis, for how long, and whether it is exported and
erased on request. Every other column is listed in `NON_PERSONAL` with the reason it holds
nothing about a person. A test walks the live schema and fails when a column is in neither
list, so no personal field can be added without being declared here.
"""

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


UNTIL_CLOSURE = Retention("while the account exists, then 6 months after closure", 183)
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

    @property
    def key(self) -> str:
        return f"{self.table}.{self.column}"


_C = LegalBasis.CONTRACT
_LI = LegalBasis.LEGITIMATE_INTEREST

PERSONAL_FIELDS: tuple[PersonalField, ...] = (
    PersonalField(
        "users",
        "email",
        "e-mail address",
        Category.CONTACT,
        "sign-in, account and security mail",
        _C,
        UNTIL_CLOSURE,
    ),
    PersonalField(
        "users",
        "nickname",
        "nickname (optional, pseudonyms welcome)",
        Category.IDENTITY,
        "showing who is signed in and who shares a device",
        _C,
        UNTIL_CLOSURE,
    ),
    PersonalField(
        "users",
        "real_name",
        "real name (optional)",
        Category.IDENTITY,
        "addressing the user",
        _C,
        UNTIL_CLOSURE,
    ),
    PersonalField(
        "users",
        "password_hash",
        "password, as an Argon2id hash",
        Category.CREDENTIALS,
        "sign-in",
        _C,
        UNTIL_CLOSURE,
        exported=False,
    ),
    PersonalField(
        "users",
        "totp_secret",
        "two-step sign-in secret, encrypted",
        Category.CREDENTIALS,
        "two-step sign-in",
        _C,
        UNTIL_CLOSURE,
        exported=False,
    ),
    PersonalField(
        "users",
        "created_at",
        "time the account was created",
        Category.USAGE,
        "account administration",
        _C,
        UNTIL_CLOSURE,
    ),
    PersonalField(
        "users",
        "updated_at",
        "time the profile last changed",
        Category.USAGE,
        "account administration",
        _C,
        UNTIL_CLOSURE,
    ),
    PersonalField(
        "users",
        "email_confirmed_at",
        "time the e-mail was confirmed",
        Category.USAGE,
        "proving the address belongs to the user",
        _C,
        UNTIL_CLOSURE,
    ),
    PersonalField(
        "users",
        "last_login_at",
        "time of the last sign-in",
        Category.USAGE,
        "security and inactivity retention",
        _LI,
        UNTIL_CLOSURE,
    ),
    PersonalField(
        "users",
        "failed_logins",
        "count of recent failed sign-ins",
        Category.USAGE,
        "protecting the account against password guessing",
        _LI,
        UNTIL_CLOSURE,
    ),
    PersonalField(
        "users",
        "locked_until",
        "end of a sign-in lock-out",
        Category.USAGE,
        "protecting the account against password guessing",
        _LI,
        UNTIL_CLOSURE,
    ),
    PersonalField(
        "users",
        "compromised_at",
        "time the user reported the account compromised",
        Category.USAGE,
        "account security",
        _LI,
        UNTIL_CLOSURE,
    ),
    PersonalField(
        "users",
        "totp_enabled_at",
        "time two-step sign-in was turned on",
        Category.USAGE,
        "two-step sign-in",
        _C,
        UNTIL_CLOSURE,
    ),
    PersonalField(
        "users",
        "totp_last_step",
        "last accepted authenticator step",
        Category.CREDENTIALS,
        "preventing replay of a code",
        _C,
        UNTIL_CLOSURE,
        exported=False,
    ),
    PersonalField(
        "profile_pictures",
        "data",
        "profile picture (optional, metadata stripped)",
        Category.IDENTITY,
        "showing who is signed in",
        _C,
        UNTIL_CLOSURE,
    ),
    PersonalField(
        "profile_pictures",
        "updated_at",
        "time the picture was set",
        Category.USAGE,
        "account administration",
        _C,
        UNTIL_CLOSURE,
    ),
    PersonalField(
        "sessions",
        "ip_address",
        "IP address at sign-in",
        Category.ONLINE_IDENTIFIERS,
        "showing the user where they are signed in; security",
        _LI,
        SESSION_LIFE,
    ),
    PersonalField(
        "sessions",
        "user_agent",
        "browser or app name at sign-in",
        Category.ONLINE_IDENTIFIERS,
        "showing the user where they are signed in; security",
        _LI,
        SESSION_LIFE,
    ),
    PersonalField(
        "sessions",
        "created_at",
        "sign-in time",
        Category.USAGE,
        "showing the user where they are signed in",
        _LI,
        SESSION_LIFE,
    ),
    PersonalField(
        "sessions",
        "last_seen_at",
        "last activity of the session",
        Category.USAGE,
        "showing the user where they are signed in",
        _LI,
        SESSION_LIFE,
    ),
    PersonalField(
        "api_tokens",
        "name",
        "name the user gave a personal API token",
        Category.CREDENTIALS,
        "API access",
        _C,
        UNTIL_CLOSURE,
    ),
    PersonalField(
        "api_tokens",
        "last_used_at",
        "last use of a personal API token",
        Category.USAGE,
        "showing the user which tokens are in use",
        _C,
        UNTIL_CLOSURE,
    ),
    PersonalField(
        "one_time_codes",
        "created_at",
        "time a mailed code was asked for",
        Category.USAGE,
        "e-mail confirmation and password reset",
        _C,
        CODE_LIFE,
        exported=False,
    ),
)

_CAMERA_FIELDS = tuple(
    PersonalField("cameras", column, description, category, purpose, basis, UNTIL_CLOSURE)
    for column, description, category, purpose, basis in (
        ("serial", "serial number of a bound camera", Category.DEVICE, "binding the camera", _C),
        ("name", "name the user gave the camera", Category.DEVICE, "showing the camera", _C),
        (
            "rtsp_url",
            "network address of the camera (may reveal the home's IP address)",
            Category.ONLINE_IDENTIFIERS,
            "recording and live view",
            _C,
        ),
        (
            "credentials",
            "camera user name and password, encrypted",
            Category.CREDENTIALS,
            "recording and live view",
            _C,
        ),
        (
            "sub_rtsp_url",
            "network address of the camera's second stream",
            Category.ONLINE_IDENTIFIERS,
            "live view on small screens",
            _C,
        ),
        ("activated_at", "time the camera was bound", Category.DEVICE, "device information", _C),
        (
            "last_seen_at",
            "last time the camera was online",
            Category.DEVICE,
            "device information",
            _C,
        ),
    )
)
_SEGMENT_FIELDS = (
    PersonalField(
        "segments",
        "start_us",
        "start time of a recorded stretch",
        Category.VIDEO,
        "playback of the user's recordings",
        _C,
        Retention("per camera setting, at most 2 years", 730, "recording"),
    ),
    PersonalField(
        "segments",
        "end_us",
        "end time of a recorded stretch",
        Category.VIDEO,
        "playback of the user's recordings",
        _C,
        Retention("per camera setting, at most 2 years", 730, "recording"),
    ),
)
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

# --- consent ledger and privacy notice (privacy/consent*.py, privacy/notice*.py) ---
_CONSENT_KEPT = Retention(
    "while the account exists, as proof of each consent (GDPR 7(1)), then 6 months after "
    "closure; a visitor's cookie choices 13 months",
    183,
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
_EXPORT_KEPT = Retention("while the account exists, then 6 months after closure", 183)
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
}

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
}

# --- minors and guardian consent (privacy/minors*.py) ---
_MINOR_KEPT = Retention(
    "while the account exists, as proof of a guardian's consent, then 6 months after closure; "
    "deleted with the account when consent is refused or never comes",
    183,
)
_MINOR_FIELDS: tuple[PersonalField, ...] = tuple(
    PersonalField(
        "guardian_consents",
        column,
        description,
        category,
        "no account for a child under 16 without a parent's or guardian's consent (P4)",
        LegalBasis.LEGAL_OBLIGATION,
        _MINOR_KEPT,
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

# --- restriction and objection (privacy/restriction*.py) ---
_LIMIT_PURPOSE = "honouring the person's restrictions and objections"
_LIMIT_KEPT = Retention("while the account exists, then 6 months after closure", 183)
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

PERSONAL_FIELDS = (
    *PERSONAL_FIELDS,
    *_RETENTION_FIELDS,
    *_MINOR_FIELDS,
    *_RESTRICTION_FIELDS,
    *_CAMERA_FIELDS,
    *_SEGMENT_FIELDS,
    *_AUDIT_FIELDS,
    *_CONSENT_FIELDS,
    *_ERASURE_FIELDS,
    *_EXPORT_FIELDS,
    *_REQUEST_FIELDS,
)


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


PERSONAL_OBJECTS: tuple[PersonalObject, ...] = (
    PersonalObject(
        "recording",
        "<account>/<camera>/seg/<start>-<id>.mp4",
        "recorded video of the user's cameras, sealed with the camera's data key",
        Category.VIDEO,
        "cloud recording and playback (only with recording switched on)",
        _C,
        Retention("per camera setting, at most 2 years", 730, "recording"),
    ),
)

SERVER_LOG_KIND = "server_log"


def server_log(days: int) -> PersonalObject:
    """The server log (hearthwatch/server_log.py), kept `days` days on each node's disk (P36).

    Its lines name no account: a client IP cut to its network, the time, and the address
    asked for (which may hold a device's random id), so it is neither exported nor erased
    per person; it goes as a whole when its time is up.
    """
    return PersonalObject(
        SERVER_LOG_KIND,
        "<data dir>/logs/server-<day>.jsonl",
        "server log: time, client IP address cut to its network (/24, /48), page or API "
        "address asked for (with any device id in it), status and duration of each request",
        Category.ONLINE_IDENTIFIERS,
        "keeping the service secure and working (abuse, faults)",
        _LI,
        Retention(f"{days} days, then deleted", days, "request"),
        encrypted=False,
    )


# Columns that hold nothing about a person, each with the reason.
NON_PERSONAL: dict[str, str] = {
    "users.id": "random identifier",
    "profile_pictures.user_id": "reference",
    "profile_pictures.content_type": "file format",
    "one_time_codes.id": "random identifier",
    "one_time_codes.user_id": "reference",
    "one_time_codes.purpose": "kind of code",
    "one_time_codes.code_hash": "hash of a short-lived random code",
    "one_time_codes.expires_at": "derived from the issue time",
    "one_time_codes.attempts": "counter protecting the code",
    "one_time_codes.used_at": "state of the code",
    "sessions.id": "random identifier",
    "sessions.user_id": "reference",
    "sessions.secret_hash": "hash of a random secret",
    "sessions.expires_at": "derived from the sign-in time",
    "sessions.revoked_at": "state of the session",
    "api_tokens.id": "random identifier",
    "api_tokens.user_id": "reference",
    "api_tokens.prefix": "first characters of a random secret, for recognising it",
    "api_tokens.secret_hash": "hash of a random secret",
    "api_tokens.created_at": "state of the token",
    "api_tokens.expires_at": "state of the token",
    "api_tokens.revoked_at": "state of the token",
    "alembic_version.version_num": "schema version",
    "camera_registry.serial": "maker's record of a device not yet bound to anyone",
    "camera_registry.code_hash": "keyed hash of the device's printed code",
    "camera_registry.rtsp_url": "maker's provisioning address",
    "camera_registry.sub_rtsp_url": "maker's provisioning address",
    "camera_registry.credentials": "maker's default device credentials, encrypted",
    "camera_registry.model": "product model",
    "camera_registry.firmware_version": "product firmware",
    "camera_registry.registered_at": "provisioning time",
    "cameras.id": "random identifier",
    "cameras.owner_id": "reference",
    "cameras.model": "product model",
    "cameras.firmware_version": "product firmware",
    "cameras.recording_mode": "device setting",
    "cameras.retention_days": "device setting",
    "cameras.retention_bytes": "device setting",
    "cameras.video_codec": "stream property",
    "cameras.video_width": "stream property",
    "cameras.video_height": "stream property",
    "cameras.video_fps": "stream property",
    "segments.id": "sequence number",
    "segments.camera_id": "reference",
    "segments.owner_id": "reference",
    "segments.bytes": "object size",
    "segments.frames": "frame count",
    "segments.blob_key": "storage location of a sealed object",
    "audit_log.seq": "sequence number",
    "audit_log.action": "kind of step",
    "audit_log.prev_hash": "hash linking to the previous entry",
    "audit_log.hash": "hash of the entry",
    "audit_head.id": "fixed identifier",
    "audit_head.seq": "sequence number",
    "audit_head.hash": "hash of the newest entry",
    **_CONSENT_NON_PERSONAL,
    **_ERASURE_NON_PERSONAL,
    **_EXPORT_NON_PERSONAL,
    **_REQUEST_NON_PERSONAL,
    **_RETENTION_NON_PERSONAL,
    **_MINOR_NON_PERSONAL,
    **_RESTRICTION_NON_PERSONAL,
}


def personal_field_keys() -> frozenset[str]:
    return frozenset(f.key for f in PERSONAL_FIELDS)
