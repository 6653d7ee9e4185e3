"""The server log (P36): each request kept on disk with the IP cut to its network, for the
stated number of days, then deleted; the notice and the privacy check know about it."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from hearthwatch import server_log
from hearthwatch.context import AppContext
from hearthwatch.privacy.notice import content as notice_content
from hearthwatch.privacy.oversight.check import check
from hearthwatch.settings import Settings
from tests.conftest import STRONG_PASSWORD


@pytest.fixture
def kept(settings: Settings) -> Iterator[Path]:
    """The server log of this process, in the test's data directory."""
    server_log.install(settings.data_dir, days=settings.server_log_days)
    yield server_log.directory(settings.data_dir)
    server_log.install(settings.data_dir, days=30)  # replaces ours...
    logger = logging.getLogger(server_log.ACCESS_LOGGER)
    for handler in list(logger.handlers):  # ...and takes it away again
        logger.removeHandler(handler)
        handler.close()


def lines(folder: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for f in server_log.log_files(folder) for line in
            f.path.read_text().splitlines()]  # fmt: skip


def touch_day(folder: Path, day: date) -> Path:
    path = folder / f"server-{day.isoformat()}.jsonl"
    path.write_text('{"message": "request"}\n')
    return path


def test_p36_each_request_is_kept_with_the_ip_cut_to_its_network(
    kept: Path, live_server: Any, alice: Any
) -> None:
    before = len(lines(kept))  # the fixtures' own requests, the live server's health checks
    with httpx.Client(base_url=live_server.url) as browser:
        browser.get("/api/v1/health", params={"token": "hwt_secret-in-the-query"})
        browser.post("/api/v1/auth/login", json={"email": alice.email, "password": STRONG_PASSWORD})
    # A line is written once its response has gone: give the last one a moment to land.
    deadline = time.monotonic() + 5
    while len(found := lines(kept)[before:]) < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert sorted((e["method"], e["path"], e["status"]) for e in found) == [
        ("GET", "/api/v1/health", 200), ("POST", "/api/v1/auth/login", 200),
    ]  # fmt: skip
    for entry in found:
        assert entry["client"] == "127.0.0.0"  # 127.0.0.1 cut to its /24 network
        assert entry["time"].startswith(datetime.now(UTC).strftime("%Y-%m-%d"))
        assert len(entry["request_id"]) == 16 and entry["duration_ms"] >= 0
    text = "".join(f.path.read_text() for f in server_log.log_files(kept))
    for secret in ("hwt_secret", STRONG_PASSWORD, alice.email, "127.0.0.1"):
        assert secret not in text
    (only,) = server_log.log_files(kept)
    assert only.path.stat().st_mode & 0o777 == 0o600


def test_p36_files_past_their_time_go_when_the_log_moves_to_a_new_day(tmp_path: Path) -> None:
    folder = tmp_path / "logs"
    handler = server_log.DailyFileHandler(folder, days=30)
    old = touch_day(folder, date(2026, 10, 1))
    edge = touch_day(folder, date(2026, 10, 22))  # exactly 30 days before 21 Nov: kept
    unrelated = folder / "notes.txt"
    unrelated.write_text("not a log")
    record = logging.makeLogRecord({"msg": "request", "path": "/"})
    record.created = datetime(2026, 11, 21, 12, tzinfo=UTC).timestamp()
    handler.emit(record)
    handler.close()
    assert not old.exists() and edge.exists() and unrelated.exists()
    assert [f.day for f in server_log.log_files(folder)] == [date(2026, 10, 22), date(2026, 11, 21)]


def test_p36_no_server_log_is_kept_with_zero_days(tmp_path: Path) -> None:
    folder = server_log.directory(tmp_path)
    folder.mkdir()
    earlier = touch_day(folder, datetime.now(UTC).date())
    assert server_log.install(tmp_path, days=0) is None
    assert not earlier.exists()
    logger = logging.getLogger(server_log.ACCESS_LOGGER)
    assert not [h for h in logger.handlers if isinstance(h, server_log.DailyFileHandler)]


def test_p36_the_privacy_check_reports_a_log_file_past_its_time(
    ctx: AppContext, settings: Settings
) -> None:
    folder = server_log.directory(settings.data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    touch_day(folder, ctx.clock.now().date() - timedelta(days=10))
    assert not [f for f in check(ctx).findings if f.subject.startswith("server log")]
    stale = touch_day(folder, ctx.clock.now().date() - timedelta(days=45))
    (finding,) = [f for f in check(ctx).findings if f.subject.startswith("server log")]
    assert finding.kind == "retention" and finding.count == 1
    assert finding.oldest == stale.name[7:17]
    server_log.sweep(folder, today=ctx.clock.now().date(), days=settings.server_log_days)
    assert check(ctx).ok


def test_p36_the_notice_states_what_the_server_log_holds_and_for_how_long(
    settings: Settings,
) -> None:
    settings.server_log_days = 14
    (entry,) = [
        o for o in notice_content.generate(settings)["stored_objects"]
        if o["key"] == "object:server_log"
    ]  # fmt: skip
    assert entry["retention_days"] == 14 and "cut to its network" in entry["description"]
    settings.server_log_days = 0
    keys = [o["key"] for o in notice_content.generate(settings)["stored_objects"]]
    assert "object:server_log" not in keys
