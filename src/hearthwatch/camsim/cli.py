"""`hearthwatch camsim`: run a fleet of simulated cameras until Ctrl-C or SIGTERM."""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the fleet pulls in PyAV and NumPy: load it only when camsim runs
    from hearthwatch.camsim.fleet import CameraFleet, CameraInfo, FleetConfig

RESOLUTION_CHOICES = ("1080p", "720p")

DEFAULT_CONTROL_PORT = 8555
DEFAULT_QR_DIR = "camsim-qr"


def add_camsim_command(subparsers: Any) -> argparse.ArgumentParser:
    """Register `camsim` on an argparse subparsers object; its `run` is `run_camsim`."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "camsim",
        help="run simulated cameras that serve H.264 (and AAC audio) over RTSP",
        description="Run N simulated cameras on one RTSP port, with a fault-injection API.",
    )
    add_camsim_arguments(parser)
    parser.set_defaults(run=run_camsim)
    return parser


def add_camsim_arguments(parser: argparse.ArgumentParser) -> None:
    arg = parser.add_argument
    arg("--cameras", type=_count, default=1, help="how many cameras (default: 1)")
    arg("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    arg("--port", type=_port, default=8554, help="RTSP port (default: 8554; 0: any free)")
    arg("--advertise-host", help="host to put in URLs and QR codes (default: --host)")
    arg("--resolution", choices=RESOLUTION_CHOICES, default="720p", help="main stream size")
    arg("--scene-seconds", type=_count, default=20, help="length of the looping scene")
    arg("--live", action="store_true", help="encode camera 1's main stream live, time burned in")
    arg("--motion", type=_schedule, default="loop", metavar="loop|none|every:SECONDS",
        help="when someone crosses each scene: in every loop (default), only on command"
        " (none: POST /cameras/<serial>/motion), or every SECONDS, cameras taking"
        " turns")  # fmt: skip
    arg("--username", help="RTSP user name for every camera (with --password)")
    arg("--password", help="RTSP password for every camera (with --username)")
    arg("--unique-passwords", action="store_true", help="give each camera its own password")
    arg("--seed", type=int, help="make serials and codes repeatable")
    arg("--state", type=Path, help="JSON file that keeps the cameras' identities across runs")
    arg("--control-host", default="127.0.0.1", help="control API address (default: loopback)")
    arg("--control-port", type=_port, default=DEFAULT_CONTROL_PORT, help="control API port")
    arg("--no-control", action="store_true", help="run without the HTTP control API")
    arg("--qr", nargs="?", const=DEFAULT_QR_DIR, metavar="DIR",
        help=f"print QR codes and write PNGs to DIR (default: {DEFAULT_QR_DIR})")  # fmt: skip
    arg("--json", action="store_true", help="print the fleet as one line of JSON")
    arg("--no-audio", nargs="?", const="all", type=_cameras, metavar="N,N...",
        help="serve video only: every camera, or the cameras numbered (from 1) "
        "(default: each camera sends AAC audio, a chime of its own)")  # fmt: skip


def config_from_args(args: argparse.Namespace) -> FleetConfig:
    from hearthwatch.camsim.fleet import FleetConfig
    from hearthwatch.camsim.fleet_state import CredentialPolicy
    from hearthwatch.camsim.motion import MotionSchedule

    if (args.username is None) != (args.password is None):
        raise ValueError("give --username and --password together")
    return FleetConfig(
        cameras=args.cameras,
        host=args.host,
        port=args.port,
        advertise_host=args.advertise_host,
        resolution=args.resolution,
        scene_seconds=args.scene_seconds,
        live=args.live,
        motion=MotionSchedule.parse(args.motion),
        seed=args.seed,
        state_file=args.state,
        credentials=CredentialPolicy(args.username, args.password, args.unique_passwords),
        control_port=None if args.no_control else args.control_port,
        control_host=args.control_host,
        audio=args.no_audio != "all",
        video_only=frozenset(n - 1 for n in _numbers(args.no_audio)),
    )


def run_camsim(_settings: object, args: argparse.Namespace) -> int:
    """Run the fleet until interrupted; the settings of `hearthwatch` are not needed."""
    from hearthwatch.camsim.fleet import CameraFleet
    from hearthwatch.camsim.fleet_state import FleetStateError

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    try:
        fleet = CameraFleet(config_from_args(args))
        print("camsim: preparing scenes (encoded once, then cached)...", file=sys.stderr)
        fleet.start()
    except (ValueError, FleetStateError, OSError) as err:
        print(f"hearthwatch camsim: {err}", file=sys.stderr)
        return 2
    try:
        print_fleet(fleet, args)
        _wait_for_stop()
    finally:
        fleet.stop()
    return 0


def print_fleet(fleet: CameraFleet, args: argparse.Namespace) -> None:
    qr_dir = Path(args.qr) if args.qr else None
    if qr_dir is not None:
        _write_qr_pngs(fleet.cameras, qr_dir)
    if args.json:
        body = {"rtsp_port": fleet.rtsp_port, "control_url": fleet.control_url}
        print(json.dumps({**body, "cameras": [c.to_json() for c in fleet.cameras]}), flush=True)
        return
    for camera in fleet.cameras:
        print(_describe(camera, qr_dir))
    if fleet.control_url:
        print(f"control API: {fleet.control_url}/cameras  (POST /cameras/<serial>/faults)")
        print(f"  someone crosses now: curl -X POST {fleet.control_url}/cameras/<serial>/motion")
    print("Press Ctrl-C to stop.", flush=True)


def _describe(camera: CameraInfo, qr_dir: Path | None) -> str:
    lines = [
        camera.name,
        f"  serial      {camera.serial}",
        f"  code        {camera.verification_code}",
        f"  main        {camera.main_url}",
        f"  sub         {camera.sub_url}",
        f"  audio       {'AAC, 16 kHz mono' if camera.audio else 'none (video only)'}",
        f"  QR payload  {camera.payload}",
    ]
    if camera.username is not None:
        lines.insert(5, f"  login       {camera.username} / {camera.password}")
    if qr_dir is not None:
        lines += [camera.identity.qr_terminal(), f"  QR image    {qr_dir / camera.serial}.png"]
    return "\n".join(lines) + "\n"


def _write_qr_pngs(cameras: list[CameraInfo], directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for camera in cameras:
        (directory / f"{camera.serial}.png").write_bytes(camera.identity.qr_png())


def _wait_for_stop() -> None:
    stop = threading.Event()
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: stop.set())
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)


def _count(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _numbers(choice: str | tuple[int, ...] | None) -> tuple[int, ...]:
    return choice if isinstance(choice, tuple) else ()


def _cameras(text: str) -> str | tuple[int, ...]:
    if text == "all":
        return text
    try:
        numbers = tuple(int(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError("give camera numbers like 2,3") from None
    if min(numbers) < 1:
        raise argparse.ArgumentTypeError("cameras are numbered from 1")
    return numbers


def _schedule(text: str) -> str:
    from hearthwatch.camsim.motion import MotionSchedule

    try:
        MotionSchedule.parse(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None
    return text


def _port(text: str) -> int:
    value = int(text)
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError("must be a port number (0 to 65535)")
    return value
