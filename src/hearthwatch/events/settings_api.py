"""The API of a camera's detection settings: zones, masks, sensitivity, privacy mode."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
