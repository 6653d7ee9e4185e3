"""Fixtures several privacy test modules share."""

from __future__ import annotations

import io
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from PIL import Image

from hearthwatch.accounts import profile
from hearthwatch.accounts.models import User
from hearthwatch.context import AppContext, build_context
from hearthwatch.db.migrate import upgrade
from hearthwatch.privacy.export import service as export
from hearthwatch.settings import Settings
from tests.conftest import sign_in
from tests.factories import (
    OPERATOR,
    Recorded,
    add_camera,
    add_operator,
    add_recorded_camera,
    add_segments,
    build_export,
)
from tests.factories import RECORDED_AT_US as T0


@pytest.fixture
def household(ctx: AppContext, make_user: Any) -> dict[str, Any]:
    """Two accounts with a recording camera each; Carol has a second camera."""
    alice, carol = make_user("alice@example.org"), make_user("carol@example.org")
    cameras = {
        "alice": add_camera(ctx, alice.id),
        "carol": add_camera(ctx, carol.id),
        "carol_2": add_camera(ctx, carol.id, "Porch"),
    }
    add_segments(ctx, alice.id, cameras["alice"], range(0, 12, 4))
    add_segments(ctx, carol.id, cameras["carol"], range(0, 8, 4))
    add_segments(ctx, carol.id, cameras["carol_2"], range(0, 8, 4))
    return {"alice": alice.id, "carol": carol.id, **{f"cam_{k}": v for k, v in cameras.items()}}


@pytest.fixture
def other(tmp_path: Path) -> Iterator[AppContext]:
    """A second, fresh Hearthwatch: its own data directory, database and keys."""
    settings = Settings(
        environment="test",
        data_dir=tmp_path / "other",
        argon2_time_cost=1,
        argon2_memory_kib=1024,
        log_json=False,
        mail_backend="outbox",
    )
    context = build_context(settings)
    upgrade(settings.resolved_database_url)
    yield context
    context.close()


@pytest.fixture
def olga(app: FastAPI, ctx: AppContext) -> Iterator[tuple[User, TestClient]]:
    """An operator (one of two listed), signed in with her own client."""
    ctx.settings.operator_emails = "someone@example.com"
    user = add_operator(ctx, OPERATOR)
    with TestClient(app) as operator_client:
        sign_in(operator_client, OPERATOR)
        yield user, operator_client


@pytest.fixture
def env(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    """The test settings as HEARTHWATCH_* variables, for the command-line tools."""
    for name, value in {
        "ENVIRONMENT": "test",
        "DATA_DIR": str(settings.data_dir),
        "DATABASE_URL": settings.database_url,
        "MAIL_BACKEND": "smtp",
        "SMTP_PORT": str(settings.smtp_port),
        "LOG_JSON": "false",
    }.items():
        monkeypatch.setenv(f"HEARTHWATCH_{name}", value)


@pytest.fixture
def archive(ctx: AppContext, alice: User, tmp_path: Path) -> tuple[Path, list[Recorded]]:
    """Alice's full export: profile, picture, two cameras, three stretches of video."""
    with ctx.db.session() as session:
        user = session.get(User, alice.id)
        assert user is not None
        profile.update_profile(ctx, user=user, changes={"nickname": "Al", "real_name": "Alice B"})
        picture = io.BytesIO()
        Image.new("RGB", (40, 30), (200, 120, 40)).save(picture, format="PNG")
        profile.set_picture(ctx, session, user=user, data=picture.getvalue())
    recorded = [
        add_recorded_camera(ctx, alice.id, "Front door", [(T0, 3), (T0 + 60_000_000, 2)]),
        add_recorded_camera(ctx, alice.id, "Garden", [(T0 + 5_000_000, 2)]),
    ]
    job = build_export(ctx, alice)
    path = tmp_path / "export.zip"
    shutil.copy(export.archive_path(ctx, job.id), path)
    return path, recorded
