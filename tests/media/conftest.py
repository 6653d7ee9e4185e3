"""Fixtures for video tests: simulated cameras over real RTSP, and a running recorder."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient

from hearthwatch.accounts.models import User
from hearthwatch.camsim.camera import SimulatedCamera
from hearthwatch.camsim.rtsp_server import CameraRtspServer
from hearthwatch.camsim.scene import SceneSpec, load_clip
from hearthwatch.camsim.sources import ClipSource
from hearthwatch.context import AppContext
from hearthwatch.devices.registry import register_camera
from hearthwatch.media.recorder import Recorder
from hearthwatch.security.outbound import OutboundPolicy, parse_allowed_networks
from tests.conftest import SIMULATOR_NETWORK

SMALL_SCENE = SceneSpec(width=640, height=360, seconds=4, bitrate_kbps=800, motion=((1.0, 3.0),))


@dataclass
class Cameras:
    server: CameraRtspServer
    loop: asyncio.AbstractEventLoop
    cameras: list[SimulatedCamera]

    def url(self, index: int = 0) -> str:
        return self.server.url(self.cameras[index])

    def call(self, fn: Callable[[], Any]) -> None:
        """Run `fn` (a fault) on the simulator's loop."""
        self.loop.call_soon_threadsafe(fn)


@pytest.fixture(scope="session")
def cameras() -> Iterator[Cameras]:
    clip = load_clip(SMALL_SCENE)
    cams = [SimulatedCamera(f"Camera {i}", {"main": ClipSource(clip)}) for i in range(3)]
    server = CameraRtspServer(cams, port=0)
    loop = asyncio.new_event_loop()
    ready = threading.Event()

    def run() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(server.start())
        ready.set()
        loop.run_forever()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    ready.wait(10)
    yield Cameras(server, loop, cams)
    asyncio.run_coroutine_threadsafe(server.stop(), loop).result(10)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(5)
    loop.close()


@pytest.fixture
def registered(ctx: AppContext, cameras: Cameras) -> list[SimulatedCamera]:
    """The simulated cameras, known to the service's registry."""
    with ctx.db.session() as session:
        for camera in cameras.cameras:
            register_camera(
                ctx,
                session,
                serial=camera.serial,
                code=camera.identity.verification_code,
                rtsp_url=cameras.server.url(camera),
                model="CamSim 1",
                firmware_version="1.4.2",
            )
    return cameras.cameras


@pytest.fixture
def recorder(ctx: AppContext) -> Iterator[Recorder]:
    ctx.settings.segment_seconds = 2.0
    running = Recorder(ctx, ctx.vault)
    ctx.recorder = running
    running.start()
    yield running
    running.stop()
    ctx.recorder = None


def bind(client: TestClient, camera: SimulatedCamera, name: str = "Yard") -> dict[str, Any]:
    body = {
        "serial": camera.serial,
        "verification_code": camera.identity.verification_code,
        "name": name,
    }
    response = client.post("/api/v1/cameras/bind", json=body)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def simulator_policy() -> OutboundPolicy:
    """The outbound policy of the test settings: the simulators' loopback is allowed."""
    return OutboundPolicy(allowed=parse_allowed_networks(SIMULATOR_NETWORK))


def wait_for(check: Callable[[], Any], timeout: float = 20.0, every: float = 0.2) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(every)
    raise AssertionError("condition not met in time")


@pytest.fixture
def bound(
    client: TestClient, alice: User, registered: list[SimulatedCamera], recorder: Recorder
) -> dict[str, Any]:
    """Alice's first camera, bound and being recorded."""
    return bind(client, registered[0])
