"""Masking personal data wherever the full value is not needed (P45).

One home for the rules, used by log lines (`hearthwatch.logs`), pages (the ``mask_email`` and
``mask_ip`` template filters), API answers and operator commands:

- an e-mail address keeps the first character of its local part and domain and the
  top-level domain: ``alice@example.org`` becomes ``a***@e***.org``;
- an IPv4 address loses its last octet (``203.0.113.77`` -> ``203.0.113.0``), an IPv6
  address everything past its /48 site prefix (``2001:db8:85a3::8a2e:370:7334`` ->
  ``2001:db8:85a3::``): enough to tell networks apart, not to find a household;
- a name keeps the initial of each word: ``Robin Example`` becomes ``R*** E***``.

Each function takes free text and masks every occurrence in it, so a single value and a log
line go through the same code.
"""

from __future__ import annotations

import ipaddress
import re

EMAIL = re.compile(
    r"([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9-])[A-Za-z0-9.-]*(\.[A-Za-z]{2,})"
)
IPV4 = re.compile(r"\b(\d{1,3}\.\d{1,3}\.\d{1,3})\.\d{1,3}\b")
# A run of hex groups with at least two colons, not glued to a word, another colon or an
# IPv4 tail; `ipaddress` then decides (so times like 01:56:39 and MAC addresses stay).
IPV6_CANDIDATE = re.compile(r"(?<![\w:])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![\w:]|\.\d)")
IPV6_KEPT_PREFIX = 48


def mask_email(text: str) -> str:
    """``alice@example.org`` becomes ``a***@e***.org``."""
    return EMAIL.sub(r"\1***@\2***\3", text)


def mask_ip(text: str) -> str:
    """IPv4 addresses lose their last octet; IPv6 addresses keep their /48 prefix only."""
    if "." in text:
        text = IPV4.sub(r"\1.0", text)
    if ":" in text:
        text = IPV6_CANDIDATE.sub(_mask_ipv6, text)
    return text


def _mask_ipv6(match: re.Match[str]) -> str:
    candidate = match.group(0)
    try:
        network = ipaddress.IPv6Network(f"{candidate}/{IPV6_KEPT_PREFIX}", strict=False)
    except ValueError:
        return candidate
    return str(network.network_address)


def mask_name(text: str) -> str:
    """``Robin Example`` becomes ``R*** E***``: each word keeps its initial."""
    return " ".join(f"{word[0]}***" for word in text.split())
