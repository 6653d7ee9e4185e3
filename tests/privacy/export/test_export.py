"""P17 (access) and P23 (portability): "Download my data" builds a complete, playable archive."""

from __future__ import annotations

import io
import json
import subprocess
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest
from fastapi.testclient import TestClient

from hearthwatch.accounts.models import User
from hearthwatch.context import AppContext
from hearthwatch.privacy.audit import service as audit
from hearthwatch.privacy.export import build as export_build
from hearthwatch.privacy.export import service as export
from hearthwatch.privacy.export.archive import schema_text
from hearthwatch.privacy.export.models import DataExport
from hearthwatch.privacy.export.tables import WITHHELD, exported_tables
from tests.conftest import STRONG_PASSWORD, sign_in
from tests.factories import RECORDED_AT_US as T0
from tests.factories import Recorded, add_recorded_camera, build_export, open_export


def ffprobe_ok(data: bytes, tmp_path: Path) -> dict[str, Any]:
    path = tmp_path / "probe.mp4"
    path.write_bytes(data)
    result = subprocess.run(
        ["ffprobe", "-v", "error", "-count_frames", "-of", "json", "-show_format",
         "-show_streams", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )  # fmt: skip
    assert result.returncode == 0 and not result.stderr, result.stderr
    probed: dict[str, Any] = json.loads(result.stdout)
    return probed


@pytest.fixture
def recorded(ctx: AppContext, alice: User) -> list[Recorded]:
    return [
        add_recorded_camera(ctx, alice.id, "Front door", [(T0, 3), (T0 + 60_000_000, 2)]),
        add_recorded_camera(ctx, alice.id, "Garden/Back", [(T0, 1)]),
    ]


def test_p17_archive_holds_every_exported_personal_column(
    ctx: AppContext, alice: User, recorded: list[Recorded]
) -> None:
    job = build_export(ctx, alice)
    assert job.state == "ready" and job.objects_done == job.objects_total
    with open_export(ctx, job) as archive:
        data = json.loads(archive.read("data.json"))
        assert archive.read("export_schema.json").decode() == schema_text()
        readme = archive.read("README.txt").decode()
    assert jsonschema_rs.validator_for(json.loads(schema_text())).is_valid(data)
    for table in exported_tables():
        rows = data["tables"][table.name]
        for personal in table.fields:
            assert personal.key in readme
            if rows:
                assert all(personal.column in row for row in rows), personal.key
    assert data["tables"]["users"][0]["email"] == alice.email
    assert len(data["tables"]["cameras"]) == 2
    assert len(data["tables"]["segments"]) == 6
    assert data["tables"]["data_exports"][0]["id"] == job.id


def test_p17_camera_credentials_are_withheld_not_leaked(
    ctx: AppContext, alice: User, recorded: list[Recorded]
) -> None:
    job = build_export(ctx, alice)
    with open_export(ctx, job) as archive:
        data = json.loads(archive.read("data.json"))
    for camera in data["tables"]["cameras"]:
        assert camera["credentials"] == {"withheld": WITHHELD["cameras.credentials"]}
        assert camera["rtsp_url"] == "rtsp://192.0.2.10:554/stream1"
    assert "password_hash" not in data["tables"]["users"][0]


def test_p17_recordings_are_playable_mp4_per_stretch(
    ctx: AppContext, alice: User, recorded: list[Recorded], tmp_path: Path
) -> None:
    job = build_export(ctx, alice)
    with open_export(ctx, job) as archive:
        data = json.loads(archive.read("data.json"))
        files = [e["file"] for e in data["recordings"]]
        assert sorted(files) == sorted(n for n in archive.namelist() if n.startswith("recordings/"))
        assert len(files) == 3  # two stretches of the front door, one of the garden
        for entry in data["recordings"]:
            info = archive.getinfo(entry["file"])
            assert info.compress_type == zipfile.ZIP_STORED
            probed = ffprobe_ok(archive.read(info), tmp_path)
            stream = probed["streams"][0]
            assert stream["codec_name"] == "h264"
            frames = sum(s["frames"] for s in entry["segments"])
            assert int(stream["nb_read_frames"]) == frames
            assert float(probed["format"]["start_time"]) == 0.0
        snapshots = [n for n in archive.namelist() if n.startswith("snapshots/")]
        assert len(snapshots) == 2
        assert archive.read(snapshots[0])[:3] == b"\xff\xd8\xff"
    assert "recordings/Garden-Back-" in " ".join(files)


def test_p17_audit_entries_about_the_person_are_in_the_archive(
    ctx: AppContext, alice: User
) -> None:
    job = build_export(ctx, alice)
    with open_export(ctx, job) as archive:
        entries = json.loads(archive.read("audit.json"))["entries"]
    assert [e["action"] for e in entries] == ["privacy.export_requested"]
    with ctx.db.session() as session:
        actions = [e.action for e in audit.entries_about(session, alice.id)]
    assert actions == ["privacy.export_requested", "privacy.export_ready"]


def test_p17_export_over_api_with_progress_and_one_download(
    client: TestClient, ctx: AppContext, alice: User, recorded: list[Recorded]
) -> None:
    started = client.post("/api/v1/privacy/exports", json={"password": STRONG_PASSWORD})
    assert started.status_code == 202, started.text
    job = wait_ready(client)
    assert job["bytes_done"] == job["bytes_total"] > 0
    download = client.get(job["download_url"])
    assert download.status_code == 200
    assert download.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(download.content)) as archive:
        assert "data.json" in archive.namelist()
    assert not export.archive_path(ctx, job["id"]).exists()
    again = client.get(job["download_url"])
    assert again.status_code == 410
    assert again.json()["error"]["code"] == "privacy.export_downloaded"
    listed = client.get("/api/v1/privacy/exports").json()
    assert listed[0]["state"] == "downloaded" and listed[0]["download_url"] is None
    with ctx.db.session() as session:
        actions = [e.action for e in audit.entries_about(session, alice.id)]
    assert actions[-1] == "privacy.export_downloaded"


def wait_for_state(client: TestClient, states: set[str], timeout: float = 60) -> dict[str, Any]:
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        jobs = client.get("/api/v1/privacy/exports").json()
        if jobs and jobs[0]["state"] in states:
            job: dict[str, Any] = jobs[0]
            return job
        time.sleep(0.1)
    raise AssertionError(f"export never reached {states}")


def wait_ready(client: TestClient) -> dict[str, Any]:
    job = wait_for_state(client, {"ready", "failed"})
    assert job["state"] == "ready", job
    return job


def test_p17_export_needs_the_password_again(client: TestClient, alice: User) -> None:
    wrong = client.post("/api/v1/privacy/exports", json={"password": "not-my-password-1"})
    assert wrong.status_code == 401
    assert wrong.json()["error"]["code"] == "privacy.reauth_failed"
    assert client.get("/api/v1/privacy/exports").json() == []


def test_p17_one_export_at_a_time(ctx: AppContext, alice: User) -> None:
    with ctx.db.session() as session:
        user = session.get(User, alice.id)
        assert user is not None
        export.request_export(ctx, session, user=user, password=STRONG_PASSWORD)
    with ctx.db.session() as session, pytest.raises(export.Conflict) as refused:
        user = session.get(User, alice.id)
        assert user is not None
        export.request_export(ctx, session, user=user, password=STRONG_PASSWORD)
    assert refused.value.code == "privacy.export_in_progress"


def test_p17_expired_link_deletes_the_file_and_answers_410(
    client: TestClient, ctx: AppContext, alice: User
) -> None:
    with ctx.clock.frozen(datetime.now(UTC)):
        job = build_export(ctx, alice)
        path = export.archive_path(ctx, job.id)
        assert path.exists() and (path.stat().st_mode & 0o777) == 0o600
        url = client.get("/api/v1/privacy/exports").json()[0]["download_url"]
        ctx.clock.advance(timedelta(hours=ctx.settings.export_link_hours, seconds=1))
        assert export.sweep(ctx) == 0  # the sweep expires it: the file is gone already
        assert not path.exists()
        gone = client.get(url)
    assert gone.status_code == 410
    assert gone.json()["error"]["code"] == "privacy.export_expired"
    with ctx.db.session() as session:
        actions = [e.action for e in audit.entries_about(session, alice.id)]
    assert actions[-1] == "privacy.export_expired"


def test_p17_expiry_is_also_checked_on_access(
    client: TestClient, ctx: AppContext, alice: User
) -> None:
    with ctx.clock.frozen(datetime.now(UTC)):
        job = build_export(ctx, alice)
        ctx.clock.advance(timedelta(hours=ctx.settings.export_link_hours, seconds=1))
        listed = client.get("/api/v1/privacy/exports").json()
    assert listed[0]["state"] == "expired"
    assert not export.archive_path(ctx, job.id).exists()


def test_p17_another_users_export_is_refused(
    client: TestClient, ctx: AppContext, alice: User, make_user: Any
) -> None:
    job = build_export(ctx, alice)
    url = client.get("/api/v1/privacy/exports").json()[0]["download_url"]
    bob = make_user("bob@example.org")
    client.cookies.clear()
    sign_in(client, bob.email)
    assert client.get(url).status_code == 404
    assert client.delete(f"/api/v1/privacy/exports/{job.id}").status_code == 404
    assert client.get("/api/v1/privacy/exports").json() == []
    assert export.archive_path(ctx, job.id).exists()


def test_p17_wrong_token_is_refused(client: TestClient, ctx: AppContext, alice: User) -> None:
    job = build_export(ctx, alice)
    refused = client.get(f"/api/v1/privacy/exports/{job.id}/download?token=forged")
    assert refused.status_code == 404
    assert export.archive_path(ctx, job.id).exists()


def test_p17_delete_removes_the_file(client: TestClient, ctx: AppContext, alice: User) -> None:
    job = build_export(ctx, alice)
    assert client.delete(f"/api/v1/privacy/exports/{job.id}").status_code == 204
    assert not export.archive_path(ctx, job.id).exists()
    assert client.get("/api/v1/privacy/exports").json() == []


def test_p17_sweep_fails_exports_without_a_build_job_and_removes_orphans(
    ctx: AppContext, alice: User
) -> None:
    with ctx.db.session() as session:
        job = DataExport(user_id=alice.id, state="building", requested_at=ctx.clock.now())
        session.add(job)
        session.flush()
        job_id = job.id
    export.archive_path(ctx, job_id).with_suffix(".part").write_bytes(b"half")
    (export.exports_dir(ctx) / "0123.zip").write_bytes(b"orphan")
    assert export.sweep(ctx) == 2  # no build job is queued for it
    with ctx.db.session() as session:
        stale = session.get(DataExport, job_id)
        assert stale is not None
        assert (stale.state, stale.error_code) == ("failed", "privacy.export_interrupted")


def test_p17_export_page_requests_and_shows_the_link(
    client: TestClient, ctx: AppContext, alice: User
) -> None:
    page = client.get("/privacy/export")
    assert page.status_code == 200 and "Prepare my data" in page.text
    assert '<script src="/static/export.js"' in page.text
    token = client.cookies["hw_csrf"]
    wrong = client.post("/privacy/export", data={"csrf_token": token, "password": "nope"})
    assert wrong.status_code == 401 and "The password is wrong" in wrong.text
    started = client.post(
        "/privacy/export",
        data={"csrf_token": token, "password": STRONG_PASSWORD},
        follow_redirects=False,
    )
    assert started.status_code == 303
    job = wait_ready(client)
    assert job["download_url"] in client.get("/privacy/export").text.replace("&amp;", "&")
    deleted = client.post(
        f"/privacy/export/{job['id']}/delete", data={"csrf_token": token}, follow_redirects=False
    )
    assert deleted.status_code == 303
    assert not export.archive_path(ctx, job["id"]).exists()


def test_p17_a_new_personal_column_is_exported_without_code_changes(
    ctx: AppContext, alice: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hearthwatch.privacy.datamap import service as datamap
    from hearthwatch.privacy.export import tables as export_tables

    declared = datamap.PersonalField(
        "sessions",
        "expires_at",
        "end of a sign-in session",
        datamap.Category.USAGE,
        "showing the user where they are signed in",
        datamap.LegalBasis.CONTRACT,
        datamap.SESSION_LIFE,
    )
    monkeypatch.setattr(export_tables, "PERSONAL_FIELDS", (*datamap.PERSONAL_FIELDS, declared))
    job = build_export(ctx, alice)
    with open_export(ctx, job) as archive:
        data = json.loads(archive.read("data.json"))
        readme = archive.read("README.txt").decode()
    (signed_in,) = data["tables"]["sessions"]
    assert datetime.fromisoformat(signed_in["expires_at"]) > datetime.now(UTC)
    assert "sessions.expires_at: end of a sign-in session" in readme


def test_p17_the_job_runner_sweeps_expired_archives_unasked(
    ctx: AppContext, make_user: Any
) -> None:
    """Issue 13 item 1: the sweep is a periodic job of the node's runner (due at its first
    start), no longer a thread each API process started from its router."""
    from hearthwatch.jobs import catalog
    from hearthwatch.jobs.catalog import EXPORT_SWEEP, periodic_jobs
    from hearthwatch.jobs.runner import Runner

    user = make_user()
    with ctx.clock.frozen(datetime.now(UTC)):
        job = build_export(ctx, user)
        ctx.clock.advance(timedelta(hours=ctx.settings.export_link_hours, minutes=1))
        sweeps = [j for j in periodic_jobs(ctx.settings) if j.name == EXPORT_SWEEP]
        runner = Runner(ctx, periodic=sweeps, kinds=catalog.registry())
        assert runner.scheduler is not None and runner.scheduler.run_due() == [EXPORT_SWEEP]
    assert not export.archive_path(ctx, job.id).exists()
    with ctx.db.session() as session:
        swept = session.get(DataExport, job.id)
        assert swept is not None and swept.state == "expired"


def test_p17_a_deleted_job_is_not_built(ctx: AppContext, alice: User) -> None:
    with ctx.db.session() as session:
        user = session.get(User, alice.id)
        assert user is not None
        job_id = export.request_export(ctx, session, user=user, password=STRONG_PASSWORD).id
    with ctx.db.session() as session:
        export.delete_export(ctx, session, user=user, export_id=job_id)
    export_build.build(ctx, job_id)
    assert not export.archive_path(ctx, job_id).exists()
    assert not export.archive_path(ctx, job_id).with_suffix(".part").exists()
