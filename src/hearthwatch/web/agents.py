"""A readable name for a browser's user-agent string ("Firefox on Android").

Only for display on the sessions page; the tables are checked in order, first match wins
(Edge and Opera also say "Chrome", Chrome also says "Safari", Android also says "Linux").
"""

from __future__ import annotations

BROWSERS: tuple[tuple[str, str], ...] = (
    ("Edg/", "Edge"),
    ("OPR/", "Opera"),
    ("Firefox/", "Firefox"),
    ("Chromium/", "Chromium"),
    ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
    ("curl/", "curl"),
    ("python-httpx/", "Python (httpx)"),
    ("testclient", "Test client"),
)

SYSTEMS: tuple[tuple[str, str], ...] = (
    ("Android", "Android"),
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("CrOS", "ChromeOS"),
    ("Linux", "Linux"),
)


def _first(agent: str, table: tuple[tuple[str, str], ...]) -> str | None:
    return next((name for token, name in table if token in agent), None)


def describe_agent(agent: str | None) -> str:
    """ "Firefox on Android", "Chrome", or "Unknown browser"."""
    if not agent:
        return "Unknown browser"
    browser = _first(agent, BROWSERS) or "Unknown browser"
    system = _first(agent, SYSTEMS)
    return f"{browser} on {system}" if system else browser
