"""Archives an import must refuse (P23), each with the error code it is refused with."""

from __future__ import annotations

from tests.factories import export_data_json, zip_of

BAD_RECORDING = {
    "file": "recordings/cam/x.mp4",
    "camera_id": "c1",
    "init_bytes": 16,
    "decode_time_base": 0,
    "segments": [{"start_us": 0, "end_us": 1, "frames": 1, "media_bytes": 16}],
}

HOSTILE: dict[str, tuple[bytes, str]] = {
    "not a zip": (b"PK\x03\x04 but nothing else", "privacy.import_not_zip"),
    "path traversal": (zip_of({"../../etc/cron.d/x": b"x"}), "privacy.import_unsafe_name"),
    "absolute path": (zip_of({"/etc/passwd": b"x"}), "privacy.import_unsafe_name"),
    "traversal inside recordings": (
        zip_of({"recordings/../../x.mp4": b"x"}),
        "privacy.import_unsafe_name",
    ),
    "unexpected file": (
        zip_of({"data.json": export_data_json(), "run.sh": b"x"}),
        "privacy.import_unsafe_name",
    ),
    "duplicate member": (
        zip_of({"data.json": export_data_json(), "data.json#2": export_data_json()}),
        "privacy.import_duplicate_name",
    ),
    "zip bomb": (
        zip_of(
            {"data.json": export_data_json(), "recordings/a/b.mp4": bytes(64 * 1024**2)},
            deflate=True,
        ),
        "privacy.import_zip_bomb",
    ),
    "no data.json": (zip_of({"README.txt": b"hi"}), "privacy.import_missing_data"),
    "data.json not JSON": (zip_of({"data.json": b"{nope"}), "privacy.import_not_json"),
    "wrong schema": (
        zip_of({"data.json": export_data_json(format="other")}),
        "privacy.import_schema_invalid",
    ),
    "bad camera name": (
        zip_of({"data.json": export_data_json(tables={"cameras": [{"id": "c1", "name": 5}]})}),
        "privacy.import_schema_invalid",
    ),
    "recording missing": (
        zip_of({"data.json": export_data_json(recordings=[BAD_RECORDING])}),
        "privacy.import_missing_recording",
    ),
    "recording of no camera": (
        zip_of(
            {
                "data.json": export_data_json(recordings=[BAD_RECORDING]),
                "recordings/cam/x.mp4": bytes(32),
            }
        ),
        "privacy.import_unknown_camera",
    ),
    "damaged recording": (
        zip_of(
            {
                "data.json": export_data_json(
                    tables={"cameras": [{"id": "c1", "name": "Cam"}]}, recordings=[BAD_RECORDING]
                ),
                "recordings/cam/x.mp4": bytes(32),
            }
        ),
        "privacy.import_recording_invalid",
    ),
}
