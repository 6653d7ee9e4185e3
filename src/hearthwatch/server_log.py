"""The server log: every HTTP request, kept on this node's disk for a stated time (P36).

Each request line (time, request id, client IP cut to its network, method, path, status,
duration) goes to ``<data dir>/logs/server-YYYY-MM-DD.jsonl``, one file per UTC day, written
with ``O_APPEND`` so several worker processes can share it. The query string is never
logged, and IP and e-mail addresses are masked by the same filter as every other log line
(P45): an IPv4 address keeps only its /24 network, an IPv6 address its /48.

Files older than ``HEARTHWATCH_SERVER_LOG_DAYS`` are deleted when the log moves to a new day
and when a process starts; the log is per node, so each node sweeps its own files (the
privacy check reports any file that outlived its time). ``0`` days keeps no server log.
"""

from __future__ import annotations

import logging
import os
import re
import threading
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from hearthwatch.logs import JsonFormatter, MaskingFilter

ACCESS_LOGGER = "hearthwatch.access"
FILE_NAME = re.compile(r"^server-(\d{4}-\d{2}-\d{2})\.jsonl$")


@dataclass(frozen=True)
class LogFile:
    path: Path
    day: date


def directory(data_dir: Path) -> Path:
    return data_dir / "logs"


def log_files(folder: Path) -> list[LogFile]:
    """The server log files in `folder`, oldest first (other files are left alone)."""
    if not folder.is_dir():
        return []
    found = []
    for path in folder.iterdir():
        match = FILE_NAME.match(path.name)
        if match:
            try:
                found.append(LogFile(path, date.fromisoformat(match.group(1))))
            except ValueError:
                continue
    return sorted(found, key=lambda f: f.day)


def expired(folder: Path, *, today: date, days: int) -> list[LogFile]:
    """Files whose day is more than `days` days before `today` (all of them for 0 days)."""
    oldest_kept = today - timedelta(days=days)
    return [f for f in log_files(folder) if days == 0 or f.day < oldest_kept]


def sweep(folder: Path, *, today: date, days: int) -> list[Path]:
    """Delete the files past their time; what was deleted."""
    gone = []
    for old in expired(folder, today=today, days=days):
        old.path.unlink(missing_ok=True)
        gone.append(old.path)
    return gone


class DailyFileHandler(logging.Handler):
    """Writes each record as one JSON line to the file of its UTC day, then sweeps old days."""

    def __init__(self, folder: Path, *, days: int) -> None:
        super().__init__()
        self.folder, self.days = folder, days
        self._day: date | None = None
        self._fd: int | None = None
        self._lock_day = threading.Lock()
        self.setFormatter(JsonFormatter())
        self.addFilter(MaskingFilter())
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = (self.format(record) + "\n").encode()
            fd = self._file_for(datetime.fromtimestamp(record.created, UTC).date())
            os.write(fd, line)
        except Exception:  # a full disk must not fail the request
            self.handleError(record)

    def _file_for(self, day: date) -> int:
        with self._lock_day:
            if self._fd is not None and day == self._day:
                return self._fd
            if self._fd is not None:
                os.close(self._fd)
            path = self.folder / f"server-{day.isoformat()}.jsonl"
            self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            self._day = day
            sweep(self.folder, today=day, days=self.days)
            return self._fd

    def close(self) -> None:
        with self._lock_day:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None
        super().close()


def install(data_dir: Path, *, days: int) -> DailyFileHandler | None:
    """Keep the request lines of this process in the server log (none for 0 days)."""
    folder = directory(data_dir)
    logger = logging.getLogger(ACCESS_LOGGER)
    for old in [h for h in logger.handlers if isinstance(h, DailyFileHandler)]:
        logger.removeHandler(old)
        old.close()
    logger.setLevel(logging.NOTSET)
    if days == 0:
        sweep(folder, today=datetime.now(UTC).date(), days=0)
        return None
    handler = DailyFileHandler(folder, days=days)
    logger.addHandler(handler)
    # Kept whatever the console's level: the console handler filters by its own level.
    logger.setLevel(logging.INFO)
    return handler
