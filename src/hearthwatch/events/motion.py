"""Motion analysis on small gray frames: pure, fast, no I/O (issue 14 item 1).

Each frame (the Y plane of a decoded picture, any size) is shrunk to `ANALYSIS_WIDTH`
columns by area averaging and blurred, which wipes out most compression noise before
anything is compared. It is then compared with a background that follows the scene slowly
(a running average whose time constant is `BACKGROUND_TAU_S`, whatever the frame rate), so
dusk or a passing cloud is absorbed while a person walking is not; a change of the whole
picture's brightness between two frames is taken off first (lights switched on, the
camera's exposure).

A pixel has changed when it differs from the background by more than the sensitivity's
threshold; small specks are opened away. The score is the fraction of the analysed area
that changed (0 to 1), overall and per zone. Zones are where motion counts (none: the whole
picture); privacy masks are never analysed, not even inside a zone. Motion is *moving* while
some zone's score reaches the sensitivity's minimum area, and *sustained* once it has been
moving for the minimum duration (short gaps of up to `GAP_TOLERANCE_US` forgiven, each
frame counting for the time until the next): only sustained motion opens an event
(events/lifecycle.py).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from hearthwatch.media.masks import Polygon, raster

ANALYSIS_WIDTH = 160
BACKGROUND_TAU_S = 4.0
GAP_TOLERANCE_US = 600_000
MAX_FRAME_CREDIT_US = 3_000_000  # a frame after a long break stands for no more than this
# Sensitivity 1 .. 100 maps between these (least sensitive first), geometrically: each step
# of sensitivity makes the same relative difference. At the default (60) a pixel must change
# by some 14 gray levels and 0.3% of a zone must change: a person a tenth of the picture's
# height away in a 320x180 sub-stream covers about 1% of it.
THRESHOLD_RANGE = (48.0, 6.0)  # gray levels a pixel must differ by
AREA_RANGE = (0.05, 0.0005)  # fraction of a zone that must change
# How long motion must last before an event opens, by default: three sub-stream frames at
# 5 fps. Long enough that one flicker (a leaf, a compression burst) opens nothing, short
# enough that an alert can reach a phone within a second of someone stepping in (the
# cooldown, not this, is what keeps wind and shadows from flooding anyone).
DEFAULT_MIN_DURATION_MS = 400


@dataclass(frozen=True)
class Zone:
    """A named area where motion counts, points from 0 to 1 across the picture."""

    id: str
    name: str
    points: Polygon


@dataclass(frozen=True)
class MotionSettings:
    sensitivity: int = 60
    min_duration_ms: int = DEFAULT_MIN_DURATION_MS
    zones: tuple[Zone, ...] = ()
    masks: tuple[Polygon, ...] = ()

    @property
    def threshold(self) -> float:
        """Gray levels (0..255) a pixel must differ from the background by to count."""
        return _between(THRESHOLD_RANGE, self.sensitivity)

    @property
    def min_area(self) -> float:
        """Fraction of a zone (or of the picture) that must change for motion."""
        return _between(AREA_RANGE, self.sensitivity)


def _between(bounds: tuple[float, float], sensitivity: int) -> float:
    share = (min(max(sensitivity, 1), 100) - 1) / 99
    return float(bounds[0] * (bounds[1] / bounds[0]) ** share)


@dataclass(frozen=True)
class Verdict:
    """What one frame showed."""

    score: float  # changed fraction of the analysed picture
    zone_scores: dict[str, float]  # by zone id (empty without zones)
    zones_hit: tuple[str, ...]  # zones whose score reached the minimum area
    moving: bool
    sustained: bool  # moving for at least the minimum duration
    onset_us: int | None  # when the current motion began (while moving)


@dataclass
class _Areas:
    analysed: NDArray[np.bool_]
    analysed_count: int
    zones: list[tuple[str, NDArray[np.bool_], int]]


class MotionAnalyser:
    """One camera's motion analysis; feed it frames in time order from one thread."""

    def __init__(self, settings: MotionSettings) -> None:
        self.settings = settings
        self._background: NDArray[np.float32] | None = None
        self._areas: _Areas | None = None
        self._size: tuple[int, int] = (0, 0)
        self._last_us: int | None = None
        self._onset_us: int | None = None
        self._last_moving_us: int | None = None
        self._interval_us = 0  # between the last two frames

    def feed(self, gray: NDArray[np.uint8], at_us: int) -> Verdict:
        """Analyse one frame (rows x columns of gray levels) taken at `at_us`."""
        import cv2

        small = self._prepare(gray)
        background = self._background
        self._interval_us = at_us - self._last_us if self._last_us is not None else 0
        dt_s = self._interval_us / 1e6
        self._last_us = at_us
        if background is None or background.shape != small.shape:
            self._background = small.astype(np.float32)
            return self._judge(0.0, {zone.id: 0.0 for zone in self.settings.zones}, at_us)
        areas = self._areas
        assert areas is not None
        if not areas.analysed_count:  # masks cover every zone: nothing is analysed
            return self._judge(0.0, {zone.id: 0.0 for zone in self.settings.zones}, at_us)
        picture = small.astype(np.float32)
        # A change of the whole picture's brightness is the light, not motion.
        shift = float(picture[areas.analysed].mean() - background[areas.analysed].mean())
        difference = np.abs(picture - background - shift)
        changed = (difference > self.settings.threshold).astype(np.uint8)
        changed = cv2.morphologyEx(changed, cv2.MORPH_OPEN, _KERNEL).astype(bool)
        changed &= areas.analysed
        alpha = 1.0 - math.exp(-max(dt_s, 0.0) / BACKGROUND_TAU_S)
        cv2.accumulateWeighted(picture, background, alpha)
        score = int(changed.sum()) / areas.analysed_count if areas.analysed_count else 0.0
        zone_scores = {
            zone_id: int((changed & area).sum()) / count if count else 0.0
            for zone_id, area, count in areas.zones
        }
        return self._judge(score, zone_scores, at_us)

    def _prepare(self, gray: NDArray[np.uint8]) -> NDArray[np.uint8]:
        """The frame shrunk by area averaging and blurred; the zones rasterised at its size
        the first time (and when the picture's size changes)."""
        import cv2

        height, width = gray.shape[:2]
        shrunk: Any = gray
        if width > ANALYSIS_WIDTH:
            size = (ANALYSIS_WIDTH, max(1, round(height * ANALYSIS_WIDTH / width)))
            shrunk = cv2.resize(gray, size, interpolation=cv2.INTER_AREA)
        small: NDArray[np.uint8] = np.asarray(cv2.GaussianBlur(shrunk, (3, 3), 0), np.uint8)
        shape = (small.shape[1], small.shape[0])
        if shape != self._size:
            self._size, self._areas = shape, self._rasterise(*shape)
            self._background = None
        return small

    def _rasterise(self, width: int, height: int) -> _Areas:
        masked = raster(self.settings.masks, width, height) > 0
        open_area = ~masked
        zones = []
        for zone in self.settings.zones:
            area = (raster((zone.points,), width, height) > 0) & open_area
            zones.append((zone.id, area, int(area.sum())))
        analysed = open_area
        if zones:
            analysed = np.zeros_like(open_area)
            for _, area, _ in zones:
                analysed |= area
        return _Areas(analysed, int(analysed.sum()), zones)

    def _judge(self, score: float, zone_scores: dict[str, float], at_us: int) -> Verdict:
        minimum = self.settings.min_area
        if self.settings.zones:
            hit = tuple(z for z, s in zone_scores.items() if s >= minimum and s > 0)
        else:
            hit = ()
        moving = bool(hit) if self.settings.zones else score >= minimum and score > 0
        # Keyframes only (a main stream analysed) come seconds apart: a gap is then longer.
        tolerance = max(GAP_TOLERANCE_US, 2 * self._interval_us)
        since = at_us - self._last_moving_us if self._last_moving_us is not None else None
        if moving:
            if self._onset_us is None or since is None or since > tolerance:
                self._onset_us = at_us
            self._last_moving_us = at_us
        elif since is None or since > tolerance:
            self._onset_us = None
        onset = self._onset_us
        needed = self.settings.min_duration_ms * 1000
        # A frame stands for the time until the next one: keyframes a GOP apart, each
        # showing the visitor, are motion for as long as they cover.
        credit = min(self._interval_us, MAX_FRAME_CREDIT_US)
        sustained = moving and onset is not None and at_us - onset + credit >= needed
        return Verdict(score, zone_scores, hit, moving, sustained, onset if moving else None)


def _kernel() -> Any:
    return np.ones((3, 3), dtype=np.uint8)


_KERNEL = _kernel()
