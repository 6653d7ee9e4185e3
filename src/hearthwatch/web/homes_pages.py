"""Web pages of homes."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
