"""The camera simulator: cameras that serve real H.264 and AAC over RTSP, with faults on command.

A test double, not part of the product: the tests and benchmarks record from it,
`hearthwatch camsim` runs a fleet, `hearthwatch demo` binds one to the demo account:

    from hearthwatch.camsim import CameraFleet, FleetConfig

    with CameraFleet(FleetConfig(cameras=4, port=0, seed=1)) as fleet:
        camera = fleet.cameras[0]     # CameraInfo: serial, verification_code, main_url, ...
        fleet.stall(camera.serial, 3.0)
        fleet.start_motion(camera.serial)  # someone crosses its scene now

This package's names are the simulator's one entry point for the product: only the CLI
(`add_camsim_command`, for `hearthwatch camsim`) and the demo launcher (hearthwatch/demo.py)
use them, and nothing else of the product imports the simulator (tests/protocols checks
it). What the simulator and the product both speak (H.264, the label's QR payload, RTSP
addresses) is in `hearthwatch.protocols`, which the simulator imports like the product.

The names below load on first use, so the CLI's `import` does not pull in PyAV and OpenCV.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hearthwatch.camsim.cli import add_camsim_command
    from hearthwatch.camsim.faults import Fault
    from hearthwatch.camsim.fleet import CameraFleet, CameraInfo, FleetConfig
    from hearthwatch.camsim.fleet_state import CredentialPolicy, FleetStateError
    from hearthwatch.camsim.motion import MotionSchedule
    from hearthwatch.camsim.views import CameraView

_HOMES = {
    "CameraFleet": "fleet",
    "CameraInfo": "fleet",
    "FleetConfig": "fleet",
    "CredentialPolicy": "fleet_state",
    "FleetStateError": "fleet_state",
    "Fault": "faults",
    "MotionSchedule": "motion",
    "CameraView": "views",
    "add_camsim_command": "cli",
}
__all__ = [
    "CameraFleet",
    "CameraInfo",
    "CameraView",
    "CredentialPolicy",
    "Fault",
    "FleetConfig",
    "FleetStateError",
    "MotionSchedule",
    "add_camsim_command",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{home}"), name)
