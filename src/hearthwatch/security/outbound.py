"""The outbound address policy: where the service may connect on a user's behalf.

A camera address comes from a user, so connecting to it must not let that user reach what
only the server can reach (server-side request forgery). The policy, in order:

- only `rtsp://` and `rtsps://` (the address itself is read by protocols/rtsp_url.py);
- the operator's extra networks (`HEARTHWATCH_CAMERA_ALLOWED_NETWORKS`: `10.0.0.0/8`,
  `127.0.0.1:8554`, `[::1]:8554`; an entry with a port allows only that port) are allowed;
- otherwise loopback, link-local (169.254.169.254 among them), multicast, unspecified,
  reserved and "this network" addresses, and the cloud metadata addresses, are refused;
- the service's own listening port on a local address is refused even when allowed;
- everything else, private LAN ranges included (self-hosting), is allowed.

Names are resolved and every address they resolve to is checked, both when an address is
stored and again each time it is connected to; the connection then goes to the address that
was checked (a name that resolves differently a moment later cannot redirect it).
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from hearthwatch.errors import ValidationFailed
from hearthwatch.protocols.rtsp_url import StreamAddress
from hearthwatch.security.allowed_networks import AllowedNetwork as AllowedNetwork
from hearthwatch.security.allowed_networks import IPAddress
from hearthwatch.security.allowed_networks import parse_allowed_networks as parse_allowed_networks
from hearthwatch.settings import Settings

Resolver = Callable[[str, int], list[str]]

# Instance metadata services that are not link-local (AWS IPv6, Alibaba Cloud, Oracle).
METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(a) for a in ("fd00:ec2::254", "100.100.100.200", "192.0.0.192")
)
THIS_NETWORK = ipaddress.ip_network("0.0.0.0/8")
FORBIDDEN_MESSAGE = (
    "This address cannot be used for a camera: it points at the server itself or at a "
    "network this service does not connect to."
)


class AddressForbidden(ValidationFailed):
    """The address is one the service must not connect to."""

    code = "camera.address_forbidden"

    def __init__(self, message: str = FORBIDDEN_MESSAGE) -> None:
        super().__init__(message)


def system_resolver(host: str, port: int) -> list[str]:
    """Every address the name resolves to (the system's resolver, TCP)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


@dataclass(frozen=True)
class OutboundPolicy:
    allowed: tuple[AllowedNetwork, ...] = ()
    own_ports: frozenset[int] = frozenset()
    own_addresses: frozenset[IPAddress] = frozenset()  # besides loopback: the server's own
    resolver: Resolver = system_resolver

    def check_ip(self, address: IPAddress, port: int) -> None:
        """Refuse an address the service must not connect to."""
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        local = address.is_loopback or address.is_unspecified or address in THIS_NETWORK
        if port in self.own_ports and (local or address in self.own_addresses):
            raise AddressForbidden()
        if any(entry.allows(address, port) for entry in self.allowed):
            return
        if local or _never_reached(address):
            raise AddressForbidden()

    def resolve(self, address: StreamAddress) -> list[str]:
        """The checked addresses to connect to; an empty list when the name does not resolve."""
        literal = _literal(address.host)
        if literal is not None:
            self.check_ip(literal, address.port)
            return [str(literal)]
        name = address.host.rstrip(".")
        if name == "localhost" or name.endswith(".localhost"):
            raise AddressForbidden()
        try:
            found = self.resolver(address.host, address.port)
        except (OSError, UnicodeError):
            return []
        self.check_all(found, address.port)
        return found

    def check_all(self, addresses: Iterable[str], port: int) -> None:
        for text in addresses:
            parsed = _literal(text.partition("%")[0])
            if parsed is None:
                raise AddressForbidden()
            self.check_ip(parsed, port)


def _literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def _never_reached(address: IPAddress) -> bool:
    # Reserved covers 240.0.0.0/4 and with it the broadcast address.
    return (
        address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address in METADATA_ADDRESSES
    )


def camera_policy(settings: Settings) -> OutboundPolicy:
    """The policy for camera streams, read from the settings at the moment of use."""
    own = urlsplit(settings.public_url)
    try:
        port = own.port or (443 if own.scheme == "https" else 80)
    except ValueError:
        port = 80
    resolver = system_resolver  # looked up now: a test can hand in its own name server
    return OutboundPolicy(
        allowed=parse_allowed_networks(settings.camera_allowed_networks),
        own_ports=frozenset({port}),
        own_addresses=_addresses_of((own.hostname or "", socket.gethostname()), resolver),
        resolver=resolver,
    )


def _addresses_of(hosts: Iterable[str], resolver: Resolver) -> frozenset[IPAddress]:
    """The addresses the service is reached at: its public name's and its host name's."""
    found: set[IPAddress] = set()
    for host in filter(None, hosts):
        literal = _literal(host)
        try:
            texts = [host] if literal is not None else resolver(host, 0)
        except (OSError, UnicodeError):
            continue
        found.update(a for a in map(_literal, (t.partition("%")[0] for t in texts)) if a)
    return frozenset(found)
