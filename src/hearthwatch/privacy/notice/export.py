"""The privacy notice as a file, in Markdown or JSON (P48).

`hearthwatch privacy notice export` writes the notice the data map generates: with this
installation's settings, or with `--defaults` the shipped default settings, whatever the
environment says. The repository keeps that default export as `docs/privacy-notice.md`,
so a change to the data map shows up in review as a change to the notice people read,
and tests/privacy/notice/test_notice_export.py fails until the file is regenerated.

The export depends on nothing but the document: no date, no host, no order that could
change from one run to the next (the document's own order, which the code fixes).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hearthwatch.privacy.notice.content import digest
from hearthwatch.settings import Settings

SNAPSHOT = Path("docs/privacy-notice.md")
REGENERATE = f"hearthwatch privacy notice export --defaults --output {SNAPSHOT}"
FORMATS = ("markdown", "json")


def default_settings() -> Settings:
    """The shipped defaults, read from no environment variable and no file."""
    return Settings.model_construct()


def render(document: dict[str, Any], fmt: str) -> str:
    return as_json(document) if fmt == "json" else as_markdown(document)


def as_json(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def as_markdown(document: dict[str, Any]) -> str:
    """Every part of the document, in its order: lists of records as tables."""
    lines = [
        f"# {document.get('title', 'Privacy notice')}",
        "",
        f"Generated from the data map; do not edit by hand. Regenerate with `{REGENERATE}`.",
        "",
        f"Digest of the notice (as published versions record it): `{digest(document)}`",
    ]
    for key, value in document.items():
        if key != "title":
            lines += ["", f"## {_heading(key)}", "", *_block(value)]
    return "\n".join(lines) + "\n"


def _heading(key: str) -> str:
    return key.replace("_", " ").capitalize()


def _block(value: Any) -> list[str]:
    if isinstance(value, list):
        if value and all(isinstance(item, dict) for item in value):
            return _table(value)
        return [f"- {_text(item)}" for item in value] or ["(none)"]
    if isinstance(value, dict):
        return [f"- **{_heading(str(key))}**: {_text(item)}" for key, item in value.items()]
    return [_text(value)]


def _table(rows: list[dict[str, Any]]) -> list[str]:
    columns = list(dict.fromkeys(key for row in rows for key in row))
    return [
        "| " + " | ".join(_heading(column) for column in columns) + " |",
        "|" + "---|" * len(columns),
        *("| " + " | ".join(_text(row.get(column)) for column in columns) + " |" for row in rows),
    ]


def _text(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict):
        return "; ".join(f"{key}: {_text(item)}" for key, item in value.items())
    if isinstance(value, list):
        return ", ".join(_text(item) for item in value)
    return str(value).replace("|", "\\|").replace("\n", " ")
