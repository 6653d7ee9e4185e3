"""P23 (portability) in the web app: /privacy/import runs the same import as the API and
shows what came in, or refuses a hostile, broken or oversized archive next to the field."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from hearthwatch.accounts.models import User
from hearthwatch.context import AppContext
from tests.factories import Recorded, cameras_of
from tests.support.forms import csrf
from tests.support.hostile_archives import HOSTILE
from tests.web.conftest import PageStructure, web_sign_in

PAGE = "/privacy/import"


def upload(client: TestClient, payload: bytes, name: str = "export.zip") -> Any:
    token = csrf(client, PAGE)
    files = {"archive": (name, payload, "application/zip")}
    return client.post(PAGE, data={"csrf_token": token}, files=files)


BOUNDARY = "hearthwatch-test-boundary"


def multipart(token: str, payload: bytes) -> bytes:
    """A form body by hand, so it can be sent without a content length."""
    head = (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n'
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="archive"; '
        'filename="big.zip"\r\nContent-Type: application/zip\r\n\r\n'
    )
    return head.encode() + payload + f"\r\n--{BOUNDARY}--\r\n".encode()


def leftovers(ctx: AppContext) -> list[Path]:
    folder = ctx.settings.data_dir / "imports"
    return list(folder.iterdir()) if folder.exists() else []


def test_p23_import_page_brings_in_an_archive_and_says_what_came(
    client: TestClient, ctx: AppContext, make_user: Any,
    archive: tuple[Path, list[Recorded]],
) -> None:  # fmt: skip
    path, _ = archive
    client.cookies.clear()
    bob: User = make_user("bob@example.org")
    web_sign_in(client, bob.email)
    assert f'href="{PAGE}"' in client.get("/privacy/export").text
    shown = client.get(PAGE)
    structure = PageStructure(shown.text)
    assert 'enctype="multipart/form-data"' in shown.text
    assert "im-archive" in {c["id"] for c in structure.controls()}
    assert (structure.inline_scripts, structure.style_blocks, structure.styled()) == (0, 0, [])

    done = upload(client, path.read_bytes())
    assert done.status_code == 200, done.text
    assert "Profile: nickname, real name, picture" in done.text
    assert "2 cameras" in done.text and "7 recordings" in done.text
    assert sorted(cameras_of(ctx, bob.id)) == ["Front door", "Garden"]
    assert leftovers(ctx) == []


@pytest.mark.parametrize("case", ["path traversal", "not a zip"])
def test_p23_import_page_refuses_a_hostile_archive_next_to_the_field(
    client: TestClient, ctx: AppContext, alice: User, case: str
) -> None:
    payload, code = HOSTILE[case]
    refused = upload(client, payload)
    assert refused.status_code == 422
    assert 'id="im-archive-error"' in refused.text and 'aria-invalid="true"' in refused.text
    assert f"<code>{code}</code>" in refused.text
    assert cameras_of(ctx, alice.id) == {}
    assert leftovers(ctx) == []


def test_p23_import_page_refuses_an_oversized_or_missing_file(
    client: TestClient, ctx: AppContext, alice: User
) -> None:
    ctx.settings.import_max_bytes = 1024 * 1024
    big = upload(client, bytes(2 * 1024 * 1024))
    assert big.status_code == 413
    assert "larger than this service accepts" in big.text and 'id="im-archive-error"' in big.text
    streamed = client.post(  # no length announced: counted as it arrives
        PAGE,
        content=iter([multipart(csrf(client, PAGE), bytes(2 * 1024 * 1024))]),
        headers={"content-type": f"multipart/form-data; boundary={BOUNDARY}"},
    )
    assert streamed.status_code == 413 and "larger than this service" in streamed.text
    missing = client.post(PAGE, data={"csrf_token": csrf(client, PAGE)})
    assert missing.status_code == 422 and "Choose the archive" in missing.text
    forged = client.post(
        PAGE, data={"csrf_token": "forged"}, files={"archive": ("a.zip", b"x", "application/zip")}
    )
    assert forged.status_code == 403 and "came from another site" in forged.text
    assert leftovers(ctx) == []


def test_p23_import_page_needs_sign_in(client: TestClient) -> None:
    away = client.get(PAGE, follow_redirects=False)
    assert away.status_code == 303 and away.headers["location"].startswith("/signin")
