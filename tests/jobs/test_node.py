"""Issue 13 item 1: `hearthwatch serve --workers 2` runs the node's job runner (in the
supervising process: the workers only serve), so periodic jobs run and queued ones are
taken with several workers too; before, no background work ran there at all."""

from __future__ import annotations

import sqlite3
import subprocess
import time
from pathlib import Path

from tests.platform.test_workers import workers  # noqa: F401 (the fixture)

PERIODIC = {
    "homes.arming_schedule",
    "jobs.purge",
    "privacy.export_sweep",
    "privacy.minors",
    "privacy.request_reminders",
    "privacy.retention",
}


def ran_periodic_jobs(database: Path) -> set[str]:
    try:
        with sqlite3.connect(database) as db:
            rows = db.execute("SELECT name FROM scheduled_jobs WHERE last_outcome = 'ok'")
            return {name for (name,) in rows}
    except sqlite3.OperationalError:  # not migrated yet
        return set()


def test_issue13_item1_several_workers_still_run_background_work(
    workers: tuple[subprocess.Popen[bytes], int],  # noqa: F811
    tmp_path: Path,
) -> None:
    database = tmp_path / "data" / "hearthwatch.db"
    deadline = time.monotonic() + 60
    while ran_periodic_jobs(database) != PERIODIC:
        assert time.monotonic() < deadline, ran_periodic_jobs(database)
        time.sleep(0.2)
