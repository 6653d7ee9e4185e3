"""Privacy masks: areas of a camera's picture never analysed and blacked out in every image.

A camera's masks (`Camera.privacy_masks`, issue 14 item 1) are polygons of ``[x, y]`` points
from 0 to 1 across the picture, so one mask covers the same part of a 1080p snapshot, a
sub-stream's 320x180 analysis frame and a thumbnail. Every path that makes a picture of a
camera (live and recorded snapshots, event thumbnails, exported stills) fills them black
here, and the motion analyser (events/motion.py) leaves them out with the same raster.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

Point = tuple[float, float]
Polygon = tuple[Point, ...]


def parse_polygons(text: str | None) -> tuple[Polygon, ...]:
    """The polygons stored as JSON (``[[[x, y], ...], ...]``); anything unreadable is left
    out (the settings API only stores valid ones, so this only guards old or hand-made rows).
    """
    try:
        raw: Any = json.loads(text or "[]")
    except ValueError:
        return ()
    if not isinstance(raw, list):
        return ()
    return tuple(polygon for item in raw if (polygon := _polygon(item)) is not None)


def _polygon(item: Any) -> Polygon | None:
    if not isinstance(item, list) or len(item) < 3:
        return None
    points: list[Point] = []
    for point in item:
        if not isinstance(point, list | tuple) or len(point) != 2:
            return None
        x, y = point
        if not isinstance(x, int | float) or not isinstance(y, int | float):
            return None
        points.append((min(max(float(x), 0.0), 1.0), min(max(float(y), 0.0), 1.0)))
    return tuple(points)


def raster(polygons: Sequence[Polygon], width: int, height: int) -> NDArray[np.uint8]:
    """A `height`x`width` picture: 255 inside any of the polygons, 0 elsewhere."""
    import cv2  # loaded on first use: OpenCV is slow to import

    area = np.zeros((height, width), dtype=np.uint8)
    if polygons:
        scale = np.array([width, height], dtype=np.float64)
        # Points are scaled to pixel edges and rounded outwards by the fill, which draws the
        # outline too: a mask covers at least what was drawn, never a pixel less.
        shapes = [np.round(np.array(p) * scale).astype(np.int32) for p in polygons]
        cv2.fillPoly(area, shapes, 255)
    return area


def apply_masks(picture: NDArray[Any], polygons: Sequence[Polygon]) -> NDArray[Any]:
    """`picture` (rows x columns, gray or colour) with every polygon filled black, in place;
    returned for convenience."""
    if polygons:
        height, width = picture.shape[:2]
        picture[raster(polygons, width, height) > 0] = 0
    return picture
