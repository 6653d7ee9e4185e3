"""Request and response shapes of a camera's detection settings (the zone and mask editor's
API, events/settings_api.py). Ranges are checked by events/detection.py, which answers each
with its own `detection.*` code; here only the types are fixed."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from hearthwatch.events.detection import DetectionSettings

Points = list[list[float]]


class ZoneShape(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(description="1 to 32 of a-z, 0-9 and -; unique within the camera.")
    name: str = Field(description="1 to 40 characters.")
    points: Points = Field(description="3 to 32 [x, y] points, each from 0 to 1.")


class DetectionChange(BaseModel):
    """A change of the settings: fields left out keep their value."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool | None = None
    sensitivity: int | None = Field(default=None, description="1 (least) to 100 (most).")
    min_duration_ms: int | None = Field(
        default=None, description="0 to 60000: how long motion lasts before an event opens."
    )
    quiet_seconds: int | None = Field(
        default=None, description="2 to 300: an event closes after this long without motion."
    )
    pre_roll_s: int | None = Field(default=None, description="0 to 30 s kept before an event.")
    post_roll_s: int | None = Field(default=None, description="0 to 120 s kept after one.")
    zones: list[ZoneShape] | None = Field(
        default=None, description="At most 16 zones; none means the whole picture."
    )
    masks: list[Points] | None = Field(
        default=None,
        description="At most 16 privacy masks (3 to 32 points each): never analysed, and "
        "blacked out in every image of the camera.",
    )


class DetectionPublic(BaseModel):
    enabled: bool
    sensitivity: int
    min_duration_ms: int
    quiet_seconds: int
    pre_roll_s: int
    post_roll_s: int
    zones: list[ZoneShape]
    masks: list[Points]
    privacy_mode: bool = Field(description="Set with PUT .../privacy-mode.")

    @classmethod
    def of(cls, settings: DetectionSettings, *, privacy_mode: bool) -> DetectionPublic:
        return cls(
            enabled=settings.enabled,
            sensitivity=settings.sensitivity,
            min_duration_ms=settings.min_duration_ms,
            quiet_seconds=settings.quiet_seconds,
            pre_roll_s=settings.pre_roll_s,
            post_roll_s=settings.post_roll_s,
            zones=[
                ZoneShape(id=z.id, name=z.name, points=[list(p) for p in z.points])
                for z in settings.zones
            ],
            masks=[[list(p) for p in mask] for mask in settings.masks],
            privacy_mode=privacy_mode,
        )


class PrivacyModeChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    on: bool


class PrivacyModePublic(BaseModel):
    on: bool = Field(description="While on: no analysis, no recording, no live view.")
