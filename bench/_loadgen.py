"""A small keep-alive HTTP/1.1 load generator in pure Python, used only when `wrk` is missing.

Several processes each drive their share of the connections from one asyncio loop; every
connection sends a GET, reads the whole reply (by Content-Length) and sends the next. It is
weaker than wrk (it needs CPU the server would otherwise get), so figures from it are a floor.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import time
from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Target:
    host: str
    port: int
    path: str
    headers: Mapping[str, str]

    def request_bytes(self) -> bytes:
        lines = [f"GET {self.path} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        lines += [f"{name}: {value}" for name, value in self.headers.items()]
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


@dataclass(frozen=True)
class LoadResult:
    requests: int
    errors: int
    elapsed_s: float
    latencies_s: list[float]

    @property
    def requests_per_s(self) -> float:
        return self.requests / self.elapsed_s if self.elapsed_s else 0.0

    def percentile_ms(self, pct: float) -> float:
        ordered = sorted(self.latencies_s)
        if not ordered:
            return float("nan")
        index = min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))
        return ordered[index] * 1000


def run_load(
    target: Target, *, connections: int, duration_s: float, processes: int = 2
) -> LoadResult:
    """Hold `connections` busy for `duration_s`, spread over `processes` processes."""
    shares = [connections // processes + (i < connections % processes) for i in range(processes)]
    started = time.perf_counter()
    with multiprocessing.get_context("fork").Pool(processes) as pool:
        parts = pool.starmap(_drive, [(target, share, duration_s) for share in shares if share])
    elapsed = time.perf_counter() - started
    latencies = [value for part in parts for value in part[1]]
    return LoadResult(
        requests=len(latencies),
        errors=sum(part[0] for part in parts),
        elapsed_s=min(elapsed, duration_s) or elapsed,
        latencies_s=latencies,
    )


def _drive(target: Target, connections: int, duration_s: float) -> tuple[int, list[float]]:
    return asyncio.run(_drive_async(target, connections, duration_s))


async def _drive_async(
    target: Target, connections: int, duration_s: float
) -> tuple[int, list[float]]:
    deadline = time.perf_counter() + duration_s
    results = await asyncio.gather(*(_one_connection(target, deadline) for _ in range(connections)))
    return sum(r[0] for r in results), [value for r in results for value in r[1]]


async def _one_connection(target: Target, deadline: float) -> tuple[int, list[float]]:
    request = target.request_bytes()
    errors, latencies = 0, []
    reader, writer = await asyncio.open_connection(target.host, target.port)
    try:
        while time.perf_counter() < deadline:
            sent = time.perf_counter()
            writer.write(request)
            status = await _read_reply(reader)
            latencies.append(time.perf_counter() - sent)
            errors += not 200 <= status < 300
    finally:
        writer.close()
    return errors, latencies


async def _read_reply(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value)
    await reader.readexactly(length)
    return status
