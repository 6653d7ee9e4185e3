"""One validated settings object; placeholder secrets refused outside development."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from pydantic import ValidationError

from hearthwatch.security.keys import load_or_create_master_key
from hearthwatch.settings import Settings


def test_environment_prefix_and_data_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HEARTHWATCH_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("HEARTHWATCH_SESSION_DAYS", "7")
    settings = Settings()
    assert settings.data_dir == tmp_path and settings.session_days == 7
    assert settings.resolved_database_url == f"sqlite:///{tmp_path.resolve()}/hearthwatch.db"


def test_config_file_is_read_and_env_wins(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    config = tmp_path / "hearthwatch.toml"
    config.write_text('session_days = 9\nlog_level = "warning"\nsmtp_port = 2525\n')
    monkeypatch.setenv("HEARTHWATCH_CONFIG", str(config))
    monkeypatch.setenv("HEARTHWATCH_SMTP_PORT", "2626")
    settings = Settings()
    assert (settings.session_days, settings.log_level, settings.smtp_port) == (9, "WARNING", 2626)


@pytest.mark.parametrize("secret", ["changeme", "secret", "short-but-not-placeholder"])
def test_placeholder_secrets_refused_in_production(secret: str) -> None:
    with pytest.raises(ValidationError, match="placeholder"):
        Settings(environment="production", secret_key=secret, mail_backend="smtp")


def test_placeholder_allowed_in_development() -> None:
    assert Settings(environment="development", secret_key="changeme").secret_key == "changeme"


def test_outbox_refused_in_production() -> None:
    with pytest.raises(ValidationError, match="outbox"):
        Settings(environment="production", mail_backend="outbox")


def test_invalid_values_are_refused() -> None:
    with pytest.raises(ValidationError):
        Settings(smtp_port=70000)
    with pytest.raises(ValidationError):
        Settings(log_level="LOUD")


def test_master_key_created_once_with_owner_only_rights(tmp_path: Path) -> None:
    first = load_or_create_master_key(tmp_path)
    mode = stat.S_IMODE(os.stat(tmp_path / "master.key").st_mode)
    assert mode == 0o600
    assert load_or_create_master_key(tmp_path) == first and len(first) == 32


def test_bad_master_key_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        load_or_create_master_key(tmp_path, "c2hvcnQ=")
