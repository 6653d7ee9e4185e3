"""What a look at a camera's stream found, in the words both camera forms show (the add
page's "Test the connection" and the settings page's Connection form); static/add-camera.js
writes the same words from the API's answer."""

from __future__ import annotations

from dataclasses import dataclass

from hearthwatch.media.status import PROBLEMS
from hearthwatch.web.camera_views import codec_name

SOUND_NAMES = {"aac": "AAC", "pcm_mulaw": "G.711 µ-law", "pcm_alaw": "G.711 A-law"}


@dataclass(frozen=True)
class StreamAnswer:
    """The answer shown in place: `reached` with `found`, or the problem and next step."""

    reached: bool
    title: str
    detail: str


def found_words(
    codec: str | None,
    width: int | None,
    height: int | None,
    transport: str | None,
    audio: str | None = None,
) -> str:
    """The codec, picture size, transport and sound, joined by middle dots."""
    parts = [codec_name(codec)]
    if width and height:
        parts.append(f"{width} \N{MULTIPLICATION SIGN} {height}")
    if transport:
        parts.append(transport.upper())
    if audio:
        parts.append(f"sound {SOUND_NAMES.get(audio, audio.upper())}")
    return " · ".join(parts)


def reached(found: str) -> StreamAnswer:
    return StreamAnswer(True, "Reached the camera.", found)


def not_reached(code: str) -> StreamAnswer:
    problem = PROBLEMS[code]
    return StreamAnswer(False, problem.what, problem.next_step)
