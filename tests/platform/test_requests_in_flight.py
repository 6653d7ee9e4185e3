"""More requests in flight than the database pool has connections: all are answered.

On SQLite the queries run inline on the event loop; a checkout that waited there for a
connection waited for itself, and one server process with more than 50 requests in flight
froze for good (found with `wrk -c64` against a single worker)."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from fastapi.testclient import TestClient

from hearthwatch.db.engine import POOL_OVERFLOW, POOL_SIZE

IN_FLIGHT = POOL_SIZE + POOL_OVERFLOW + 30


def test_more_requests_in_flight_than_pooled_connections_are_all_answered(
    client: TestClient, alice: Any, live_server: Any
) -> None:
    created = client.post("/api/v1/me/tokens", json={"name": "many"})
    assert created.status_code == 201, created.text
    headers = {"authorization": f"Bearer {created.json()['secret']}"}

    async def all_at_once() -> list[int]:
        limits = httpx.Limits(max_connections=IN_FLIGHT)
        async with httpx.AsyncClient(
            base_url=live_server.url, headers=headers, limits=limits, timeout=30
        ) as http:
            replies = await asyncio.gather(*(http.get("/api/v1/me") for _ in range(IN_FLIGHT)))
        return [reply.status_code for reply in replies]

    assert asyncio.run(asyncio.wait_for(all_at_once(), 60)) == [200] * IN_FLIGHT
