"""`hearthwatch serve --workers N`: the workers hold equal shares of the connections, one
that is stuck holds none back, Nagle is off, a worker that dies is replaced, and SIGTERM stops
them all."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from hearthwatch.workers import tcp_listener
from tests.support.postgres import free_port

CLI = str(Path(sys.executable).with_name("hearthwatch"))


def test_accepted_connections_have_nagle_off() -> None:
    """The response's headers and body go out at once, not 40 ms apart (delayed ACK)."""

    async def accepted_nodelay() -> int:
        listener = tcp_listener("127.0.0.1", 0)
        seen: asyncio.Future[int] = asyncio.get_running_loop().create_future()

        class Probe(asyncio.Protocol):
            def connection_made(self, transport: asyncio.BaseTransport) -> None:
                sock = transport.get_extra_info("socket")
                seen.set_result(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
                transport.close()

        server = await asyncio.get_running_loop().create_server(Probe, sock=listener)
        port = listener.getsockname()[1]
        _, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            return await asyncio.wait_for(seen, 5)
        finally:
            writer.close()
            server.close()

    assert asyncio.run(accepted_nodelay()) == 1


@pytest.fixture
def workers(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    port = free_port()
    env = {
        **os.environ,
        "HEARTHWATCH_DATA_DIR": str(tmp_path / "data"),
        "HEARTHWATCH_RECORDER_ENABLED": "false",
        "HEARTHWATCH_ARGON2_MEMORY_KIB": "1024",
    }
    with (tmp_path / "serve.log").open("wb") as log:
        process = subprocess.Popen(
            [CLI, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "2"],
            env=env, stdout=log, stderr=log, start_new_session=True,
        )  # fmt: skip
        try:
            wait_for(lambda: len(children(process.pid)) == 2 and healthy(port))
            wait_for(lambda: both_accept(process.pid, port))
            yield process, port
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)


def test_the_workers_hold_equal_shares_and_sigterm_stops_them_all(
    workers: tuple[subprocess.Popen[bytes], int],
) -> None:
    process, port = workers
    clients = [httpx.Client(base_url=f"http://127.0.0.1:{port}") for _ in range(24)]
    try:
        for client in clients:
            assert client.get("/api/v1/health").status_code == 200  # keep-alive: stays open
        held = {pid: connections_of(pid, port) for pid in children(process.pid)}
        assert sorted(held.values()) == [12, 12], held  # one at a time: least connections wins
    finally:
        for client in clients:
            client.close()
    pids = children(process.pid)
    process.send_signal(signal.SIGTERM)
    assert process.wait(20) == 0
    assert not [pid for pid in pids if Path(f"/proc/{pid}").exists()]
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", port)) != 0


def test_a_burst_of_connections_is_shared_out_evenly(
    workers: tuple[subprocess.Popen[bytes], int],
) -> None:
    """The throughput benchmark's start: 64 connections at once (one worker used to take
    them all, and the kernel's hash of a socket per worker split them as badly as 42/22)."""
    process, port = workers

    async def burst() -> dict[int, int]:
        opened = await asyncio.gather(
            *(asyncio.open_connection("127.0.0.1", port) for _ in range(64))
        )
        request = f"GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode()
        for _, writer in opened:
            writer.write(request)
        for reader, _ in opened:
            assert (await reader.readline()).startswith(b"HTTP/1.1 200")
        held = {pid: connections_of(pid, port) for pid in children(process.pid)}
        for _, writer in opened:
            writer.close()
        return held

    held = asyncio.run(burst())
    assert sum(held.values()) == 64
    assert max(held.values()) - min(held.values()) <= 4, held


def test_a_stuck_worker_holds_no_connection_back(
    workers: tuple[subprocess.Popen[bytes], int],
) -> None:
    process, port = workers
    stuck, other = children(process.pid)
    os.kill(stuck, signal.SIGSTOP)  # its share stays the smallest, and it takes nothing
    clients = [httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=5) for _ in range(6)]
    try:
        for client in clients:
            assert client.get("/api/v1/health").status_code == 200
        assert connections_of(other, port) == 6
    finally:
        os.kill(stuck, signal.SIGCONT)
        for client in clients:
            client.close()


def test_a_worker_that_dies_is_replaced(workers: tuple[subprocess.Popen[bytes], int]) -> None:
    process, port = workers
    victim, survivor = children(process.pid)
    os.kill(victim, signal.SIGKILL)
    wait_for(lambda: len(children(process.pid)) == 2 and victim not in children(process.pid))
    assert survivor in children(process.pid)
    wait_for(lambda: healthy(port))


def both_accept(supervisor: int, port: int) -> bool:
    """Whether both workers take connections yet: the one that started first takes every
    connection until the other one is ready, then two new connections go one to each."""
    clients = [httpx.Client(base_url=f"http://127.0.0.1:{port}") for _ in range(2)]
    try:
        for client in clients:
            client.get("/api/v1/health")
        return sorted(connections_of(pid, port) for pid in children(supervisor)) == [1, 1]
    except httpx.TransportError:
        return False
    finally:
        for client in clients:
            client.close()


def children(pid: int) -> list[int]:
    """The supervisor's worker processes (multiprocessing's resource tracker excluded)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        if parent == pid and b"spawn_main" in cmdline:
            found.append(int(entry.name))
    return sorted(found)


def connections_of(pid: int, port: int) -> int:
    """Established TCP connections on local `port` whose socket `pid` holds."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    count = 0
    for line in Path(f"/proc/{pid}/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local_port = int(fields[1].split(":")[1], 16)
        if local_port == port and fields[3] == "01" and fields[9] in inodes:
            count += 1
    return count


def healthy(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=2).status_code == 200
    except httpx.TransportError:
        return False


def wait_for(condition: object, timeout: float = 60.0) -> None:
    assert callable(condition)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError("condition not met in time")
