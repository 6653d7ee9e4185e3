"""What the recorder knows about a camera's stream right now (no media libraries needed).

Why a camera is offline is one of a few stable problem codes, each with a plain sentence
saying what is wrong and one saying what to do next. The recorder's own error (a refused
port, a parser's complaint) would tell a user what answers at an address, so it goes to the
server log only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

UNREACHABLE = "camera.unreachable"
CONNECTION_REFUSED = "camera.connection_refused"
NO_ROUTE = "camera.no_route"
UNKNOWN_HOST = "camera.unknown_host"
AUTH_FAILED = "camera.auth_failed"
WRONG_PATH = "camera.wrong_path"
TRANSPORT_REFUSED = "camera.transport_refused"
NOT_A_STREAM = "camera.not_a_stream"
UNSUPPORTED_CODEC = "camera.unsupported_codec"
ADDRESS_FORBIDDEN = "camera.address_forbidden"
STREAM_ENDED = "camera.stream_ended"
RESTRICTED = "camera.restricted"
PRIVACY_MODE = "camera.privacy_mode"
STREAM_TAKEN = "camera.bound_elsewhere"
REDIRECTED = "camera.redirected"


@dataclass(frozen=True)
class Problem:
    """Why a camera is offline (`what`, or `label` in a few words) and what its owner can do
    about it (`next_step`)."""

    code: str
    label: str  # two or three words, for a badge
    what: str
    next_step: str

    @property
    def message(self) -> str:
        return f"{self.what} {self.next_step}"


_PROBLEMS = (
    Problem(
        UNREACHABLE,
        "No answer",
        "We cannot reach the camera: nothing answered at its address in time.",
        "Check that it has power and network, and that its address is still the same.",
    ),
    Problem(
        CONNECTION_REFUSED,
        "Port closed",
        "Something answers at the camera's address, but nothing accepts video on that port.",
        "Check the port in the address (RTSP usually uses 554) and that RTSP is turned on in "
        "the camera's own settings.",
    ),
    Problem(
        NO_ROUTE,
        "No route",
        "This server has no network route to the camera's address.",
        "Check the address: the camera must be on a network this server can reach.",
    ),
    Problem(
        UNKNOWN_HOST,
        "Unknown name",
        "The camera's name does not resolve to an address.",
        "Check the spelling of the name, or enter the camera's IP address instead.",
    ),
    Problem(
        AUTH_FAILED,
        "Wrong password",
        "The camera did not accept its user name and password.",
        "Check them against the camera's own app or web page, then enter them again (for a "
        "camera already added: its settings, Connection).",
    ),
    Problem(
        WRONG_PATH,
        "Wrong path",
        "The camera answers, but has no stream at this path.",
        "Check the part of the address after the port (for example /stream1); the camera's "
        "manual or its own web page lists its stream addresses.",
    ),
    Problem(
        TRANSPORT_REFUSED,
        "Transport refused",
        "The camera refuses to send video the way this camera is set to receive it.",
        "In the camera's settings, set the transport to Automatic, or to the other choice.",
    ),
    Problem(
        NOT_A_STREAM,
        "Not a stream",
        "Something answers at this address, but it is not a camera stream we can read.",
        "Check the address.",
    ),
    Problem(
        UNSUPPORTED_CODEC,
        "Unsupported format",
        "The camera sends video in a format we do not record.",
        "Set it to H.264 or H.265 in the camera's own settings.",
    ),
    Problem(
        ADDRESS_FORBIDDEN,
        "Address not allowed",
        "This address cannot be used for a camera: it points at the server itself or at a "
        "network this service does not connect to.",
        "Enter the camera's address on your home network; the operator decides which "
        "networks cameras may be on.",
    ),
    Problem(
        STREAM_ENDED,
        "Stream ended",
        "The camera stopped sending video.",
        "We keep trying to reconnect; if it lasts, restart the camera.",
    ),
    Problem(
        STREAM_TAKEN,
        "Held by another account",
        "Another account holds this camera's stream.",
        "Its owner can unbind it, or you can ask for an ownership review.",
    ),
    Problem(
        REDIRECTED,
        "Redirected",
        "The camera sends us on to another address, which we do not follow.",
        "Enter the address it sends us to, if you trust it.",
    ),
    Problem(
        RESTRICTED,
        "Restricted",
        "You restricted every use of this camera's data: it is not recorded or shown live.",
        "Lift the restriction in your privacy settings to see it again.",
    ),
    Problem(
        PRIVACY_MODE,
        "Privacy mode",
        "Privacy mode is on: the camera is not analysed, recorded or shown live.",
        "Switch privacy mode off in the camera's settings to see it again.",
    ),
)
PROBLEMS: Mapping[str, Problem] = {problem.code: problem for problem in _PROBLEMS}
PROBLEM_MESSAGES: Mapping[str, str] = {code: p.message for code, p in PROBLEMS.items()}


@dataclass
class IngestStatus:
    online: bool = False
    last_frame_at: float | None = None
    width: int | None = None
    height: int | None = None
    fps: float | None = None
    codec: str | None = None
    problem: str | None = None  # one of the codes above
    transport: str | None = None  # "tcp" or "udp": how the current (or last) session ran
    reconnects: int = 0
    frames: int = 0

    @property
    def problem_message(self) -> str | None:
        return PROBLEM_MESSAGES.get(self.problem or "")
