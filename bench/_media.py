"""Media benchmark plumbing: an account with a bearer token on a running server, cameras bound
by RTSP URL, media tokens, raw GETs, /proc CPU readings and the load average.

Standard library only (besides what callers pass in), so nothing here adds to what is timed.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from _harness import HOST, BenchError, Server, expect, request_json, run_cli, server_env

EMAIL = "bench@example.com"
PASSWORD = "violet-harbour-trumpet-42"
CLK_TCK = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Account:
    secret: str  # a personal API token: `Authorization: Bearer ...`, no CSRF needed
    cookies: dict[str, str]  # the password session, for the browser

    @property
    def auth(self) -> dict[str, str]:
        return {"authorization": f"Bearer {self.secret}"}


def create_user(data_dir: Path) -> None:
    """The bench account, made with the CLI before the server starts."""
    run_cli(
        ["user", "create", "--email", EMAIL, "--password-stdin"],
        env=server_env(data_dir),
        stdin=PASSWORD + "\n",
    )


def sign_in(server: Server) -> Account:
    """Sign in with the password and create a personal API token."""
    body = {"email": EMAIL, "password": PASSWORD}
    login = expect(request_json(server, "POST", "/api/v1/auth/login", body=body), 200, "sign-in")
    cookie = "; ".join(f"{name}={value}" for name, value in login.cookies.items())
    headers = {"cookie": cookie, "x-csrf-token": login.body["csrf_token"]}
    created = expect(
        request_json(server, "POST", "/api/v1/me/tokens", body={"name": "bench"}, headers=headers),
        201,
        "token creation",
    )
    return Account(secret=created.body["secret"], cookies=login.cookies)


def bind_camera(
    server: Server, account: Account, url: str, name: str, *, offline: bool = False
) -> str:
    """Bind a camera by its RTSP URL (looked at first, unless `offline`); return its id."""
    reply = request_json(
        server,
        "POST",
        "/api/v1/cameras/bind/rtsp",
        body={"url": url, "name": name, "add_offline": offline},
        headers=account.auth,
    )
    if reply.status not in (200, 201):
        raise BenchError(f"binding {url}: {reply.status} {reply.body}")
    camera_id: str = reply.body["id"]
    return camera_id


def media_token(server: Server, account: Account, camera_id: str, scope: str) -> str:
    reply = request_json(
        server,
        "POST",
        f"/api/v1/cameras/{camera_id}/media-token",
        body={"scope": scope},
        headers=account.auth,
    )
    if reply.status not in (200, 201):
        raise BenchError(f"media token ({scope}): {reply.status} {reply.body}")
    token: str = reply.body["token"]
    return token


class RawClient:
    """A keep-alive HTTP/1.1 connection for repeated GETs (reconnects if the server closes)."""

    def __init__(self, port: int, timeout_s: float = 30.0) -> None:
        self.port, self.timeout_s = port, timeout_s
        self.connection = http.client.HTTPConnection(HOST, port, timeout=timeout_s)

    def get(self, path: str, headers: Mapping[str, str] | None = None) -> tuple[int, bytes]:
        for attempt in range(2):
            try:
                self.connection.request("GET", path, headers=dict(headers or {}))
                response = self.connection.getresponse()
                return response.status, response.read()
            except (http.client.RemoteDisconnected, ConnectionError, BrokenPipeError):
                self.connection.close()
                self.connection = http.client.HTTPConnection(
                    HOST, self.port, timeout=self.timeout_s
                )
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        self.connection.close()


def pid_cpu_s(pid: int) -> float | None:
    """CPU seconds (user + system) of one process, from /proc/<pid>/stat; None if it is gone."""
    with contextlib.suppress(OSError, IndexError, ValueError):
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLK_TCK
    return None


def self_cpu_s() -> float:
    """CPU seconds of this process (all threads)."""
    return time.process_time()


def load_average() -> list[float]:
    return [round(value, 2) for value in os.getloadavg()]


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile of a non-empty list."""
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, round(fraction * len(ordered) + 0.5) - 1))
    return ordered[index]


def wait_for(what: str, check: Any, timeout_s: float, interval_s: float = 0.2) -> Any:
    """Poll `check()` until it returns something truthy; raise BenchError after timeout."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(interval_s)
    raise BenchError(f"timed out after {timeout_s:.0f} s waiting for {what}")
