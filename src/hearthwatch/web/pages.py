"""Web pages (filled in by the web app work)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def home() -> str:
    return "<!doctype html><title>Hearthwatch</title><h1>Hearthwatch</h1>"
