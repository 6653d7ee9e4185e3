"""Live video routes: WebRTC and the fMP4 WebSocket.

Authorised like every byte of media (media/api.py): a live media token, the resolver, the
session behind the token, and neither a restriction (P21) nor privacy mode (issue 14) in the
way; a running stream is checked again every `RECHECK_SECONDS` and ends when any fails.
"""

from __future__ import annotations

import asyncio
import functools
import json
from typing import TYPE_CHECKING, Literal

from fastapi import APIRouter, FastAPI, Request, Response, WebSocket, WebSocketDisconnect
from pydantic import BaseModel, Field

from hearthwatch.access import media_tokens
from hearthwatch.access.resolver import Action, authorize
from hearthwatch.accounts.signin import credential_alive
from hearthwatch.context import AppContext
from hearthwatch.errors import Conflict, NotAuthenticated, NotFound, PermissionDenied
from hearthwatch.media.api import (
    CameraId,
    Token,
    media_token_key,
    media_user,
    refuse_if_restricted,
    refuse_in_privacy_mode,
)
from hearthwatch.media.live_streams import LiveStream, live_stream

if TYPE_CHECKING:
    from hearthwatch.media.webrtc import WebRtcPeers

router = APIRouter(prefix="/cameras", tags=["media"])

RECHECK_SECONDS = 15.0
MAX_SDP = 32_768
STREAM_WAIT_SECONDS = 8.0
LIVE_STREAM_HEADER = "hearthwatch-live-stream"


class WebRtcOffer(BaseModel):
    """The browser's session description: one receive-only H.264 video stream."""

    sdp: str = Field(min_length=1, max_length=MAX_SDP)
    type: Literal["offer"]


class WebRtcAnswer(BaseModel):
    sdp: str
    type: Literal["answer"] = "answer"


@router.post("/{camera_id}/webrtc", response_model=WebRtcAnswer)
async def webrtc_offer(
    camera_id: CameraId,
    offer: WebRtcOffer,
    request: Request,
    response: Response,
    token: Token = None,
) -> WebRtcAnswer:
    """Live video over WebRTC (H.264 as the camera sends it): the SDP answer to an offer.
    A camera whose main stream is H.265 is watched through its H.264 sub-stream if it has
    one; the `Hearthwatch-Live-Stream` header says which is sent (`main` or `sub`, with
    its codec and size: `sub; codec=h264; width=640; height=360`).

    Authorised like the live socket, with a live media token; the peer is closed when the
    session behind the token ends or the camera may no longer be watched."""
    ctx: AppContext = request.app.state.ctx
    await asyncio.to_thread(_authorise_live, ctx, camera_id, token or "")
    chosen = await _live_stream(ctx, camera_id, h264_only=True, wait_seconds=STREAM_WAIT_SECONDS)
    if chosen is None:
        raise NotFound("The camera is offline.", code="camera.offline")
    still_allowed = functools.partial(_may_watch, ctx, camera_id, token or "", renewing=True)
    peers = webrtc_peers(request.app)
    sdp = await peers.answer(offer.sdp, chosen.hub, still_allowed=still_allowed)
    response.headers[LIVE_STREAM_HEADER] = chosen.header()
    return WebRtcAnswer(sdp=sdp)


def webrtc_peers(app: FastAPI) -> WebRtcPeers:
    """The app's peer connections, made on first use (aiortc loads PyAV: not at start-up)."""
    peers: WebRtcPeers | None = getattr(app.state, "webrtc", None)
    if peers is None:
        from hearthwatch.media.webrtc import WebRtcPeers, ice_servers

        peers = WebRtcPeers(ice_servers(app.state.ctx.settings))
        app.state.webrtc = peers
    return peers


async def _live_stream(
    ctx: AppContext, camera_id: str, *, h264_only: bool, wait_seconds: float
) -> LiveStream | None:
    """The camera's live stream (media/live_streams.py chooses main or sub-stream)."""
    if ctx.recorder is None:
        return None
    return await live_stream(
        ctx.recorder, camera_id, h264_only=h264_only, wait_seconds=wait_seconds
    )


def _authorise_live(ctx: AppContext, camera_id: str, token: str) -> None:
    with ctx.db.session() as db:
        media_user(ctx, db, None, camera_id=camera_id, scope="live", token=token)


@router.websocket("/{camera_id}/live")
async def live(websocket: WebSocket, camera_id: str, token: str = "", stream: str = "main") -> None:
    """Live video as fMP4 over a WebSocket: the init segment, then one fragment per frame.
    With `stream=sub` (a player whose browser cannot play H.265) a camera whose main stream
    is H.265 is watched through its H.264 sub-stream, announced first in a text message
    (`{"stream": "sub", "codec": …, "width": …, "height": …}`)."""
    ctx: AppContext = websocket.app.state.ctx
    refusal = await asyncio.to_thread(_live_refusal, ctx, camera_id, token)
    if refusal is not None:
        await websocket.close(code=refusal[0], reason=refusal[1])
        return
    await websocket.accept()
    chosen = await _live_stream(ctx, camera_id, h264_only=stream == "sub", wait_seconds=0.0)
    if chosen is None:
        await websocket.close(code=4404, reason="camera offline")
        return
    hub = chosen.hub
    viewer, init, gop = hub.join(asyncio.get_running_loop())
    try:
        if init is None:
            return
        if chosen.sub:
            await websocket.send_text(json.dumps(chosen.describe()))
        await websocket.send_bytes(init)
        for data in gop:
            await websocket.send_bytes(data)
        await _pump(websocket, viewer.queue, ctx, camera_id, token)
    except WebSocketDisconnect:
        pass
    finally:
        hub.leave(viewer)


async def _pump(
    websocket: WebSocket,
    queue: asyncio.Queue[bytes | None],
    ctx: AppContext,
    camera_id: str,
    token: str,
) -> None:
    loop = asyncio.get_running_loop()
    recheck_at = loop.time() + RECHECK_SECONDS
    while True:
        try:
            data = await asyncio.wait_for(queue.get(), timeout=RECHECK_SECONDS)
        except TimeoutError:
            data = b""
        if data is None:
            await websocket.close(code=4404, reason="camera offline")
            return
        if loop.time() >= recheck_at:
            if not await asyncio.to_thread(_may_watch, ctx, camera_id, token, renewing=True):
                await websocket.close(code=4401, reason="access ended")
                return
            recheck_at = loop.time() + RECHECK_SECONDS
        if data:
            await websocket.send_bytes(data)


def _live_refusal(ctx: AppContext, camera_id: str, token: str) -> tuple[int, str] | None:
    """Why the live socket is refused (close code, reason), or None: 4409 for a camera in
    privacy mode (its owner sees why), 4401 for anything else, a stranger's camera included."""
    try:
        with ctx.db.session() as db:
            media_user(ctx, db, None, camera_id=camera_id, scope="live", token=token)
            return None
    except Conflict:
        return 4409, "privacy mode"
    except (NotAuthenticated, NotFound, PermissionDenied):
        return 4401, "not authorised"


def _may_watch(ctx: AppContext, camera_id: str, token: str, *, renewing: bool = False) -> bool:
    """Token, resolver and session checked together; a running stream outlives its token's
    expiry but not the session, nor the right to watch."""
    try:
        with ctx.db.session() as db:
            if not renewing:
                media_user(ctx, db, None, camera_id=camera_id, scope="live", token=token)
                return True
            grant = media_tokens.verify(
                media_token_key(ctx),
                token,
                camera_id=camera_id,
                scope="live",
                now=ctx.clock.now(),
                check_expiry=False,
            )
            if not credential_alive(ctx, db, grant.credential_id):
                return False
            authorize(db, user_id=grant.user_id, camera_id=camera_id, action=Action.WATCH_LIVE)
            refuse_if_restricted(ctx, db, camera_id)
            refuse_in_privacy_mode(db, camera_id)
            return True
    except (NotAuthenticated, NotFound, PermissionDenied, Conflict):
        return False
