"""README.txt of an export: what every file in the archive is, and the fields of data.json."""

from __future__ import annotations

import textwrap

from hearthwatch.privacy.export.tables import WITHHELD, exported_fields

INTRO = """\
Your Hearthwatch data
=====================

This archive is a copy of the personal data this Hearthwatch service holds about you, in
open formats, so that you can read it, keep it, or import it into another Hearthwatch
service (`hearthwatch privacy import ARCHIVE --email YOU`, or "Import" in the API).

Files
-----
README.txt
    This explanation.
data.json
    Every piece of personal data about you, grouped by where it is kept (table), plus an
    index of the video files. "fields" lists each field with what it is, why it is kept,
    the legal basis and how long it is kept. "tables" holds your rows: each row has its
    identifier, your personal fields, and a few settings needed to use it elsewhere (for
    example a camera's recording settings and its transport setting: auto, tcp or udp).
    Times are ISO 8601 in UTC; binary values
    (a profile picture) are base64 text. "recordings" says, for each video file, which
    recorded stretches it holds (start and end in microseconds since 1970, UTC).
export_schema.json
    The JSON Schema (draft 2020-12) that data.json follows.
audit.json
    The entries of the service's tamper-evident audit log that concern you (requests,
    consents, exports, erasures), each with its hash, so they can be checked against the
    log head the operator publishes.
recordings/<camera>/<start>.mp4
    Your cameras' recorded video. One file per unbroken stretch of recording, named by its
    start time (UTC). The video is the camera's own H.264 stream, copied without
    re-encoding into a standard (fragmented) MP4 that common players open; the file's
    timeline starts at zero at the start time in its name.
snapshots/<camera>.jpg
    A still picture from each camera's latest recording. The service keeps no other
    stored pictures.

What is left out
----------------
"""


def readme_text() -> str:
    """The README, with the withheld fields and the data map's exported fields listed."""
    withheld = "".join(
        f"- {key}: " + textwrap.fill(reason, 88, subsequent_indent="  ") + "\n"
        for key, reason in WITHHELD.items()
    )
    hidden = (
        "- Passwords, two-step sign-in secrets and other credentials are never exported: "
        "they only work on this service.\n"
    )
    fields = "".join(
        f"- {f.table}.{f.column}: {f.description} ({f.category.value}; kept for: {f.purpose})\n"
        for f in exported_fields()
    )
    return f"{INTRO}{withheld}{hidden}\nFields in data.json\n-------------------\n{fields}"
