"""Running the `hearthwatch` command in a process of its own, as an operator would."""

from __future__ import annotations

import subprocess
import sys

from hearthwatch.settings import Settings


def hearthwatch(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    """`hearthwatch ARGS...` against the installation `settings` describe; never raises."""
    env = {
        "HEARTHWATCH_DATA_DIR": str(settings.data_dir),
        "HEARTHWATCH_DATABASE_URL": settings.resolved_database_url,
        "HEARTHWATCH_KEYRING_URL": settings.resolved_keyring_url,
        "HEARTHWATCH_ENVIRONMENT": "development",
        "HEARTHWATCH_MAIL_BACKEND": "outbox",
        "PATH": "/usr/bin:/bin",
    }
    command = [sys.executable, "-m", "hearthwatch.cli", *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, check=False)
