"""The networks cameras may be reached on despite the outbound rules (P37), as configured.

Apart from `security.outbound`, which applies them, because the settings check the
configured list when they load and the outbound rules read the settings.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True)
class AllowedNetwork:
    network: IPNetwork
    port: int | None = None

    def allows(self, address: IPAddress, port: int) -> bool:
        return address in self.network and self.port in (None, port)


def parse_allowed_networks(text: str) -> tuple[AllowedNetwork, ...]:
    """`10.0.0.0/8, 127.0.0.1:8554, [::1]:8554` as networks with optional ports."""
    return tuple(_allowed_entry(part.strip()) for part in text.split(",") if part.strip())


def _allowed_entry(entry: str) -> AllowedNetwork:
    host, port = entry, None
    if entry.startswith("["):
        host, _, rest = entry[1:].partition("]")
        port = int(rest[1:]) if rest.startswith(":") else None
    elif entry.count(":") == 1:
        host, _, port_text = entry.partition(":")
        port = int(port_text)
    if port is not None and not 0 < port < 65536:
        raise ValueError(f"{entry!r}: the port must be between 1 and 65535")
    return AllowedNetwork(ipaddress.ip_network(host, strict=False), port)
