"""Shared benchmark plumbing: a throwaway data directory, a `hearthwatch serve` subprocess on a
free port, a fast health poll, small JSON HTTP calls, and clean shutdown even on error.

Only the standard library is used here, so the harness itself adds nothing to what is timed.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HOST = "127.0.0.1"
HEALTH_PATH = "/api/v1/health"
STOP_GRACE_S = 5.0


class BenchError(RuntimeError):
    """A benchmark could not run as intended (server failed, request refused, bad output)."""


def free_port() -> int:
    """A TCP port on the loopback interface that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


@contextlib.contextmanager
def temp_data_dir(prefix: str = "hearthwatch-bench-") -> Iterator[Path]:
    """A fresh data directory, removed afterwards whatever happens."""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def server_env(data_dir: Path) -> dict[str, str]:
    """The environment for a `hearthwatch` subprocess: our data dir, development mode.

    Inherited `HEARTHWATCH_*` variables are dropped so that every run measures the defaults:
    SQLite in the data directory, and INFO logging on purpose, as the access log is part of
    the cost of a request in production.
    """
    env = {name: value for name, value in os.environ.items() if not name.startswith("HEARTHWATCH_")}
    env.update(
        HEARTHWATCH_DATA_DIR=str(data_dir),
        HEARTHWATCH_ENVIRONMENT="development",
        PYTHONUNBUFFERED="1",
        # API-only nodes: the recorder runs in a single process of its own.
        HEARTHWATCH_RECORDER_ENABLED="false",
        # The simulated cameras listen on loopback, which the outbound address policy
        # refuses by default; allowed here as `hearthwatch demo` allows its simulator's.
        HEARTHWATCH_CAMERA_ALLOWED_NETWORKS="127.0.0.1/32",
    )
    return env


def hearthwatch_command() -> list[str]:
    """The `hearthwatch` console script beside this interpreter, else `python -m hearthwatch`."""
    script = Path(sys.executable).with_name("hearthwatch")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "hearthwatch"]


def run_cli(args: Sequence[str], *, env: Mapping[str, str], stdin: str = "") -> str:
    """Run a `hearthwatch` command to completion; raise with its output if it fails."""
    done = subprocess.run(
        [*hearthwatch_command(), *args],
        input=stdin,
        env=dict(env),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,  # checked below, so the failure shows the command's output
    )
    if done.returncode != 0:
        raise BenchError(f"hearthwatch {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
    return done.stdout


@dataclass
class Server:
    """A running `hearthwatch serve` subprocess; its output goes to a log file, not a pipe,
    so a busy access log can never block the server on a full pipe."""

    process: subprocess.Popen[bytes]
    port: int
    log_path: Path
    started_at: float
    _log_file: Any = field(repr=False)

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def cpu_s(self) -> float | None:
        """CPU seconds (user + system) used so far by the server and its worker processes."""
        return process_group_cpu_s(self.process.pid)

    def log_tail(self, lines: int = 20) -> str:
        with contextlib.suppress(OSError):
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        return ""


def process_group_cpu_s(group: int) -> float | None:
    """CPU seconds of every live process in a process group, from Linux's /proc; else None."""
    proc = Path("/proc")
    if not (proc / "self" / "stat").exists():
        return None
    ticks = 0
    for stat in proc.glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError, ValueError):
            # Fields after the parenthesised command name: state ppid pgrp ... utime stime.
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[2]) == group:
                ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def spawn_server(
    data_dir: Path, *, extra_args: Sequence[str] = (), recorder: bool = False
) -> Server:
    """Start `hearthwatch serve` on a free port; `started_at` is taken just before the spawn.

    `recorder` runs the camera recorder in the server too, as a default installation does.
    """
    port = free_port()
    log_path = data_dir / f"serve-{port}.log"
    log_file = log_path.open("wb")
    command = [*hearthwatch_command(), "serve", "--host", HOST, "--port", str(port), *extra_args]
    started_at = time.perf_counter()
    process = subprocess.Popen(
        command,
        env={**server_env(data_dir), "HEARTHWATCH_RECORDER_ENABLED": str(recorder).lower()},
        stdin=subprocess.DEVNULL,
        stdout=log_file,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group, so workers are stopped with it
    )
    return Server(process, port, log_path, started_at, log_file)


def stop_server(server: Server, *, grace_s: float = STOP_GRACE_S) -> None:
    """SIGTERM the server's process group, then SIGKILL it if it is still there after grace."""
    process = server.process
    if process.poll() is None:
        _signal_group(process, signal.SIGTERM)
        try:
            process.wait(timeout=grace_s)
        except subprocess.TimeoutExpired:
            _signal_group(process, signal.SIGKILL)
            process.wait(timeout=grace_s)
    server._log_file.close()


def _signal_group(process: subprocess.Popen[bytes], sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, sig)


@contextlib.contextmanager
def running_server(data_dir: Path, *, extra_args: Sequence[str] = ()) -> Iterator[Server]:
    """A healthy server for the duration of the block, always stopped afterwards."""
    server = spawn_server(data_dir, extra_args=extra_args)
    try:
        wait_healthy(server)
        yield server
    finally:
        stop_server(server)


def wait_healthy(server: Server, *, timeout_s: float = 30.0, interval_s: float = 0.01) -> float:
    """Poll the health endpoint until it answers 200; return seconds since the spawn."""
    deadline = server.started_at + timeout_s
    while time.perf_counter() < deadline:
        if server.process.poll() is not None:
            raise BenchError(
                f"server exited with {server.process.returncode}:\n{server.log_tail()}"
            )
        if _health_status(server.port) == 200:
            return time.perf_counter() - server.started_at
        time.sleep(interval_s)
    raise BenchError(f"server not healthy after {timeout_s} s:\n{server.log_tail()}")


def _health_status(port: int) -> int | None:
    connection = http.client.HTTPConnection(HOST, port, timeout=1.0)
    try:
        connection.request("GET", HEALTH_PATH)
        return connection.getresponse().status
    except OSError:
        return None
    finally:
        connection.close()


@dataclass(frozen=True)
class Reply:
    status: int
    body: Any
    cookies: dict[str, str]


def request_json(
    server: Server,
    method: str,
    path: str,
    *,
    body: Any = None,
    headers: Mapping[str, str] | None = None,
) -> Reply:
    """One JSON request on a fresh connection; the reply's cookies are parsed for reuse."""
    connection = http.client.HTTPConnection(HOST, server.port, timeout=30)
    try:
        payload = None if body is None else json.dumps(body).encode()
        sent = {"content-type": "application/json", **(headers or {})}
        connection.request(method, path, body=payload, headers=sent)
        response = connection.getresponse()
        raw = response.read()
        cookies = _cookies(response.headers.get_all("set-cookie") or [])
        return Reply(response.status, json.loads(raw) if raw else None, cookies)
    finally:
        connection.close()


def _cookies(set_cookie_headers: list[str]) -> dict[str, str]:
    jar: dict[str, str] = {}
    for header in set_cookie_headers:
        name, _, rest = header.partition("=")
        jar[name.strip()] = rest.split(";", 1)[0]
    return jar


def expect(reply: Reply, status: int, what: str) -> Reply:
    if reply.status != status:
        raise BenchError(f"{what}: expected {status}, got {reply.status}: {reply.body}")
    return reply


def emit(summary: str, result: Mapping[str, Any]) -> None:
    """The human summary line, then the JSON result as the very last line of stdout."""
    print(summary)
    print(json.dumps(dict(result)), flush=True)


def report_failure(bench: str, err: Exception) -> int:
    """A benchmark that could not run still ends with a JSON line; the exit status is 1."""
    print(f"{bench} ERROR: {err}", file=sys.stderr)
    emit(
        f"{bench} ERROR: {str(err).splitlines()[0]}",
        {"bench": bench, "error": str(err), "pass": False},
    )
    return 1
