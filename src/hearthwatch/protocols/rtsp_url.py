"""Camera addresses (RTSP URLs): the one parser every way in validates through.

An address is ``rtsp://`` or ``rtsps://``, a host (a name, an IPv4 address or a bracketed
IPv6 one), an optional port (554 for rtsp and 322 for rtsps when none is given), then a
path and query. A user name and password may come in it, percent-encoded
(``rtsp://admin:p%40ss@cam/live``). The product keeps and shows the address without them
(`StreamAddress`) and stores the credentials apart; they are put back only for the
recorder's own connection (`with_credentials`), and any text that may quote an address
passes `without_credentials` before anyone reads it.

Refused with `RtspUrlInvalid` (``camera.url_invalid``): other schemes, no host, a host that
is neither a name of letters, digits, dots, dashes and underscores nor an IPv6 address, a
port that is not 1 to 65535, spaces, backslashes and control characters (NUL among them)
anywhere, credentials that decode to control characters, and more than 512 characters (the
size of the stored column). Where the address may connect to is the outbound policy's
question (security/outbound.py), asked of the `StreamAddress` this returns.

The credentials end at the last ``@`` before the path, as FFmpeg reads them too: an address
cannot show one host to this check and another to the connection.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import quote, unquote, urlsplit, urlunsplit

from hearthwatch.errors import ValidationFailed

DEFAULT_PORTS = {"rtsp": 554, "rtsps": 322}
MAX_URL_CHARS = 512
_REFUSED_CHARACTERS = re.compile(r"[\x00-\x20\x7f\\]")  # control characters, space, backslash
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")
_HOST_NAME = re.compile(r"[a-z0-9._-]+")
# The user name and password of an address quoted in a text, up to the host's last "@".
_TEXT_CREDENTIALS = re.compile(r"(rtsps?://)[^/?#\s]*@", re.IGNORECASE)


class RtspUrlInvalid(ValidationFailed):
    """The text is not an rtsp:// or rtsps:// address this service reads."""

    code = "camera.url_invalid"

    def __init__(self) -> None:
        super().__init__("Give a valid rtsp:// address.")


@dataclass(frozen=True)
class StreamAddress:
    """A parsed camera address, without credentials."""

    scheme: str
    host: str  # lower-case name or address, IPv6 without brackets
    given_port: int | None
    path: str  # path and query, as given

    @property
    def port(self) -> int:
        return self.given_port or DEFAULT_PORTS[self.scheme]

    @property
    def url(self) -> str:
        return self.with_host(self.host)

    def with_host(self, host: str, userinfo: str = "") -> str:
        """The URL with `host` (an address the name resolved to) and optional credentials."""
        shown = f"[{host}]" if ":" in host else host
        netloc = f"{userinfo}@{shown}" if userinfo else shown
        if self.given_port is not None:
            netloc += f":{self.given_port}"
        return f"{self.scheme}://{netloc}{self.path}"


def parse_stream_url(url: str) -> tuple[StreamAddress, str | None, str | None]:
    """(address, user, password) of an rtsp:// or rtsps:// URL, the credentials decoded;
    anything else is refused with `RtspUrlInvalid`."""
    if len(url) > MAX_URL_CHARS or _REFUSED_CHARACTERS.search(url):
        raise RtspUrlInvalid()
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as err:  # a port that is no number or out of range, a broken [IPv6]
        raise RtspUrlInvalid() from err
    scheme, host = parts.scheme.lower(), (parts.hostname or "").lower()
    if scheme not in DEFAULT_PORTS or not _valid_host(host) or port == 0:
        raise RtspUrlInvalid()
    path = urlunsplit(("", "", parts.path, parts.query, ""))
    address = StreamAddress(scheme, host, port, path)
    return address, _credential(parts.username), _credential(parts.password)


def _valid_host(host: str) -> bool:
    if _HOST_NAME.fullmatch(host):
        return True
    if ":" not in host:
        return False  # a name with other characters (unicode, escapes, spaces)
    try:
        ipaddress.IPv6Address(host)
    except ValueError:
        return False
    return True


def _credential(text: str | None) -> str | None:
    if text is None:
        return None
    try:
        decoded = unquote(text, errors="strict")
    except UnicodeDecodeError as err:  # an escape that is no UTF-8
        raise RtspUrlInvalid() from err
    if _CONTROL_CHARACTERS.search(decoded):
        raise RtspUrlInvalid()
    return decoded


def raw_userinfo(url: str) -> str:
    """The credentials part of `url` as written (``user:pass``, still percent-encoded), or
    "" when it has none: carried over to a URL pinned to the checked address."""
    netloc = urlsplit(url).netloc
    return netloc.rpartition("@")[0] if "@" in netloc else ""


def with_credentials(url: str, username: str | None, password: str | None) -> str:
    """`url` with the user name and password in it (for the recorder's connection only)."""
    if not username:
        return url
    parts = urlsplit(url)
    netloc = f"{quote(username, safe='')}:{quote(password or '', safe='')}@{parts.netloc}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))


def without_credentials(text: str) -> str:
    """`text` with the user name and password taken out of every address it quotes: error
    texts and logs quote the camera URL, and must never carry its password on."""
    return _TEXT_CREDENTIALS.sub(r"\1", text)
