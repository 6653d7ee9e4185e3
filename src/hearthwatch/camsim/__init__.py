"""The camera simulator: cameras that serve real H.264 and AAC over RTSP, with faults on command.

Part of the product: `hearthwatch camsim` runs a fleet, `hearthwatch demo` binds one to the
demo account, and the tests and benchmarks record from it:

    from hearthwatch.camsim import CameraFleet, FleetConfig

    with CameraFleet(FleetConfig(cameras=4, port=0, seed=1)) as fleet:
        camera = fleet.cameras[0]     # CameraInfo: serial, verification_code, main_url, ...
        fleet.stall(camera.serial, 3.0)

The names below load on first use, so importing `hearthwatch.camsim.identity` (as the web
app does) does not pull in PyAV and OpenCV.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hearthwatch.camsim.faults import Fault
    from hearthwatch.camsim.fleet import CameraFleet, CameraInfo, FleetConfig
    from hearthwatch.camsim.fleet_state import CredentialPolicy, FleetStateError
    from hearthwatch.camsim.identity import CameraIdentity, PayloadError, parse_payload

_HOMES = {
    "CameraFleet": "fleet",
    "CameraInfo": "fleet",
    "FleetConfig": "fleet",
    "CredentialPolicy": "fleet_state",
    "FleetStateError": "fleet_state",
    "Fault": "faults",
    "CameraIdentity": "identity",
    "PayloadError": "identity",
    "parse_payload": "identity",
}
__all__ = [
    "CameraFleet",
    "CameraIdentity",
    "CameraInfo",
    "CredentialPolicy",
    "Fault",
    "FleetConfig",
    "FleetStateError",
    "PayloadError",
    "parse_payload",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{home}"), name)
