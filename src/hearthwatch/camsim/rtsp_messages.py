"""RTSP/1.0 message reading, writing and authentication (RFC 2326, RFC 2617 digest)."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import secrets
from dataclasses import dataclass, field

MAX_HEADER_LINES = 64
MAX_BODY = 65536


class RtspProtocolError(Exception):
    """The peer sent something that is not RTSP."""


@dataclass
class RtspRequest:
    method: str
    url: str
    headers: dict[str, str]
    body: bytes = b""

    @property
    def cseq(self) -> str:
        return self.headers.get("cseq", "0")

    @property
    def session_id(self) -> str:
        """The Session header without its parameters (``;timeout=``), or ``""``."""
        return self.headers.get("session", "").split(";")[0].strip()


@dataclass
class RtspResponse:
    status: int
    reason: str
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""

    def encode(self, cseq: str) -> bytes:
        lines = [
            f"RTSP/1.0 {self.status} {self.reason}",
            f"CSeq: {cseq}",
            "Server: Hearthwatch-CamSim/1.0",
        ]
        lines += [f"{k}: {v}" for k, v in self.headers.items()]
        if self.body:
            lines.append(f"Content-Length: {len(self.body)}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode() + self.body


async def read_message(reader: asyncio.StreamReader) -> RtspRequest | bytes:
    """The next request, or the payload of an interleaved `$` frame (RTCP from the client)."""
    first = await reader.readexactly(1)
    if first == b"$":
        header = await reader.readexactly(3)
        return await reader.readexactly(int.from_bytes(header[1:], "big"))
    parts = (await _request_line(reader, first)).split(" ")
    if len(parts) != 3 or not parts[2].startswith("RTSP/"):
        raise RtspProtocolError(f"bad request line: {' '.join(parts)[:80]!r}")
    headers = await _headers(reader)
    body = await reader.readexactly(_content_length(headers))
    return RtspRequest(parts[0].upper(), parts[1], headers, body)


async def _request_line(reader: asyncio.StreamReader, first: bytes) -> str:
    line = (first + await reader.readuntil(b"\r\n")).decode("latin-1").strip()
    for _ in range(MAX_HEADER_LINES):  # empty lines before a request are allowed (RFC 2616 4.1)
        if line:
            break
        line = (await reader.readuntil(b"\r\n")).decode("latin-1").strip()
    return line


async def _headers(reader: asyncio.StreamReader) -> dict[str, str]:
    headers: dict[str, str] = {}
    for _ in range(MAX_HEADER_LINES):
        line = (await reader.readuntil(b"\r\n")).decode("latin-1").strip()
        if not line:
            return headers
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    raise RtspProtocolError("too many header lines")


def _content_length(headers: dict[str, str]) -> int:
    text = headers.get("content-length", "0").strip() or "0"
    if not text.isdigit() or int(text) > MAX_BODY:
        raise RtspProtocolError(f"bad Content-Length: {text[:20]!r}")
    return int(text)


@dataclass(frozen=True)
class TransportRequest:
    """What a client asked for in SETUP's Transport header."""

    interleaved: tuple[int, int] | None = None
    client_ports: tuple[int, int] | None = None


def parse_transport(header: str) -> TransportRequest:
    """The first transport the client offers that we serve (TCP interleaved or UDP unicast).

    Raises `ValueError` when the header names channels or ports that cannot be used.
    """
    for spec in header.split(","):
        params = dict(_param(p) for p in spec.split(";")[1:])
        if "interleaved" in params:
            return TransportRequest(interleaved=_pair(params["interleaved"], 0, 255))
        if "client_port" in params and "multicast" not in params:
            return TransportRequest(client_ports=_pair(params["client_port"], 1, 65535))
    return TransportRequest()


def _param(text: str) -> tuple[str, str]:
    key, _, value = text.strip().partition("=")
    return key.lower(), value


def _pair(text: str, low: int, high: int) -> tuple[int, int]:
    first, _, second = text.partition("-")
    a = int(first)
    b = int(second) if second else a + 1
    if not (low <= a <= high and low <= b <= high):
        raise ValueError(f"out of range: {text!r}")
    return a, b


class DigestAuth:
    """Digest (and Basic) authentication, as most IP cameras offer."""

    realm = "Hearthwatch camera"

    def __init__(self, username: str, password: str) -> None:
        self.username, self.password = username, password
        self.nonce = secrets.token_hex(16)

    def challenge(self) -> RtspResponse:
        return RtspResponse(
            401,
            "Unauthorized",
            {
                "WWW-Authenticate": f'Digest realm="{self.realm}", nonce="{self.nonce}"',
            },
        )

    def accepts(self, request: RtspRequest) -> bool:
        header = request.headers.get("authorization", "")
        scheme, _, rest = header.partition(" ")
        if scheme.lower() == "basic":
            try:
                user, _, password = base64.b64decode(rest).decode().partition(":")
            except ValueError:
                return False
            return secrets.compare_digest(f"{user}:{password}", f"{self.username}:{self.password}")
        if scheme.lower() != "digest":
            return False
        fields = _digest_fields(rest)
        ha1 = _md5(f"{self.username}:{self.realm}:{self.password}")
        ha2 = _md5(f"{request.method}:{fields.get('uri', '')}")
        expected = _md5(f"{ha1}:{self.nonce}:{ha2}")
        return fields.get("username") == self.username and secrets.compare_digest(
            fields.get("response", ""), expected
        )


def _digest_fields(text: str) -> dict[str, str]:
    fields = {}
    for item in text.split(","):
        key, _, value = item.strip().partition("=")
        fields[key.strip().lower()] = value.strip().strip('"')
    return fields


def _md5(text: str) -> str:
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()
