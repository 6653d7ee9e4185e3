"""The faults a simulated camera can be told to show, declared as data.

    kind             parameter            effect
    reboot           seconds (5, 0-3600)  drop every connection, refuse new ones meanwhile
    drop             -                    drop every connection; reconnecting works at once
    stall            seconds (0-3600)     no frames for a while; connections stay open
    drift            ppm (+-500000)       the camera's clocks run fast or slow from now on
    jump_clock       seconds (+-10 years) the camera's wall clock (RTCP sender reports) jumps
    jump_timestamps  seconds (+-3600)     RTP timestamps jump; frames keep coming

`parse_fault` checks a request body against this table; `apply_fault` must run on the
event loop that serves the camera.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from hearthwatch.camsim.camera import SimulatedCamera
from hearthwatch.errors import ValidationFailed

INVALID = "camsim.fault_invalid"
TEN_YEARS_S = 10 * 365 * 86_400


@dataclass(frozen=True)
class Param:
    name: str
    low: float
    high: float
    default: float | None = None  # None: the parameter is required

    def read(self, body: Mapping[str, Any], kind: str) -> float:
        value = body.get(self.name, self.default)
        if value is None:
            raise ValidationFailed(f"{kind} needs {self.name!r}", code=INVALID)
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            raise ValidationFailed(f"{self.name!r} must be a number", code=INVALID)
        if not self.low <= value <= self.high:
            message = f"{self.name!r} must be between {self.low:g} and {self.high:g}"
            raise ValidationFailed(message, code=INVALID)
        return float(value)


@dataclass(frozen=True)
class Fault:
    kind: str
    seconds: float | None = None
    ppm: float | None = None

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"kind": self.kind}
        body.update(
            {k: v for k, v in (("seconds", self.seconds), ("ppm", self.ppm)) if v is not None}
        )
        return body


@dataclass(frozen=True)
class FaultKind:
    name: str
    params: tuple[Param, ...]
    act: Callable[[SimulatedCamera, Fault], None]


def _seconds(fault: Fault) -> float:
    assert fault.seconds is not None
    return fault.seconds


def _ppm(fault: Fault) -> float:
    assert fault.ppm is not None
    return fault.ppm


FAULT_KINDS: dict[str, FaultKind] = {
    kind.name: kind
    for kind in (
        FaultKind("reboot", (Param("seconds", 0, 3600, 5.0),), lambda c, f: c.reboot(_seconds(f))),
        FaultKind("drop", (), lambda c, f: c.drop_connections()),
        FaultKind("stall", (Param("seconds", 0, 3600),), lambda c, f: c.stall(_seconds(f))),
        FaultKind("drift", (Param("ppm", -500_000, 500_000),), lambda c, f: c.drift(_ppm(f))),
        FaultKind(
            "jump_clock",
            (Param("seconds", -TEN_YEARS_S, TEN_YEARS_S),),
            lambda c, f: c.jump_clock(_seconds(f)),
        ),
        FaultKind(
            "jump_timestamps",
            (Param("seconds", -3600, 3600),),
            lambda c, f: c.jump_timestamps(_seconds(f)),
        ),
    )
}


def parse_fault(body: object) -> Fault:
    """The fault a JSON body asks for; `ValidationFailed` says what is wrong with it."""
    if not isinstance(body, dict):
        raise ValidationFailed("the body must be a JSON object", code=INVALID)
    name = body.get("kind")
    kind = FAULT_KINDS.get(name) if isinstance(name, str) else None
    if kind is None:
        known = ", ".join(FAULT_KINDS)
        raise ValidationFailed(f"'kind' must be one of: {known}", code=INVALID)
    unknown = set(body) - {"kind"} - {p.name for p in kind.params}
    if unknown:
        raise ValidationFailed(f"{kind.name} takes no {sorted(unknown)}", code=INVALID)
    values = {p.name: p.read(body, kind.name) for p in kind.params}
    return Fault(kind.name, seconds=values.get("seconds"), ppm=values.get("ppm"))


def apply_fault(camera: SimulatedCamera, fault: Fault) -> None:
    FAULT_KINDS[fault.kind].act(camera, fault)
