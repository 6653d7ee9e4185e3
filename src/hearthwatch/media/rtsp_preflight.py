"""A look at the camera's first answers before FFmpeg connects: redirects are refused.

FFmpeg's RTSP client follows a 301/302 answer to whatever address it names, with no option
to stop it, so a stream at an address the outbound policy allows could send the recorder
on to one it refuses (loopback, a metadata service, the service's own port). Before each
connection the recorder asks the checked, pinned address for OPTIONS and DESCRIBE itself,
authenticating as FFmpeg would (Basic or Digest), and refuses a redirect.

This stops a camera or server that redirects; one that answers this look and FFmpeg's
connection differently is not stopped by it (FFmpeg would still follow), which the README
states. Anything else odd in the answers is left to FFmpeg, which reports it as before.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
import socket
import ssl
from dataclasses import dataclass
from typing import BinaryIO

from hearthwatch.errors import ValidationFailed
from hearthwatch.protocols.rtsp_url import parse_stream_url

USER_AGENT = "Lavf"  # FFmpeg's own prefix, so the camera sees the client it will serve
MAX_HEADER_BYTES = 16_384
_PARAM = re.compile(r'(\w+)\s*=\s*(?:"([^"]*)"|([^,\s]*))')


class RedirectRefused(ValidationFailed):
    """The camera answered with a redirect: it is not followed."""

    code = "camera.redirected"

    def __init__(self) -> None:
        super().__init__("The camera sent us on to another address, which is not followed.")


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]


def refuse_redirects(url: str, *, timeout: float) -> None:
    """Ask `url` (pinned to a checked address) for OPTIONS and DESCRIBE; refuse a redirect."""
    address, user, password = parse_stream_url(url)
    with _connect(address.scheme, address.host, address.port, timeout) as conn:
        try:
            redirected = _redirects(conn, address.url, user or "", password or "")
        except (OSError, ValueError, UnicodeError):
            # Connected, then something odd (closed, reset, garbled): FFmpeg, which would
            # meet the same, says what it is (not a stream, unreachable) as before.
            return
    if redirected:
        raise RedirectRefused()


def _redirects(conn: socket.socket, target: str, user: str, password: str) -> bool:
    reader = conn.makefile("rb")
    for cseq, method in enumerate(("OPTIONS", "DESCRIBE"), start=1):
        answer = _ask(conn, reader, method, target, cseq, "")
        if answer.status == 401 and user:
            header = _authorization(answer.headers, method, target, user, password)
            answer = _ask(conn, reader, method, target, cseq + 10, header)
        if 300 <= answer.status < 400:
            return True
        if answer.status == 0 or answer.status >= 400:
            return False  # not RTSP, or refused: FFmpeg reports it as before
    return False


def _connect(scheme: str, host: str, port: int, timeout: float) -> socket.socket:
    raw = socket.create_connection((host, port), timeout=timeout)
    if scheme != "rtsps":
        return raw
    # FFmpeg's TLS does not verify a camera's (typically self-signed) certificate either.
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context.wrap_socket(raw, server_hostname=host)


def _ask(
    conn: socket.socket, reader: BinaryIO, method: str, url: str, cseq: int, authorization: str
) -> Answer:
    lines = [f"{method} {url} RTSP/1.0", f"CSeq: {cseq}", f"User-Agent: {USER_AGENT}"]
    if method == "DESCRIBE":
        lines.append("Accept: application/sdp")
    if authorization:
        lines.append(f"Authorization: {authorization}")
    conn.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
    return _read_answer(reader)


def _read_answer(reader: BinaryIO) -> Answer:
    readline = reader.readline
    status_line = readline(MAX_HEADER_BYTES).decode("latin-1")
    fields = status_line.split(" ", 2)
    if len(fields) < 2 or not fields[0].startswith("RTSP/") or not fields[1].isdigit():
        return Answer(0, {})  # not RTSP: FFmpeg will say so
    headers: dict[str, str] = {}
    while line := readline(MAX_HEADER_BYTES).decode("latin-1").strip():
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0") or 0)
    if 0 < length <= MAX_HEADER_BYTES:
        reader.read(length)
    return Answer(int(fields[1]), headers)


def _authorization(headers: dict[str, str], method: str, url: str, user: str, password: str) -> str:
    challenge = headers.get("www-authenticate", "")
    scheme, _, rest = challenge.partition(" ")
    if scheme.lower() != "digest":
        return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
    params = _params(rest)
    realm, nonce = params.get("realm", ""), params.get("nonce", "")
    ha1 = _md5(f"{user}:{realm}:{password}")
    ha2 = _md5(f"{method}:{url}")
    fields = {"username": user, "realm": realm, "nonce": nonce, "uri": url}
    if "auth" in params.get("qop", "").split(","):
        cnonce, count = secrets.token_hex(8), "00000001"
        fields |= {"qop": "auth", "nc": count, "cnonce": cnonce}
        fields["response"] = _md5(f"{ha1}:{nonce}:{count}:{cnonce}:auth:{ha2}")
    else:
        fields["response"] = _md5(f"{ha1}:{nonce}:{ha2}")
    if "opaque" in params:
        fields["opaque"] = params["opaque"]
    plain = {"qop", "nc"}
    return "Digest " + ", ".join(
        f"{k}={v}" if k in plain else f'{k}="{v}"' for k, v in fields.items()
    )


def _params(text: str) -> dict[str, str]:
    return {m[1].lower(): m[2] if m[2] is not None else m[3] for m in _PARAM.finditer(text)}


def _md5(text: str) -> str:
    # RTSP Digest authentication (RFC 2617) is defined over MD5; it protects nothing here.
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()
