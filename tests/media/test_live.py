"""Live view over a WebSocket (P12): fMP4 init then one fragment per frame, shared ingest."""

from __future__ import annotations

import io
from typing import Any

import av
import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from hearthwatch.context import AppContext
from tests.media.conftest import wait_for
from tests.media.test_recording import media_token


def receive(socket: Any, count: int) -> list[bytes]:
    return [socket.receive_bytes() for _ in range(count)]


def test_p12_live_stream_decodes_and_viewers_share_one_ingest(
    client: TestClient, bound: dict[str, Any], ctx: AppContext
) -> None:
    wait_for(lambda: client.get(f"/api/v1/cameras/{bound['id']}").json()["online"])
    url = f"/api/v1/cameras/{bound['id']}/live?token={media_token(client, bound['id'], 'live')}"
    with client.websocket_connect(url) as first, client.websocket_connect(url) as second:
        messages = receive(first, 40)
        receive(second, 5)
        assert ctx.recorder is not None and len(ctx.recorder.ingests) == 1
    assert messages[0][4:8] == b"ftyp" and b"moov" in messages[0]
    assert all(m[4:8] == b"moof" for m in messages[1:])
    with av.open(io.BytesIO(b"".join(messages))) as container:
        frames = list(container.decode(video=0))
    assert len(frames) >= 30 and frames[0].key_frame
    assert frames[-1].time > frames[0].time


def test_p12_live_needs_a_valid_live_token(client: TestClient, bound: dict[str, Any]) -> None:
    playback = media_token(client, bound["id"], "playback")
    for token in ("", "forged.token", playback):
        url = f"/api/v1/cameras/{bound['id']}/live?token={token}"
        with pytest.raises(WebSocketDisconnect) as closed, client.websocket_connect(url) as ws:
            ws.receive_bytes()
        assert closed.value.code == 4401
