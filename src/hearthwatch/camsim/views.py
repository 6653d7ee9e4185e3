"""What a simulated camera looks at: a few views, each with its own colours and its own
visitor (a walker, a courier, a dog, a car, a cyclist), and the camera's name on the picture.

A view is drawn once, still, as a real camera's background would be; each frame then only
draws the visitor (during the scene's motion episodes; any of the `ACTORS` may stand in for
the view's own) and sensor grain, and converts to
the encoder's YUV 4:2:0 with OpenCV, so a new view costs little more than its encoding.
Shapes are given in fractions of the picture, so every resolution shows the same view.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np
from numpy.typing import NDArray

Picture = NDArray[np.uint8]
Colour = tuple[int, int, int]
GRAIN_FRAMES = 4
GRAIN_LEVEL = 12


@dataclass(frozen=True)
class CameraView:
    """Which view a camera shows, the name it prints on the picture, and who crosses it
    (a name from `ACTORS`; "": the view's own visitor)."""

    view: str = "yard"
    label: str = ""
    actor: str = ""


def box(picture: Picture, x0: float, y0: float, x1: float, y1: float, colour: Colour) -> None:
    """Fill the rectangle given in fractions of the picture's width and height."""
    h, w = picture.shape[:2]
    picture[int(y0 * h) : int(y1 * h), int(x0 * w) : int(x1 * w)] = colour


def disc(picture: Picture, x: float, y: float, r: float, colour: Colour) -> None:
    h, w = picture.shape[:2]
    cv2.circle(picture, (int(x * w), int(y * h)), max(1, int(r * h)), colour, -1)


def gradient(picture: Picture, y0: float, y1: float, top: Colour, bottom: Colour) -> None:
    h = picture.shape[0]
    rows = int(y1 * h) - int(y0 * h)
    mix = np.linspace(0.0, 1.0, rows, dtype=np.float32)[:, None, None]
    band = (1 - mix) * np.array(top, np.float32) + mix * np.array(bottom, np.float32)
    picture[int(y0 * h) : int(y1 * h)] = band.astype(np.uint8)


def texture(picture: Picture, y0: float, y1: float, spread: int, seed: int) -> None:
    """Make a band less flat (grass, gravel): a fixed random pattern, darker in places."""
    h, w = picture.shape[:2]
    rows = int(y1 * h) - int(y0 * h)
    noise = np.random.default_rng(seed).integers(0, spread, (rows, w, 1), dtype=np.uint8)
    band = picture[int(y0 * h) : int(y1 * h)]
    band[:] = cv2.subtract(band, np.repeat(noise, 3, axis=2))


def draw_yard(p: Picture) -> None:
    gradient(p, 0.0, 0.6, (120, 160, 200), (84, 112, 140))
    gradient(p, 0.6, 1.0, (40, 105, 30), (30, 80, 20))
    texture(p, 0.6, 1.0, 40, 7)
    box(p, 0.125, 0.25, 0.375, 0.6, (150, 90, 70))
    box(p, 0.1875, 0.333, 0.25, 0.6, (60, 40, 30))


def draw_porch(p: Picture) -> None:
    gradient(p, 0.0, 0.78, (228, 214, 170), (205, 190, 150))  # a cream wall in morning sun
    box(p, 0.40, 0.18, 0.60, 0.78, (35, 85, 60))  # a green front door
    box(p, 0.41, 0.20, 0.59, 0.76, (45, 100, 72))
    disc(p, 0.575, 0.50, 0.012, (212, 175, 55))  # its brass knob
    box(p, 0.08, 0.22, 0.30, 0.50, (70, 110, 150))  # a window, blue with sky
    box(p, 0.185, 0.22, 0.195, 0.50, (240, 240, 235))
    box(p, 0.70, 0.30, 0.80, 0.36, (20, 20, 20))  # the house number plate
    gradient(p, 0.78, 1.0, (150, 145, 140), (120, 115, 110))  # stone steps
    box(p, 0.42, 0.80, 0.58, 0.86, (120, 70, 40))  # a doormat
    disc(p, 0.88, 0.70, 0.08, (60, 130, 50))  # a potted shrub
    box(p, 0.86, 0.72, 0.90, 0.80, (160, 80, 50))


def draw_garden(p: Picture) -> None:
    gradient(p, 0.0, 0.45, (80, 150, 235), (170, 210, 245))  # a clear blue sky
    disc(p, 0.85, 0.12, 0.06, (255, 240, 160))  # the sun
    gradient(p, 0.45, 1.0, (90, 180, 60), (60, 150, 40))  # a bright lawn
    texture(p, 0.45, 1.0, 35, 11)
    for index in range(24):  # a wooden fence along the back
        x = index / 24
        box(p, x, 0.33, x + 0.033, 0.47, (150, 105, 60))
    box(p, 0.0, 0.36, 1.0, 0.38, (120, 80, 45))
    box(p, 0.16, 0.30, 0.20, 0.62, (95, 60, 35))  # a tree
    disc(p, 0.18, 0.26, 0.16, (30, 100, 40))
    disc(p, 0.12, 0.32, 0.10, (40, 115, 45))
    disc(p, 0.70, 0.80, 0.05, (220, 60, 90))  # flower beds
    disc(p, 0.76, 0.83, 0.04, (240, 200, 60))


def draw_driveway(p: Picture) -> None:
    gradient(p, 0.0, 0.4, (70, 60, 110), (235, 140, 80))  # dusk
    gradient(p, 0.4, 1.0, (55, 75, 45), (40, 60, 35))  # verges
    h, w = p.shape[:2]
    road = np.array([[0.42 * w, 0.4 * h], [0.58 * w, 0.4 * h], [0.95 * w, h], [0.05 * w, h]])
    cv2.fillPoly(p, [road.astype(np.int32)], (95, 95, 100))  # asphalt, in perspective
    texture(p, 0.4, 1.0, 20, 13)
    box(p, 0.495, 0.45, 0.505, 0.52, (230, 230, 220))  # centre marks
    box(p, 0.492, 0.62, 0.508, 0.74, (230, 230, 220))
    box(p, 0.78, 0.10, 0.79, 0.55, (40, 40, 45))  # a street lamp, lit
    disc(p, 0.785, 0.10, 0.03, (255, 230, 150))
    box(p, 0.02, 0.22, 0.30, 0.42, (50, 45, 60))  # the neighbour's house
    box(p, 0.06, 0.28, 0.12, 0.34, (250, 210, 120))


def draw_garage(p: Picture) -> None:
    gradient(p, 0.0, 0.65, (150, 155, 160), (125, 130, 135))  # a grey wall, cold light
    for index in range(8):  # a roll-up door with slats
        y = 0.12 + index * 0.065
        box(p, 0.30, y, 0.70, y + 0.06, (185, 190, 195))
    gradient(p, 0.65, 1.0, (105, 105, 100), (80, 80, 78))  # a concrete floor
    texture(p, 0.65, 1.0, 18, 17)
    for index in range(10):  # yellow and black warning stripes
        colour = (230, 190, 20) if index % 2 == 0 else (25, 25, 25)
        box(p, 0.30 + index * 0.04, 0.64, 0.34 + index * 0.04, 0.67, colour)
    box(p, 0.04, 0.30, 0.22, 0.32, (90, 70, 50))  # a shelf with boxes
    box(p, 0.05, 0.22, 0.11, 0.30, (170, 130, 80))
    box(p, 0.13, 0.25, 0.20, 0.30, (60, 90, 150))
    box(p, 0.80, 0.40, 0.95, 0.65, (170, 40, 40))  # a red tool chest
    box(p, 0.80, 0.48, 0.95, 0.49, (60, 20, 20))


def walker(p: Picture, progress: float, *, body: Colour, skin: Colour, leftwards: bool) -> None:
    h, w = p.shape[:2]
    body_w, body_h = max(4, w // 24), max(8, h // 5)
    x = int((1 - progress if leftwards else progress) * (w - body_w))
    y = h * 3 // 5 - body_h // 2
    p[y : y + body_h, x : x + body_w] = body
    head = max(3, body_w * 2 // 3)
    hx = x + (body_w - head) // 2
    p[y - head : y, hx : hx + head] = skin


def courier(p: Picture, progress: float) -> None:
    walker(p, progress, body=(30, 60, 160), skin=(200, 150, 120), leftwards=True)
    w = p.shape[1]
    x = int((1 - progress) * (w - max(4, w // 24)))
    box(p, (x - w / 40) / w, 0.56, x / w + 0.002, 0.64, (170, 120, 70))  # the parcel


def dog(p: Picture, progress: float) -> None:
    h, w = p.shape[:2]
    x = progress * 0.9 + 0.05
    hop = 0.02 * abs(np.sin(progress * 40))
    y = 0.80 - hop
    cv2.ellipse(p, (int(x * w), int(y * h)), (w // 22, h // 28), 0, 0, 360, (190, 120, 50), -1)
    disc(p, x + 0.045, y - 0.035, 0.03, (170, 100, 40))
    box(p, x - 0.03, y + 0.02, x - 0.02, y + 0.07, (150, 90, 35))  # legs
    box(p, x + 0.02, y + 0.02, x + 0.03, y + 0.07, (150, 90, 35))


def car(p: Picture, progress: float) -> None:
    x = progress * 1.1 - 0.25
    box(p, max(0.0, x), 0.70, max(0.0, min(1.0, x + 0.24)), 0.84, (180, 30, 40))
    box(p, max(0.0, x + 0.05), 0.62, max(0.0, min(1.0, x + 0.18)), 0.71, (140, 25, 35))
    box(p, max(0.0, x + 0.07), 0.635, max(0.0, min(1.0, x + 0.16)), 0.695, (150, 190, 220))
    for wheel in (0.05, 0.19):
        if 0 <= x + wheel <= 1:
            disc(p, x + wheel, 0.84, 0.035, (20, 20, 20))


def cyclist(p: Picture, progress: float) -> None:
    x = 0.95 - progress * 0.9
    disc(p, x - 0.04, 0.80, 0.05, (30, 30, 30))
    disc(p, x + 0.04, 0.80, 0.05, (30, 30, 30))
    disc(p, x - 0.04, 0.80, 0.035, (110, 110, 105))
    disc(p, x + 0.04, 0.80, 0.035, (110, 110, 105))
    box(p, x - 0.015, 0.55, x + 0.015, 0.76, (240, 210, 30))  # a yellow jacket
    disc(p, x, 0.51, 0.03, (210, 160, 130))


def person(p: Picture, progress: float) -> None:
    walker(p, progress, body=(200, 40, 40), skin=(230, 190, 160), leftwards=False)


Actor = Callable[[Picture, float], None]
# Who can cross a scene, by the name the control API takes (`POST .../motion {"actor"}`).
ACTORS: dict[str, Actor] = {
    "person": person,
    "courier": courier,
    "dog": dog,
    "car": car,
    "cyclist": cyclist,
}


@dataclass(frozen=True)
class View:
    draw: Callable[[Picture], None]
    actor: str  # its own visitor, a name from `ACTORS`

    @property
    def visitor(self) -> Actor:
        return ACTORS[self.actor]


VIEWS: dict[str, View] = {
    "yard": View(draw_yard, "person"),
    "porch": View(draw_porch, "courier"),
    "garden": View(draw_garden, "dog"),
    "driveway": View(draw_driveway, "car"),
    "garage": View(draw_garage, "cyclist"),
}


def draw_label(picture: Picture, text: str) -> None:
    """The camera's name in the top left corner, white on a dark band, as cameras print it."""
    h = picture.shape[0]
    scale = h / 720
    size, _ = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, 1.1 * scale, max(1, int(2 * scale)))
    x, y = int(20 * scale), int(0.08 * h)
    picture[y : y + size[1] + int(24 * scale), x : x + size[0] + int(24 * scale)] //= 3
    origin = (x + int(12 * scale), y + size[1] + int(12 * scale))
    thickness = max(1, int(2 * scale))
    cv2.putText(
        picture, text, origin, cv2.FONT_HERSHEY_SIMPLEX, 1.1 * scale, (255, 255, 255), thickness
    )


class ViewPainter:
    """Paints frames of one view: the still background once, the visitor and grain each time.

    `actor` replaces the view's own visitor; without `moving_grain` every frame has the same
    grain, so that a still scene is still to a frame-difference detector too."""

    def __init__(
        self,
        width: int,
        height: int,
        view: str = "yard",
        label: str = "",
        *,
        actor: str = "",
        moving_grain: bool = True,
    ) -> None:
        if view not in VIEWS:
            raise ValueError(f"unknown view {view!r}; known: {', '.join(VIEWS)}")
        if actor and actor not in ACTORS:
            raise ValueError(f"unknown actor {actor!r}; known: {', '.join(ACTORS)}")
        self.width, self.height, self.view = width, height, VIEWS[view]
        self.visitor = ACTORS[actor or self.view.actor]
        base = np.zeros((height, width, 3), np.uint8)
        self.view.draw(base)
        if label:
            draw_label(base, label)
        self.base = base
        rng = np.random.default_rng(7)
        frames = GRAIN_FRAMES if moving_grain else 1
        self.grain = rng.integers(0, GRAIN_LEVEL, (frames, height, width), dtype=np.uint8)
        self._still: dict[int, Picture] = {}  # YUV frames without a visitor, by grain

    def _picture(self, second: float, motion: tuple[tuple[float, float], ...]) -> Picture:
        picture = self.base.copy()
        for start, end in motion:
            if start <= second < end:
                self.visitor(picture, (second - start) / (end - start))
        return picture

    @staticmethod
    def _visited(second: float, motion: tuple[tuple[float, float], ...]) -> bool:
        return any(start <= second < end for start, end in motion)

    def paint(self, second: float, motion: tuple[tuple[float, float], ...], index: int) -> Picture:
        """An RGB frame with grain (for encoders that take RGB)."""
        picture = self._picture(second, motion)
        grain = self.grain[index % len(self.grain)]
        return np.asarray(cv2.add(picture, np.repeat(grain[:, :, None], 3, axis=2)), np.uint8)

    def paint_i420(
        self, second: float, motion: tuple[tuple[float, float], ...], index: int
    ) -> Picture:
        """A YUV 4:2:0 planar frame (as libx264 takes it) with grain on its luma. Frames
        without a visitor repeat one of a few, made once (most of a scene is still)."""
        grain = index % len(self.grain)
        if not self._visited(second, motion) and grain in self._still:
            return self._still[grain]
        yuv = np.asarray(
            cv2.cvtColor(self._picture(second, motion), cv2.COLOR_RGB2YUV_I420), np.uint8
        )
        luma = yuv[: self.height]
        luma[:] = cv2.add(luma, self.grain[grain])
        if not self._visited(second, motion):
            self._still[grain] = yuv
        return yuv
