"""`hearthwatch camsim`: options, what it prints, and a real run stopped by SIGTERM."""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from hearthwatch.camsim.cli import add_camsim_command, config_from_args, print_fleet
from hearthwatch.camsim.fleet import CameraFleet
from hearthwatch.camsim.fleet_state import CredentialPolicy
from hearthwatch.devices.binding import read_qr_image


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="hearthwatch")
    add_camsim_command(parser.add_subparsers())
    return parser.parse_args(["camsim", *argv])


def test_defaults_are_one_720p_camera_on_8554_with_a_control_api() -> None:
    config = config_from_args(parse())
    assert (config.cameras, config.host, config.port, config.resolution) == (
        1,
        "127.0.0.1",
        8554,
        "720p",
    )
    assert config.control_port == 8555 and not config.live
    assert config.credentials == CredentialPolicy()


def test_options_reach_the_fleet_config(tmp_path: Path) -> None:
    args = parse(
        *("--cameras", "4", "--resolution", "1080p", "--live", "--seed", "9"),
        *("--username", "admin", "--password", "pw", "--state", str(tmp_path / "s.json")),
        *("--no-control", "--port", "0", "--advertise-host", "cams.local"),
    )
    config = config_from_args(args)
    assert (config.cameras, config.main_spec().width, config.live, config.seed) == (
        4,
        1920,
        True,
        9,
    )
    assert config.credentials == CredentialPolicy("admin", "pw")
    assert config.state_file == tmp_path / "s.json"
    assert config.control_port is None and config.advertise_host == "cams.local"


@pytest.mark.parametrize(
    "argv",
    [["--cameras", "0"], ["--port", "70000"], ["--resolution", "4k"], ["--cameras", "x"]],
)
def test_bad_options_are_refused(argv: list[str]) -> None:
    with pytest.raises(SystemExit):
        parse(*argv)


def test_username_needs_a_password() -> None:
    with pytest.raises(ValueError, match="together"):
        config_from_args(parse("--username", "admin"))


def test_prints_each_camera_and_writes_qr_pngs(
    shared_fleet: CameraFleet, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    print_fleet(shared_fleet, parse("--qr", str(tmp_path / "qr")))
    out = capsys.readouterr().out
    for camera in shared_fleet.cameras:
        for text in (camera.name, camera.serial, camera.verification_code, camera.payload):
            assert text in out
        assert camera.sub_url in out
        picture = (tmp_path / "qr" / f"{camera.serial}.png").read_bytes()
        assert read_qr_image(picture) == camera.payload
    assert "\u2580" in out or "\u2584" in out or "\u2588" in out  # the terminal QR codes


def run_camsim(*argv: str) -> dict[str, Any]:
    """Run `python -m hearthwatch.camsim --json ...`, read its fleet, check the control API,
    stop it with SIGTERM and return what it printed."""
    command = [sys.executable, "-m", "hearthwatch.camsim", "--json", "--port", "0", *argv]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    ) as process:
        assert process.stdout is not None and process.stderr is not None
        fleet: dict[str, Any] = json.loads(process.stdout.readline())
        listed = httpx.get(f"{fleet['control_url']}/cameras").json()
        process.send_signal(signal.SIGTERM)
        _, errors = process.communicate(timeout=20)
    assert process.returncode == 0, errors
    assert listed == fleet["cameras"]
    return fleet


def test_runs_until_sigterm_and_keeps_cameras_in_its_state_file(tmp_path: Path) -> None:
    state = tmp_path / "camsim.json"
    common = ("--scene-seconds", "4", "--control-port", "0", "--state", str(state))
    first = run_camsim("--cameras", "2", *common)
    again = run_camsim("--cameras", "2", *common)
    assert [c["serial"] for c in again["cameras"]] == [c["serial"] for c in first["cameras"]]
    assert len(first["cameras"]) == 2


@pytest.mark.parametrize(
    ("argv", "audio", "video_only"),
    [
        ((), True, frozenset()),
        (("--no-audio",), False, frozenset()),
        (("--no-audio", "2,4"), True, frozenset({1, 3})),
    ],
)
def test_issue12_item3_no_audio_makes_every_or_the_named_cameras_video_only(
    argv: tuple[str, ...], audio: bool, video_only: frozenset[int]
) -> None:
    config = config_from_args(parse("--cameras", "4", *argv))
    assert (config.audio, config.video_only) == (audio, video_only)
    assert [config.has_audio(i) for i in range(4)] == [
        audio and i not in video_only for i in range(4)
    ]


@pytest.mark.parametrize("value", ["0", "two", "1,,2"])
def test_issue12_item3_no_audio_refuses_what_is_not_a_camera_number(value: str) -> None:
    with pytest.raises(SystemExit):
        parse("--no-audio", value)


@pytest.mark.parametrize(
    ("argv", "schedule"),
    [((), "loop"), (("--motion", "none"), "none"), (("--motion", "every:75"), "every:75")],
)
def test_issue14_item3_motion_option_sets_the_schedule(
    argv: tuple[str, ...], schedule: str
) -> None:
    assert str(config_from_args(parse(*argv)).motion) == schedule


@pytest.mark.parametrize("value", ["sometimes", "every:2", "every:"])
def test_issue14_item3_motion_option_refuses_a_bad_schedule(
    value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit):
        parse("--motion", value)
    assert "motion schedule must be one of" in capsys.readouterr().err
