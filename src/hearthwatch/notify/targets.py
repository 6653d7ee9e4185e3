"""Where alerts may be sent: the outbound address policy applied to users' own addresses.

A push endpoint, a webhook or an MQTT broker is an address a user typed (or their browser
gave), so connecting to it goes through the same policy as a camera's stream
(security/outbound.py): loopback, link-local, metadata and the service's own port are
refused, the operator's allowed networks are allowed. Only outside production (tests, the
local demo) is loopback allowed too, and with it plain text (`http://`, `mqtt://`) to
loopback: a local push service, webhook receiver or broker on the same machine. Anywhere
else push and webhooks need https and brokers mqtts (P37).
Addresses are checked when stored and again at every send.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from hearthwatch.errors import ValidationFailed
from hearthwatch.protocols.rtsp_url import StreamAddress
from hearthwatch.security.outbound import (
    AddressForbidden,
    OutboundPolicy,
    camera_policy,
    parse_allowed_networks,
)
from hearthwatch.settings import Settings, is_loopback

LOOPBACK = "127.0.0.0/8,::1/128"
MAX_URL = 2048


class TargetInvalid(ValidationFailed):
    code = "notify.target_invalid"


class TargetForbidden(ValidationFailed):
    code = "notify.target_forbidden"


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int


def policy(settings: Settings) -> OutboundPolicy:
    """The camera policy, with loopback allowed outside production."""
    base = camera_policy(settings)
    if settings.environment == "production":
        return base
    extra = parse_allowed_networks(LOOPBACK)
    return OutboundPolicy(base.allowed + extra, base.own_ports, base.own_addresses, base.resolver)


def parse(url: str, *, schemes: dict[str, int], settings: Settings) -> Target:
    """`url`'s scheme, host and port, if the scheme is one of `schemes` (with its port)."""
    if len(url) > MAX_URL:
        raise TargetInvalid("The address is too long.")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as err:
        raise TargetInvalid("The address is not a valid URL.") from err
    scheme, host = parts.scheme.lower(), (parts.hostname or "")
    if scheme not in schemes or not host or parts.username or parts.password:
        raise TargetInvalid(
            f"The address must start with {' or '.join(schemes)}:// and name a host."
        )
    if scheme in PLAIN and not (is_loopback(host) and settings.environment != "production"):
        raise TargetInvalid(
            "The address must use TLS (https, mqtts); plain text only to this machine, in tests."
        )
    return Target(scheme, host, port or schemes[scheme])


def check(target: Target, settings: Settings) -> list[str]:
    """The addresses `target` resolves to, all allowed; refused with `notify.target_forbidden`."""
    address = StreamAddress("rtsp", target.host, target.port, "")  # the policy reads host, port
    try:
        found = policy(settings).resolve(address)
    except AddressForbidden as err:
        raise TargetForbidden(
            "This address cannot be used: it points at the server itself or at a network this "
            "service does not connect to."
        ) from err
    if not found:
        raise TargetInvalid(f"The host {target.host} could not be found.")
    return found


WEB = {"https": 443, "http": 80}
MQTT = {"mqtts": 8883, "mqtt": 1883}
PLAIN = frozenset({"http", "mqtt"})  # without TLS
