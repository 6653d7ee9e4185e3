"""Data map of devices: bound cameras, recorded segments, the maker's registry and recordings."""

from __future__ import annotations

from hearthwatch.privacy.datamap.types import (
    UNTIL_CLOSURE,
    Category,
    LegalBasis,
    PersonalField,
    PersonalObject,
    Retention,
)

_C = LegalBasis.CONTRACT
# Camera addresses may reveal the home's IP address: sealed with the account's key (P38).
_SEALED = {"rtsp_url": 512, "sub_rtsp_url": 512}

_CAMERA_FIELDS = tuple(
    PersonalField(
        "cameras",
        column,
        description,
        category,
        purpose,
        basis,
        UNTIL_CLOSURE,
        operator_correctable=column == "name",
        sealed=column in _SEALED,
        max_length=_SEALED.get(column),
    )
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

DEVICE_FIELDS: tuple[PersonalField, ...] = (*_CAMERA_FIELDS, *_SEGMENT_FIELDS)

DEVICE_NON_PERSONAL: dict[str, str] = {
    "camera_registry.serial": "maker's record of a device not yet bound to anyone",
    "camera_registry.code_hash": "keyed hash of the device's printed code",
    "camera_registry.rtsp_url": "maker's provisioning address, encrypted",
    "camera_registry.sub_rtsp_url": "maker's provisioning address, encrypted",
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
    "cameras.rtsp_transport": "device setting",
    "cameras.rtsp_transport_used": "stream property (the transport that worked last)",
    # One stream, one account (devices/streams.py): a keyed hash of the address, which the
    # address itself (sealed, declared above) stands behind; removed with the camera or account.
    "cameras.stream_key": "keyed hash of the camera's stream address",
    "cameras.sub_stream_key": "keyed hash of the camera's sub-stream address",
    "camera_streams.stream_key": "keyed hash of a bound stream's address",
    "camera_streams.owner_id": "reference",
    "camera_streams.claimed_at": "time the stream was first bound",
    "segments.id": "sequence number",
    "segments.camera_id": "reference",
    "segments.owner_id": "reference",
    "segments.bytes": "object size",
    "segments.frames": "frame count",
    "segments.blob_key": "storage location of a sealed object",
}

DEVICE_OBJECTS: tuple[PersonalObject, ...] = (
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
