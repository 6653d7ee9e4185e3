"""What the recorder knows about a camera's stream right now (no media libraries needed).

Why a camera is offline is one of a few stable problem codes with a plain message: the
recorder's own error (a refused port, a parser's complaint) would tell a user what answers
at an address, so it goes to the server log only.
"""

from __future__ import annotations

from dataclasses import dataclass

UNREACHABLE = "camera.unreachable"
AUTH_FAILED = "camera.auth_failed"
NOT_A_STREAM = "camera.not_a_stream"
UNSUPPORTED_CODEC = "camera.unsupported_codec"
ADDRESS_FORBIDDEN = "camera.address_forbidden"
STREAM_ENDED = "camera.stream_ended"
RESTRICTED = "camera.restricted"
STREAM_TAKEN = "camera.bound_elsewhere"
REDIRECTED = "camera.redirected"

PROBLEM_MESSAGES = {
    UNREACHABLE: "We cannot reach the camera. Check that it has power and network.",
    AUTH_FAILED: "The camera did not accept its user name and password. Enter them again in the "
    "camera's settings.",
    NOT_A_STREAM: "Something answers at this address, but it is not a camera stream we can "
    "read. Check the address.",
    UNSUPPORTED_CODEC: "The camera sends video in a format we do not record. Set it to H.264.",
    ADDRESS_FORBIDDEN: "This address cannot be used for a camera: it points at the server "
    "itself or at a network this service does not connect to.",
    STREAM_ENDED: "The camera stopped sending video. We keep trying to reconnect.",
    STREAM_TAKEN: "Another account holds this camera's stream. Its owner can unbind it, or "
    "you can ask for an ownership review.",
    REDIRECTED: "The camera sends us on to another address, which we do not follow. Enter "
    "the address it sends us to, if you trust it.",
    RESTRICTED: "You restricted every use of this camera's data: it is not recorded or "
    "shown live until you lift the restriction.",
}


@dataclass
class IngestStatus:
    online: bool = False
    last_frame_at: float | None = None
    width: int | None = None
    height: int | None = None
    fps: float | None = None
    codec: str | None = None
    problem: str | None = None  # one of the codes above
    reconnects: int = 0
    frames: int = 0

    @property
    def problem_message(self) -> str | None:
        return PROBLEM_MESSAGES.get(self.problem or "")
