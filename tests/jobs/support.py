"""Job kinds for the tests of the job system, and a runner process to kill (`python -m`).

    python -m tests.jobs.support DATABASE_URL DATA_DIR MARKER

runs one runner that claims one `test.hang` job, writes MARKER (the runner's node name)
once its handler started, and never finishes it: the test kills the process with SIGKILL.
"""

from __future__ import annotations

import sys
import threading
from collections import Counter
from datetime import timedelta
from pathlib import Path

from hearthwatch.context import AppContext, build_context
from hearthwatch.jobs.registry import JobKind, Payload, Registry
from hearthwatch.jobs.runner import Runner
from hearthwatch.settings import Settings

HANG = "test.hang"
HANG_LEASE = timedelta(seconds=3)  # renewed every second while the handler runs


class Ledger:
    """Which job payloads ran, how often, and on which thread's runner."""

    def __init__(self, pause: float = 0.0) -> None:
        self.pause = pause
        self.runs: Counter[str] = Counter()
        self.lock = threading.Lock()

    def __call__(self, ctx: AppContext, payload: Payload) -> None:
        with self.lock:
            self.runs[str(payload["n"])] += 1
        if self.pause:
            threading.Event().wait(self.pause)  # real time: lets a racing runner try meanwhile


class Failing:
    """A handler that always fails, as a job whose camera is away would."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, ctx: AppContext, payload: Payload) -> None:
        self.calls += 1
        raise RuntimeError(f"camera offline (try {self.calls})")


def _hang_forever(marker: Path, node: str) -> JobKind:
    def hang(ctx: AppContext, payload: Payload) -> None:
        marker.write_text(node)
        threading.Event().wait()

    return JobKind(HANG, hang, max_attempts=3, lease=HANG_LEASE)


def settings_for(database_url: str, data_dir: Path) -> Settings:
    return Settings(
        environment="test",
        data_dir=data_dir,
        database_url=database_url,
        mail_backend="outbox",
        log_json=False,
    )


def main(database_url: str, data_dir: str, marker: str) -> None:
    ctx = build_context(settings_for(database_url, Path(data_dir)))
    node = "doomed-runner"
    kinds = Registry([_hang_forever(Path(marker), node)])
    Runner(ctx, periodic=(), kinds=kinds, node=node).run_one()


if __name__ == "__main__":
    main(*sys.argv[1:4])
