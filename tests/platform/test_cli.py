"""The `hearthwatch` command as an operator uses it."""

from __future__ import annotations

import gc
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from hearthwatch import __version__, cli, server
from tests.conftest import STRONG_PASSWORD
from tests.support.postgres import free_port

CLI = str(Path(sys.executable).with_name("hearthwatch"))


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "HEARTHWATCH_DATA_DIR": str(tmp_path / "data"),
        "HEARTHWATCH_ARGON2_MEMORY_KIB": "1024",
    }


def run(env: dict[str, str], *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [CLI, *args], env=env, input=stdin, capture_output=True, text=True, timeout=60
    )


def test_version() -> None:
    assert run(dict(os.environ), "--version").stdout.strip() == f"hearthwatch {__version__}"


@pytest.mark.parametrize("command", [[], ["serve"], ["demo"], ["migrate"], ["user", "create"]])
def test_help_on_each_command(command: list[str]) -> None:
    result = run(dict(os.environ), *command, "--help")
    assert result.returncode == 0 and "usage: hearthwatch" in result.stdout


def test_migrate_and_user_create(env: dict[str, str]) -> None:
    assert run(env, "migrate").returncode == 0
    created = run(
        env,
        "user",
        "create",
        "--email",
        "ops@example.org",
        "--password-stdin",
        stdin=STRONG_PASSWORD + "\n",
    )
    assert created.returncode == 0 and "created ops@example.org" in created.stdout  # item 18
    again = run(
        env,
        "user",
        "create",
        "--email",
        "ops@example.org",
        "--password-stdin",
        stdin=STRONG_PASSWORD + "\n",
    )
    assert again.returncode == 1 and "account.exists" in again.stderr
    weak = run(
        env, "user", "create", "--email", "w@example.org", "--password-stdin", stdin="password\n"
    )
    assert weak.returncode == 1 and "auth.weak_password" in weak.stderr


def test_invalid_settings_are_reported(env: dict[str, str]) -> None:
    result = run({**env, "HEARTHWATCH_SMTP_PORT": "not-a-port"}, "migrate")
    assert result.returncode == 2 and "invalid settings" in result.stderr


@pytest.fixture
def served(env: dict[str, str], tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], str]]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with (
        (tmp_path / "server.log").open("w") as log,
        subprocess.Popen(
            [CLI, "demo", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
        ) as process,
    ):
        try:
            _wait_healthy(url)
            yield process, url
        finally:
            process.send_signal(signal.SIGINT)
            process.wait(timeout=15)


def _wait_healthy(url: str) -> None:
    deadline = time.monotonic() + 120  # the first demo encodes the cameras' scene
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/api/v1/health").status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError("server never became healthy")


def test_demo_prints_url_and_a_working_login(
    served: tuple[subprocess.Popen[str], str], env: dict[str, str]
) -> None:
    process, url = served
    assert process.stdout is not None
    banner = ""
    while "with password" not in banner:
        banner += process.stdout.readline()
    assert url in banner and "demo@example.com" in banner
    while "HEARTHWATCH_DATA_REGION" not in banner:  # issue 12 item 20: the demo names it
        banner += process.stdout.readline()
    assert "Data region in the privacy notice: not named by the operator" in banner
    password = banner.split("with password ")[1].split()[0]
    login = httpx.post(
        f"{url}/api/v1/auth/login", json={"email": "demo@example.com", "password": password}
    )
    assert login.status_code == 200
    # P36: the server keeps its request lines in the data directory, IPs cut to the network.
    # A line is written once its response has gone: give it a moment to land.
    (kept,) = (Path(env["HEARTHWATCH_DATA_DIR"]) / "logs").glob("server-*.jsonl")
    deadline = time.monotonic() + 10
    while '"path": "/api/v1/auth/login"' not in (logged := kept.read_text()):
        assert time.monotonic() < deadline, logged
        time.sleep(0.05)
    assert '"client": "127.0.0.0"' in logged
    assert password not in logged and "demo@example.com" not in logged
    with httpx.Client(base_url=url, cookies=login.cookies) as demo:
        cameras = _wait_all_online(demo)
    assert [c["name"] for c in cameras] == ["Front door", "Back yard", "Driveway", "Garage"]


def _wait_all_online(client: httpx.Client) -> list[dict[str, object]]:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        cameras: list[dict[str, object]] = client.get("/api/v1/cameras").json()
        if cameras and all(c["online"] for c in cameras):
            return cameras
        time.sleep(0.5)
    raise AssertionError("the demo cameras never came online")


@pytest.fixture
def gc_state() -> Iterator[list[tuple[str, bool]]]:
    """What the garbage collector's switch was when each (patched) command started."""
    seen: list[tuple[str, bool]] = []
    yield seen
    gc.enable()


def test_start_up_runs_without_the_collector_and_gets_it_back(
    env: dict[str, str], gc_state: list[tuple[str, bool]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A server starts with the collector off (it turns it back on once its start-up heap
    is frozen); every other command runs with it on; nothing is left switched off."""
    for name, value in env.items():
        monkeypatch.setenv(name, value)

    def serve(*_args: object, **_kwargs: object) -> None:
        gc_state.append(("serve", gc.isenabled()))

    def migrate(*_args: object) -> int:
        gc_state.append(("migrate", gc.isenabled()))
        return 0

    monkeypatch.setattr(server, "serve", serve)
    monkeypatch.setattr(cli, "run_migrate", migrate)
    assert cli.main(["serve"]) == 0 and gc.isenabled()
    assert cli.main(["migrate"]) == 0 and gc.isenabled()
    assert gc_state == [("serve", False), ("migrate", True)]


def test_freezing_the_start_up_heap_turns_the_collector_back_on() -> None:
    gc.disable()
    try:
        server.freeze_startup_heap()
        assert gc.isenabled() and gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
        gc.enable()
