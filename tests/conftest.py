"""Shared fixtures: a real database (SQLite or PostgreSQL), a real SMTP server, the app."""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from hearthwatch.accounts.models import User
from hearthwatch.app import create_app
from hearthwatch.context import AppContext, build_context
from hearthwatch.db.migrate import upgrade
from hearthwatch.jobs import catalog
from hearthwatch.jobs.runner import Runner
from hearthwatch.models import metadata
from hearthwatch.settings import Settings
from tests.factories import STRONG_PASSWORD, add_user
from tests.support.postgres import free_port, postgres_server
from tests.support.seaweed import seaweedfs_server
from tests.support.smtp import Mailbox, smtp_server

ADULT_BIRTH_MONTH = "1990-04"  # sign-up asks it (P4): an adult needs no guardian
SIMULATOR_NETWORK = "127.0.0.1/32"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--db",
        choices=("sqlite", "postgresql"),
        default="sqlite",
        help="database backend for the whole run (PostgreSQL is started by the tests)",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.pluginmanager.hasplugin("xdist"):
        _one_browser_at_a_time(items)
    if config.getoption("--db") == "postgresql":
        _database_tests_only(config, items)


def _one_browser_at_a_time(items: list[pytest.Item]) -> None:
    """With `-n 2 --dist loadgroup` (make test-sqlite), the tests that drive Chromium all go
    to one worker, one after another: two browsers playing video beside the other suite
    would starve the frame rates those tests measure. Every other test goes with its module,
    so a module's fixtures (simulated cameras, encoded files) are set up once."""
    for item in items:
        group = "browser" if item.get_closest_marker("browser") else item.nodeid.split("::")[0]
        item.add_marker(pytest.mark.xdist_group(group))


def _database_tests_only(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The PostgreSQL run tests the database backend: a test that never opens a database
    (the camera simulator, codecs, pure functions) ran already on SQLite, identically."""
    kept, dropped = [], []
    for item in items:
        uses_database = "database_url" in getattr(item, "fixturenames", ())
        (kept if uses_database else dropped).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


@pytest.fixture(scope="session")
def db_backend(request: pytest.FixtureRequest) -> str:
    return str(request.config.getoption("--db"))


@pytest.fixture(scope="session")
def migrated_template(db_backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database migrated once per run: a SQLite file to copy, or a PostgreSQL URL."""
    if db_backend == "postgresql":
        with postgres_server() as url:
            upgrade(url)
            yield url
        return
    path = tmp_path_factory.mktemp("template") / "template.db"
    upgrade(f"sqlite:///{path}")
    yield str(path)


@pytest.fixture
def database_url(db_backend: str, migrated_template: str, tmp_path: Path) -> Iterator[str]:
    """A clean, migrated database for one test."""
    if db_backend == "sqlite":
        target = tmp_path / "hearthwatch.db"
        shutil.copy(migrated_template, target)
        yield f"sqlite:///{target}"
        return
    _truncate_all(migrated_template)
    yield migrated_template


def _truncate_all(url: str, attempts: int = 5) -> None:
    """Empty every table. A thread the previous test left winding down (a recorder writing
    its last segment, a sweeper) can make PostgreSQL pick the TRUNCATE as the victim of a
    deadlock: it is simply tried again once the other transaction is gone."""
    engine = create_engine(url)
    names = ", ".join(t.name for t in metadata.sorted_tables)
    try:
        for attempt in range(attempts):
            try:
                with engine.begin() as connection:
                    connection.execute(text(f"TRUNCATE {names} CASCADE"))
                return
            except OperationalError:
                if attempt == attempts - 1:
                    raise
                time.sleep(0.2 * (attempt + 1))
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """A real S3-compatible server (SeaweedFS), started on first use."""
    with seaweedfs_server() as endpoint:
        yield endpoint


@pytest.fixture(scope="session")
def smtp() -> Iterator[tuple[Mailbox, int]]:
    with smtp_server() as server:
        yield server


@pytest.fixture
def mailbox(smtp: tuple[Mailbox, int]) -> Mailbox:
    smtp[0].clear()
    return smtp[0]


@pytest.fixture
def settings(tmp_path: Path, database_url: str, smtp: tuple[Mailbox, int]) -> Settings:
    return Settings(
        environment="test",
        data_dir=tmp_path / "data",
        database_url=database_url,
        mail_backend="smtp",
        smtp_host="127.0.0.1",
        smtp_port=smtp[1],
        argon2_time_cost=1,
        argon2_memory_kib=1024,
        log_json=False,
        # The simulated cameras (and GStreamer's) listen on loopback, which the outbound
        # address policy refuses unless allowed; address policy tests narrow this again.
        camera_allowed_networks=SIMULATOR_NETWORK,
    )


@pytest.fixture
def ctx(settings: Settings, mailbox: Mailbox) -> Iterator[AppContext]:
    context = build_context(settings)
    yield context
    context.close()


@pytest.fixture
def app(ctx: AppContext) -> Iterator[FastAPI]:
    """The app, with a job runner beside it as on a node (queued jobs only: the tests of
    periodic jobs run those themselves)."""
    runner = Runner(
        ctx, periodic=(), kinds=catalog.registry(), workers=1, poll=timedelta(seconds=0.05)
    )
    runner.start()
    yield create_app(ctx)
    runner.stop()


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def make_user(ctx: AppContext) -> Any:
    """Factory: a confirmed account with a strong password (`add_user` of tests/factories.py,
    bound to this test's context)."""

    def factory(
        email: str = "alice@example.org",
        password: str = STRONG_PASSWORD,
        nickname: str | None = None,
    ) -> User:
        return add_user(ctx, email, password=password, nickname=nickname)

    return factory


def sign_in(client: TestClient, email: str, password: str = STRONG_PASSWORD) -> dict[str, Any]:
    """Sign the test client in; later writes carry the CSRF header."""
    response = client.post("/api/v1/auth/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    client.headers["x-csrf-token"] = body["csrf_token"]
    return body


@pytest.fixture
def alice(client: TestClient, make_user: Any) -> User:
    user: User = make_user()
    sign_in(client, user.email)
    return user


class LiveServer:
    def __init__(self, app: FastAPI) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            app, host="127.0.0.1", port=self.port, log_config=None, access_log=False, lifespan="off"
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def start(self) -> None:
        self.thread.start()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/api/v1/health").status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.05)
        raise RuntimeError("live server did not start")

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture
def live_server(app: FastAPI) -> Iterator[LiveServer]:
    """The app served by uvicorn on a free loopback port, for browsers and other processes."""
    server = LiveServer(app)
    server.start()
    yield server
    server.stop()
