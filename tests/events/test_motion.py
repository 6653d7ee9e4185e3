"""Issue 14 item 1: the motion analyser on synthetic frames: a moving block opens motion in
its zone, a masked area never triggers, compression-like noise and slow light changes do
not, the sensitivity and minimum duration change the outcome."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.typing import NDArray

from hearthwatch.events.motion import MotionAnalyser, MotionSettings, Verdict, Zone
from hearthwatch.media.masks import Polygon

WIDTH, HEIGHT, FPS = 320, 180, 5
FRAME_US = 1_000_000 // FPS
LEFT: Polygon = ((0.0, 0.0), (0.5, 0.0), (0.5, 1.0), (0.0, 1.0))
RIGHT: Polygon = ((0.5, 0.0), (1.0, 0.0), (1.0, 1.0), (0.5, 1.0))


def scene(seed: int = 0) -> NDArray[np.uint8]:
    """A textured background (a gradient with some structure)."""
    rows = np.linspace(60, 160, HEIGHT, dtype=np.float32)[:, None]
    columns = np.linspace(0, 30, WIDTH, dtype=np.float32)[None, :]
    return np.asarray(rows + columns, dtype=np.uint8)


def with_block(
    base: NDArray[np.uint8], x: int, y: int, size: int = 24, level: int = 240
) -> NDArray[np.uint8]:
    frame = base.copy()
    frame[y : y + size, x : x + size] = level
    return frame


def run(
    analyser: MotionAnalyser, frames: list[NDArray[np.uint8]], start_us: int = 0
) -> list[Verdict]:
    return [analyser.feed(f, start_us + i * FRAME_US) for i, f in enumerate(frames)]


def walking(base: NDArray[np.uint8], xs: range, y: int = 120) -> list[NDArray[np.uint8]]:
    """Some still frames, then a block moving along `xs`."""
    return [base] * 10 + [with_block(base, x, y) for x in xs]


def test_issue14_a_moving_block_is_motion_in_its_zone_only() -> None:
    zones = (Zone("left", "Left", LEFT), Zone("right", "Right", RIGHT))
    analyser = MotionAnalyser(MotionSettings(sensitivity=60, min_duration_ms=800, zones=zones))
    verdicts = run(analyser, walking(scene(), range(20, 120, 6)))
    assert not any(v.moving for v in verdicts[:10])
    moving = [v for v in verdicts[10:] if v.moving]
    assert len(moving) >= len(verdicts[10:]) - 1
    assert all(v.zones_hit == ("left",) for v in moving)
    assert all(v.zone_scores["right"] == 0 for v in verdicts)
    # Sustained once it has moved for the minimum duration (0.8 s at 5 fps: the 4th frame).
    first = next(i for i, v in enumerate(verdicts) if v.sustained)
    assert first - 10 in (3, 4)
    assert verdicts[first].onset_us == 10 * FRAME_US
    assert 0 < verdicts[first].score < 0.1


def test_issue14_a_masked_area_never_triggers_even_inside_a_zone() -> None:
    settings = MotionSettings(min_duration_ms=0, zones=(Zone("all", "All", LEFT),), masks=(LEFT,))
    verdicts = run(MotionAnalyser(settings), walking(scene(), range(20, 120, 6)))
    assert not any(v.moving or v.score for v in verdicts)
    unmasked = MotionAnalyser(MotionSettings(min_duration_ms=0, masks=(RIGHT,)))
    assert any(v.sustained for v in run(unmasked, walking(scene(), range(20, 120, 6))))


def test_issue14_noise_and_slow_light_changes_are_not_motion() -> None:
    rng = np.random.default_rng(7)
    base = scene().astype(np.int16)
    frames = []
    for i in range(150):  # 30 s: the light rises by 30 levels, with noise of +-6 per pixel
        noise = rng.integers(-6, 7, size=base.shape)
        frames.append(np.clip(base + i * 0.2 + noise, 0, 255).astype(np.uint8))
    analyser = MotionAnalyser(MotionSettings(sensitivity=100, min_duration_ms=0))
    assert not any(v.moving for v in run(analyser, frames))
    # A sudden change of the whole picture's brightness (a light switched on) neither.
    brighter = [np.clip(frames[-1].astype(np.int16) + 25, 0, 255).astype(np.uint8)] * 5
    assert not any(v.moving for v in run(analyser, brighter, start_us=150 * FRAME_US))


@pytest.mark.parametrize(("sensitivity", "expected"), [(1, False), (60, True), (100, True)])
def test_issue14_sensitivity_changes_the_outcome(sensitivity: int, expected: bool) -> None:
    # A small, faint visitor: 16 px, 30 levels brighter than what it passes.
    base = scene()
    frames = [base] * 10 + [
        with_block(base, x, 60, size=16, level=int(base[68, x]) + 30) for x in range(40, 200, 8)
    ]
    analyser = MotionAnalyser(MotionSettings(sensitivity=sensitivity, min_duration_ms=400))
    assert any(v.sustained for v in run(analyser, frames)) is expected


def test_issue14_motion_shorter_than_the_minimum_duration_does_not_last() -> None:
    base = scene()
    blip = [base] * 10 + [with_block(base, 100, 100)] * 2 + [base] * 10  # 0.4 s
    settings = MotionSettings(min_duration_ms=1000)
    assert not any(v.sustained for v in run(MotionAnalyser(settings), blip))
    assert any(v.moving for v in run(MotionAnalyser(settings), blip))
    quick = MotionAnalyser(MotionSettings(min_duration_ms=200))
    assert any(v.sustained for v in run(quick, blip))
