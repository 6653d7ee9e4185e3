"""P17 (issue 11, item 13): the "download once" link gives the archive to one request only."""

from __future__ import annotations

import threading
import zipfile
from contextlib import closing
from io import BytesIO
from typing import Any

import httpx

from hearthwatch.accounts.models import User
from hearthwatch.context import AppContext
from hearthwatch.privacy.audit import service as audit
from hearthwatch.privacy.export import service as export
from tests.conftest import STRONG_PASSWORD, LiveServer
from tests.factories import build_export

PARALLEL = 8


def signed_in_client(server: LiveServer, email: str) -> httpx.Client:
    client = httpx.Client(base_url=server.url, timeout=60)
    answer = client.post("/api/v1/auth/login", json={"email": email, "password": STRONG_PASSWORD})
    assert answer.status_code == 200, answer.text
    return client


def download_together(server: LiveServer, email: str, url: str) -> list[httpx.Response]:
    """`PARALLEL` requests for the same link, each on its own connection, released at once."""
    clients = [signed_in_client(server, email) for _ in range(PARALLEL)]
    start = threading.Barrier(PARALLEL)
    answers: list[httpx.Response] = []
    lock = threading.Lock()

    def fetch(client: httpx.Client) -> None:
        start.wait()
        answer = client.get(url)
        with lock:
            answers.append(answer)

    threads = [threading.Thread(target=fetch, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for client in clients:
        client.close()
    return answers


def test_p17_item13_parallel_downloads_give_the_archive_once(
    live_server: LiveServer, ctx: AppContext, make_user: Any
) -> None:
    alice: User = make_user()
    job = build_export(ctx, alice)
    whole = export.archive_path(ctx, job.id).read_bytes()
    with closing(signed_in_client(live_server, alice.email)) as client:
        url = client.get("/api/v1/privacy/exports").json()[0]["download_url"]
    answers = download_together(live_server, alice.email, url)
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [200] + [410] * (PARALLEL - 1), statuses
    won = next(a for a in answers if a.status_code == 200)
    assert won.content == whole
    with zipfile.ZipFile(BytesIO(won.content)) as archive:
        assert "data.json" in archive.namelist()
    codes = {a.json()["error"]["code"] for a in answers if a.status_code == 410}
    assert codes == {"privacy.export_downloaded"}
    assert not export.archive_path(ctx, job.id).exists()
    with ctx.db.session() as session:
        actions = [e.action for e in audit.entries_about(session, alice.id)]
    assert actions.count("privacy.export_downloaded") == 1


def test_p17_item13_a_used_link_is_410_not_500_once_the_file_is_gone(
    live_server: LiveServer, ctx: AppContext, make_user: Any
) -> None:
    alice: User = make_user()
    job = build_export(ctx, alice)
    with closing(signed_in_client(live_server, alice.email)) as client:
        url = client.get("/api/v1/privacy/exports").json()[0]["download_url"]
        export.archive_path(ctx, job.id).unlink()  # the file went before the row said so
        answer = client.get(url)
    assert answer.status_code == 410
    assert answer.json()["error"]["code"] == "privacy.export_downloaded"
