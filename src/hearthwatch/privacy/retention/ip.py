"""Cutting a stored IP address down to its network (P36)."""

from __future__ import annotations

import ipaddress

UNKNOWN = "unknown/0"


def truncate_ip(value: str, *, v4: int, v6: int) -> str:
    """`203.0.113.7` -> `203.0.113.0/24`, `2001:db8:1:2::5` -> `2001:db8:1::/48`; anything
    that is not an address becomes `unknown/0`."""
    try:
        address = ipaddress.ip_address(value.strip())
    except ValueError:
        return UNKNOWN
    prefix = v4 if address.version == 4 else v6
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False))
