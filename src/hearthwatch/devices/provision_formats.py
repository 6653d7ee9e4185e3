"""Reading a maker's list of cameras: the formats `hearthwatch devices provision` accepts.

The format is recognised from the text itself:

- **camsim JSON**: what `hearthwatch camsim --json` prints, ``{"cameras": [{"serial",
  "verification_code", "urls": {"main", "sub"}, "username", "password", ...}]}``; its state
  file (``--state``, the same without ``urls``: give an address template) and a bare list of
  such objects read the same. ``rtsp_url``, ``sub_rtsp_url``, ``model`` and
  ``firmware_version`` keys are read too; other keys are ignored.
- **camsim text**: what `hearthwatch camsim` prints: a camera's name on a line of its own,
  then indented ``serial``, ``code``, ``main``, ``sub``, ``login user / password`` and
  ``QR payload`` lines. The printed QR codes and the closing lines are skipped.
- **QR payloads**: one ``HWCAM1;S=...;V=...;U=rtsp://...`` per line, as a label carries it.
- **CSV**: a header line naming the columns, ``serial,verification_code,rtsp_url`` and
  optionally ``sub_rtsp_url,username,password,model,firmware_version``.

Nothing here checks the values: every format yields `RawCamera`s that `provision` checks
the same way, whichever format they came in.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from hearthwatch.protocols.qr_label import LabelInvalid, is_label_payload, parse_label

# The columns (and JSON keys) a camera may have, and the other names they go by.
COLUMNS = (
    "serial",
    "verification_code",
    "rtsp_url",
    "sub_rtsp_url",
    "username",
    "password",
    "model",
    "firmware_version",
)
ALIASES: Mapping[str, str] = {
    "code": "verification_code",
    "main": "rtsp_url",
    "sub": "sub_rtsp_url",
}
# camsim's printed fields, by their label.
TEXT_FIELDS: Mapping[str, str] = {
    "serial": "serial",
    "code": "verification_code",
    "main": "rtsp_url",
    "sub": "sub_rtsp_url",
    "login": "login",
    "QR payload": "payload",
    "QR image": "",  # where camsim wrote the PNG: nothing to import
    "audio": "",  # whether the simulated camera sends sound: the stream itself says so
}
TEXT_NOISE = ("control API:", "Press Ctrl-C", "camsim:")
QR_ART = re.compile(r"^[ █▀▄]+$")
LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d")  # camsim's log, when 2>&1
FIELD_LINE = re.compile(r"^\s+(QR payload|QR image|\w+)\s+(.*)$")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the file: where (line, or camera number in JSON), a stable code."""

    code: str
    message: str
    line: int | None = None
    entry: int | None = None

    def where(self) -> str:
        if self.line is not None:
            return f"line {self.line}"
        return f"camera {self.entry}" if self.entry is not None else "file"

    def as_dict(self) -> dict[str, Any]:
        return {"line": self.line, "entry": self.entry, "code": self.code, "message": self.message}


@dataclass
class RawCamera:
    """One camera as the file gives it, values unchecked (None where absent)."""

    entry: int
    line: int | None
    values: dict[str, str | None] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)  # where a printout gave each field

    def problem(self, code: str, message: str, about: str | None = None) -> Problem:
        """A problem with the camera, at the line of the field it is `about` if known."""
        line = self.lines.get(about, self.line) if about else self.line
        return Problem(code, message, line=line, entry=self.entry)


Format = Literal["json", "csv", "text"]


@dataclass
class Parsed:
    format: Format
    cameras: list[RawCamera] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def parse_cameras(text: str) -> Parsed:
    """The cameras in `text`, in whichever accepted format it is written."""
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    if first.startswith(("{", "[")):
        return _parse_json(text)
    if first.lower().startswith("serial,") or first.lower().startswith("serial;"):
        return _parse_csv(text)
    return _parse_text(text)


# --- JSON ----------------------------------------------------------------------------------


def _parse_json(text: str) -> Parsed:
    parsed = Parsed("json")
    try:
        data = json.loads(text)
    except RecursionError:
        parsed.problems.append(Problem("provision.json_invalid", "The JSON is nested too deep."))
        return parsed
    except ValueError as err:
        parsed.problems.append(Problem("provision.json_invalid", f"This is not valid JSON: {err}."))
        return parsed
    items = data.get("cameras") if isinstance(data, dict) else data
    if not isinstance(items, list):
        parsed.problems.append(
            Problem("provision.json_invalid", 'Expected {"cameras": [...]} or a list of cameras.')
        )
        return parsed
    for number, item in enumerate(items, 1):
        camera = RawCamera(number, None)
        if not isinstance(item, dict):
            parsed.problems.append(camera.problem("provision.entry_invalid", "Not an object."))
            continue
        camera.values = _json_values(item)
        parsed.cameras.append(camera)
    return parsed


def _json_values(item: Mapping[str, Any]) -> dict[str, str | None]:
    urls = item["urls"] if isinstance(item.get("urls"), dict) else {}
    flat = {**{f"url_{k}": v for k, v in urls.items()}, **item}
    values = {
        ALIASES.get(key, key): _text(value)
        for key, value in flat.items()
        if ALIASES.get(key, key) in COLUMNS or key == "payload"
    }
    values.setdefault("rtsp_url", _text(flat.get("url_main")))
    values.setdefault("sub_rtsp_url", _text(flat.get("url_sub")))
    return values


def _text(value: Any) -> str | None:
    """A JSON value as text; numbers are kept (a serial may be all digits), null is absent."""
    if value is None or isinstance(value, (dict, list, bool)):
        return None if value is None else json.dumps(value)
    return str(value)


# --- CSV -----------------------------------------------------------------------------------


def _parse_csv(text: str) -> Parsed:
    parsed = Parsed("csv")
    lines = text.splitlines()
    header_line = next(line for line in lines if line.strip())
    rows = csv.reader(lines, delimiter="," if "," in header_line else ";")
    try:
        _read_rows(parsed, enumerate(rows, 1))
    except csv.Error as err:  # a NUL byte, a field past the csv module's size limit
        line = rows.line_num or None
        parsed.problems.append(Problem("provision.line_invalid", f"Unreadable CSV: {err}.", line))
    return parsed


def _read_rows(parsed: Parsed, rows: Iterator[tuple[int, list[str]]]) -> None:
    header: list[str] | None = None
    for number, row in rows:
        if not any(cell.strip() for cell in row):
            continue
        if header is None:
            header = [ALIASES.get(c.strip().lower(), c.strip().lower()) for c in row]
            parsed.problems += _header_problems(header, number)
            if parsed.problems:
                return  # the rows cannot be read right under a wrong header
            continue
        camera = RawCamera(len(parsed.cameras) + 1, number)
        if len(row) != len(header):
            parsed.problems.append(
                camera.problem(
                    "provision.line_invalid",
                    f"Expected {len(header)} columns as in the header, found {len(row)}.",
                )
            )
            continue
        camera.values = {k: (v.strip() or None) for k, v in zip(header, row, strict=True)}
        parsed.cameras.append(camera)


def _header_problems(header: list[str], line: int) -> list[Problem]:
    problems = [
        Problem(
            "provision.column_unknown",
            f"Unknown column {name!r}; the columns are {', '.join(COLUMNS)}.",
            line=line,
        )
        for name in header
        if name not in COLUMNS
    ]
    duplicates = sorted({name for name in header if header.count(name) > 1})
    problems += [
        Problem("provision.column_duplicate", f"The column {name!r} appears twice.", line=line)
        for name in duplicates
    ]
    missing = [name for name in ("serial", "verification_code") if name not in header]
    if missing:
        problems.append(
            Problem(
                "provision.column_missing",
                f"The header must name the column(s) {', '.join(missing)}.",
                line=line,
            )
        )
    return problems


# --- camsim's printout and QR payload lines --------------------------------------------------


def _parse_text(text: str) -> Parsed:
    parsed = Parsed("text")
    current: RawCamera | None = None
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.rstrip()
        if _skipped(line):
            continue
        if is_label_payload(line):
            current = None
            parsed.cameras.append(RawCamera(len(parsed.cameras) + 1, number, {"payload": line}))
        elif not line[0].isspace():
            current = RawCamera(len(parsed.cameras) + 1, number)  # a camera's name
            parsed.cameras.append(current)
        elif current is None:
            parsed.problems.append(
                Problem("provision.line_invalid", "This line is not part of a camera.", number)
            )
        else:
            parsed.problems += _read_field(current, line, number)
    return parsed


def _skipped(line: str) -> bool:
    """Blank lines and what camsim prints besides its cameras: QR codes drawn in text, its
    log and its closing lines."""
    return (
        not line.strip()
        or line.startswith(TEXT_NOISE)
        or bool(QR_ART.match(line) or LOG_LINE.match(line))
    )


def _read_field(camera: RawCamera, line: str, number: int) -> list[Problem]:
    found = FIELD_LINE.match(line)
    key = TEXT_FIELDS.get(found.group(1)) if found else None
    if found is None or key is None:
        return [Problem("provision.line_invalid", "This line is not a camera field.", number)]
    value = found.group(2).strip()
    if key == "login":
        username, separator, password = value.partition(" / ")
        if not separator:
            message = "Write the login as user / password."
            return [Problem("provision.login_incomplete", message, number)]
        camera.values.update(username=username, password=password)
        camera.lines.update(username=number, password=number)
    elif key:
        camera.values[key] = value
        camera.lines[key] = number
    return []


def payload_values(camera: RawCamera) -> Iterator[Problem]:
    """Fill the camera's serial, code and address from its QR payload where the file gave no
    other value; a payload that contradicts the other fields is a problem."""
    payload = camera.values.pop("payload", None)
    if not payload:
        return
    try:
        identity = parse_label(payload)
    except LabelInvalid as err:
        yield camera.problem("provision.payload_invalid", f"The QR payload is wrong: {err.reason}.")
        return
    given = {
        "serial": identity.serial,
        "verification_code": identity.verification_code,
        "rtsp_url": identity.rtsp_url,
    }
    for key, value in given.items():
        stated = camera.values.get(key)
        if value is None:
            continue
        if stated is None:
            camera.values[key] = value
        elif stated.strip().upper() != value.upper() and key != "rtsp_url":
            yield camera.problem(
                "provision.payload_mismatch", f"The QR payload gives another {key} than the line."
            )
