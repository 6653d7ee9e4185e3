"""Issue 12 (the first hour): the README's Cameras and Watching bullets name routes that
exist and the playback keys the player lists under "Keyboard shortcuts"."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

ROOT = Path(__file__).parents[2]
README = ROOT / "README.md"
PLAYBACK = ROOT / "src/hearthwatch/web/templates/camera_playback.html"


def bullet(name: str) -> str:
    text = README.read_text()
    found = re.search(rf"^- \*\*{name}\*\*.*?(?=^- \*\*)", text, re.S | re.M)
    assert found is not None, name
    return " ".join(found.group(0).split())


def test_issue12_readme_names_routes_that_exist(app: Any) -> None:
    paths = set(app.openapi()["paths"])
    cameras, watching = bullet("Cameras"), bullet("Watching")
    for path in re.findall(r"`(?:POST|GET|PATCH) (/api/v1/[^`]+)`", cameras + watching):
        assert path.replace("{id}", "{camera_id}") in paths, path
    assert "/api/v1/cameras/probe" in cameras and "add_offline" in cameras
    assert "`auto`, `tcp`, `udp`" in cameras and "docs/cameras.md" in cameras
    assert "/clip/range" in watching and "Hearthwatch-Clip-*" in watching


def test_issue12_readme_lists_the_players_keys() -> None:
    listed = set(re.findall(r"<kbd>([^<]+)</kbd>", PLAYBACK.read_text()))
    assert {"Home", "End", "Page Up", "Page Down"} <= listed
    watching = bullet("Watching")
    for key in ("Home/End", "PageDown/PageUp", "arrows", "Keyboard shortcuts"):
        assert key in watching, key
