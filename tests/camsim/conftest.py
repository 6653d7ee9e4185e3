"""Fleets of simulated cameras for the camsim tests, on free loopback ports.

Scenes are short (4 s loops) and cached on disk like the product's (`HEARTHWATCH_CACHE_DIR`
or the user's cache), so only the first run pays for encoding them.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from hearthwatch.camsim.fleet import CameraFleet, CameraInfo, FleetConfig

SCENE_SECONDS = 4
StartFleet = Callable[..., CameraFleet]


def fleet_config(**overrides: Any) -> FleetConfig:
    """A small, quick fleet: free ports, 4 s scenes, repeatable identities."""
    base: dict[str, Any] = {"port": 0, "scene_seconds": SCENE_SECONDS, "seed": 7}
    return FleetConfig(**{**base, **overrides})


@pytest.fixture(scope="session")
def shared_fleet() -> Iterator[CameraFleet]:
    """Two cameras for tests that only watch (no faults)."""
    with CameraFleet(fleet_config(cameras=2)) as fleet:
        yield fleet


@pytest.fixture
def camera(shared_fleet: CameraFleet) -> CameraInfo:
    return shared_fleet.cameras[0]


@pytest.fixture
def start_fleet() -> Iterator[StartFleet]:
    """Factory: a fleet of its own for a test that breaks cameras; stopped afterwards."""
    fleets: list[CameraFleet] = []

    def start(**overrides: Any) -> CameraFleet:
        fleet = CameraFleet(fleet_config(**overrides))
        fleet.start()
        fleets.append(fleet)
        return fleet

    yield start
    for fleet in fleets:
        fleet.stop()


def require_binary(name: str) -> str:
    """The binary's path; the test is skipped, saying why, when it is not installed."""
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is not installed (Debian: scripts/system-deps installs it)")
    return path
