"""Data map of events (issue 14): detection settings, events and who has seen them."""

from __future__ import annotations

from hearthwatch.privacy.datamap.types import (
    UNTIL_CLOSURE,
    Category,
    LegalBasis,
    PersonalField,
    Retention,
)

_C = LegalBasis.CONTRACT
# An event is kept as long as the recording it points into may be (per camera setting).
_EVENT_LIFE = Retention("per camera setting, at most 2 years", 730, "recording")

_EVENT_FIELDS = tuple(
    PersonalField(
        "events", column, description, Category.VIDEO, "events and alerts", _C, _EVENT_LIFE
    )
    for column, description in (
        ("start_us", "when something was detected on a camera"),
        ("end_us", "when the detected activity ended"),
        ("last_active_us", "when the detected activity was last seen"),
        ("peak_score", "how much of the picture moved"),
        ("zones", "which of the camera's zones the activity was in"),
        ("span_start_us", "start of the recording kept for the event"),
        ("span_end_us", "end of the recording kept for the event"),
    )
)

EVENTS_FIELDS: tuple[PersonalField, ...] = (
    *_EVENT_FIELDS,
    PersonalField(
        "event_zones",
        "start_us",
        "when an event in a zone started",
        Category.VIDEO,
        "filtering events by zone",
        _C,
        _EVENT_LIFE,
        exported=False,  # a copy of events.start_us, exported there
    ),
    PersonalField(
        "camera_detection",
        "zones",
        "zones the user drew on a camera's picture, with their names",
        Category.DEVICE,
        "motion detection",
        _C,
        UNTIL_CLOSURE,
    ),
    PersonalField(
        "cameras",
        "privacy_masks",
        "areas of a camera's picture the user blacked out",
        Category.DEVICE,
        "keeping bystanders out of analysis and images",
        _C,
        UNTIL_CLOSURE,
    ),
    PersonalField(
        "event_seen",
        "event_id",
        "which events the user has seen",
        Category.USAGE,
        "showing unseen events",
        _C,
        _EVENT_LIFE,
    ),
    PersonalField(
        "event_seen_marks",
        "seen_through_us",
        "when the user last marked all events seen",
        Category.USAGE,
        "showing unseen events",
        _C,
        UNTIL_CLOSURE,
    ),
)

EVENTS_NON_PERSONAL: dict[str, str] = {
    "cameras.privacy_mode": "a switch",
    "camera_detection.camera_id": "reference",
    "camera_detection.enabled": "a switch",
    "camera_detection.sensitivity": "detection setting",
    "camera_detection.min_duration_ms": "detection setting",
    "camera_detection.quiet_seconds": "detection setting",
    "camera_detection.pre_roll_s": "recording setting",
    "camera_detection.post_roll_s": "recording setting",
    "camera_detection.updated_at": "time of a settings change",
    "events.id": "random identifier",
    "events.camera_id": "reference",
    "events.owner_id": "reference",
    "events.kind": "kind of event",
    "events.thumbnail_key": "storage location of a sealed object",
    "event_zones.event_id": "reference",
    "event_zones.zone_id": "identifier of a zone within its camera",
    "event_zones.camera_id": "reference",
    "event_seen.user_id": "reference",
    "event_seen_marks.user_id": "reference",
}
