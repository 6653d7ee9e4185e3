"""The privacy notice kept in the repository (docs/privacy-notice.md) is the one the data
map generates (P48, issue 4 item 2): a change to the data map, the consent purposes, the
cookies or the notice's wording fails here until the file is regenerated."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from hearthwatch import cli
from hearthwatch.privacy.datamap import service as datamap
from hearthwatch.privacy.notice import content as notice_content
from hearthwatch.privacy.notice import export as notice_export
from hearthwatch.privacy.notice.export import REGENERATE, SNAPSHOT

REPOSITORY = Path(__file__).resolve().parents[3]


def generated_markdown() -> str:
    return notice_export.as_markdown(notice_content.generate(notice_export.default_settings()))


def committed() -> str:
    return (REPOSITORY / SNAPSHOT).read_text(encoding="utf-8")


def test_p48_the_committed_notice_is_the_one_the_data_map_generates() -> None:
    assert generated_markdown() == committed(), (
        f"{SNAPSHOT} is not what the data map generates now: review the change, then run "
        f"`{REGENERATE}` and commit the file"
    )


def test_p48_a_change_to_the_data_map_shows_in_the_committed_notice(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    longer = replace(datamap.PERSONAL_FIELDS[0], retention=datamap.Retention("10 years", 3650))
    monkeypatch.setattr(datamap, "PERSONAL_FIELDS", (longer, *datamap.PERSONAL_FIELDS[1:]))
    changed = generated_markdown()
    assert changed != committed()
    assert "| 10 years | 3650 |" in changed


def test_p48_the_export_command_writes_it_the_same_whatever_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("HEARTHWATCH_DATA_REGION", "US (Oregon)")
    monkeypatch.setenv("HEARTHWATCH_PUBLIC_URL", "https://cams.example.org")
    target = tmp_path / "docs" / "privacy-notice.md"
    for _ in range(2):  # twice: nothing in it changes from one run to the next
        assert cli.main(["privacy", "notice", "export", "--defaults", "--output", str(target)]) == 0
        assert target.read_text(encoding="utf-8") == committed()
    assert "wrote the privacy notice" in capsys.readouterr().out

    assert cli.main(["privacy", "notice", "export", "--format", "json"]) == 0
    own = json.loads(capsys.readouterr().out)  # this installation's settings, not the defaults
    assert own["storage_region"] == "US (Oregon)"
    assert own["service"] == "https://cams.example.org"


def test_the_export_lists_every_part_of_the_notice() -> None:
    document = notice_content.generate(notice_export.default_settings())
    text = notice_export.as_markdown(document)
    assert f"`{notice_content.digest(document)}`" in text
    for key in document:
        if key != "title":
            assert f"\n## {key.replace('_', ' ').capitalize()}\n" in text
    for field in datamap.PERSONAL_FIELDS:
        assert f"| {field.key} |" in text
