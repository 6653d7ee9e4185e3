"""How the recorder connects to a camera: over which RTSP transport, and when to try again.

Transport. RTSP carries media either inside the RTSP connection (TCP, interleaved) or as
RTP over UDP. TCP passes NAT and firewalls and loses nothing, so it is asked for first;
some cameras only stream over UDP and answer TCP with "461 Unsupported transport" (FFmpeg:
EPROTONOSUPPORT). The owner chooses per camera:

- ``auto``: the transport that worked last (remembered on the camera, so across reconnects
  and restarts), else TCP; a camera that refuses it is asked over the other one at once, and
  a UDP session that never received a frame (a firewall dropping the packets) goes back
  to TCP;
- ``tcp`` or ``udp``: that one only; a refusal shows as `camera.transport_refused`.

Reconnecting. A camera that reboots is away for seconds; the recording must resume as soon
as it answers again, so a session that failed is retried at a short fixed interval for the
first minute of an outage, then every few seconds at most. Problems that retrying does not
fix soon (a wrong password, a wrong path, a format we do not record) wait longer, and do not
hammer a camera that may lock out a user after failed logins. A session that delivered
video ends the outage: the next failure starts from the short interval again.
"""

from __future__ import annotations

import errno
import socket
from collections.abc import Callable
from dataclasses import dataclass, field

import av

from hearthwatch.media import status as codes

AUTO, TCP, UDP = "auto", "tcp", "udp"
TRANSPORTS = (AUTO, TCP, UDP)

QUICK_RETRY_S = 0.5  # a camera coming back is recording again within this (plus opening)
# How long FFmpeg reads a new stream to learn its format: 0.5 s finds codec, size, frame
# rate and audio of the cameras tried as well as the default 5 s cap, which took ≈1.1 s.
ANALYZE_US = "500000"
QUICK_FOR_S = 60.0  # how long into an outage retries stay quick
OUTAGE_CAP_S = 5.0  # then at most this apart
SLOW_FIRST_S = 2.0  # problems retrying does not fix soon start here and double...
SLOW_CAP_S = 30.0  # ...up to this

_NO_ROUTE = {errno.EHOSTUNREACH, errno.ENETUNREACH, errno.EHOSTDOWN, errno.ENETDOWN}
# Causes a camera coming back (or the network healing) clears: retried quickly.
_PASSING = {
    codes.UNREACHABLE,
    codes.CONNECTION_REFUSED,
    codes.NO_ROUTE,
    codes.STREAM_ENDED,
    codes.TRANSPORT_REFUSED,
}


def network_problem(err: BaseException) -> str | None:
    """The problem code of a failure to reach or talk RTSP to a camera; None if it is none
    of those (the caller knows the rest)."""
    if isinstance(err, av.error.HTTPNotFoundError):
        return codes.WRONG_PATH
    if isinstance(err, av.error.HTTPUnauthorizedError | av.error.HTTPForbiddenError):
        return codes.AUTH_FAILED
    if isinstance(err, socket.gaierror):
        return codes.UNKNOWN_HOST
    if isinstance(err, ConnectionRefusedError):
        return codes.CONNECTION_REFUSED
    if isinstance(err, TimeoutError | socket.timeout):
        return codes.UNREACHABLE
    if isinstance(err, OSError) and err.errno == errno.EPROTONOSUPPORT:
        return codes.TRANSPORT_REFUSED
    if isinstance(err, OSError) and err.errno in _NO_ROUTE:
        return codes.NO_ROUTE
    return None


def transport_refused(err: BaseException) -> bool:
    return isinstance(err, OSError) and err.errno == errno.EPROTONOSUPPORT


def other(transport: str) -> str:
    return UDP if transport == TCP else TCP


def transport_order(setting: str, learned: str | None) -> tuple[str, ...]:
    """The transports to ask for, in order, for a camera set to `setting`."""
    if setting in (TCP, UDP):
        return (setting,)
    first = learned if learned in (TCP, UDP) else TCP
    return (first, other(first))


@dataclass
class ConnectionPolicy:
    """One camera's transport choice and reconnect timing, kept across its sessions.

    `on_learned` hears of a transport that worked in auto mode, to store it on the camera.
    """

    setting: str = AUTO
    learned: str | None = None
    on_learned: Callable[[str], None] | None = field(default=None, repr=False)
    transport: str = field(init=False)
    _outage_since: float | None = field(default=None, init=False)
    _switched: bool = field(default=False, init=False)
    _slow: float = field(default=SLOW_FIRST_S, init=False)
    _cap: float = field(default=OUTAGE_CAP_S, init=False)

    def __post_init__(self) -> None:
        if self.setting not in TRANSPORTS:
            self.setting = AUTO
        self.transport = transport_order(self.setting, self.learned)[0]

    def session_ended(
        self, error: BaseException | None, problem: str | None, *, had_video: bool, now: float
    ) -> float:
        """After a session: the seconds to wait before the next one (0: at once)."""
        if had_video:
            self._worked()
        if self._switch_transport(error, had_video):
            return 0.0
        if self._outage_since is None:
            self._outage_since = now
        if problem is None or problem in _PASSING:
            quick = now - self._outage_since < QUICK_FOR_S
            return QUICK_RETRY_S if quick else self._cap
        delay, self._slow = self._slow, min(self._slow * 2, SLOW_CAP_S)
        return delay

    def _worked(self) -> None:
        self._outage_since, self._switched, self._slow = None, False, SLOW_FIRST_S
        if self.setting == AUTO and self.learned != self.transport:
            self.learned = self.transport
            if self.on_learned is not None:
                self.on_learned(self.transport)

    def _switch_transport(self, error: BaseException | None, had_video: bool) -> bool:
        """In auto mode, ask over the other transport after a refusal (or a UDP session that
        never saw a frame); at once the first time in an outage, after the wait later on."""
        if self.setting != AUTO or had_video or error is None:
            return False
        silent_udp = self.transport == UDP and isinstance(error, TimeoutError)
        if not (transport_refused(error) or silent_udp):
            return False
        self.transport = other(self.transport)
        first, self._switched = not self._switched, True
        return first
