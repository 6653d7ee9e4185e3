"""What the recorder knows about a camera's stream right now (no media libraries needed)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class IngestStatus:
    online: bool = False
    last_frame_at: float | None = None
    width: int | None = None
    height: int | None = None
    fps: float | None = None
    codec: str | None = None
    error: str | None = None
    reconnects: int = 0
    frames: int = 0
